// A private Prosody 0.12 per test: own config, temp dir and free loopback ports, started in the
// foreground as our child so we see it exit. Never touches /etc/prosody or a system instance.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type CertificateAuthority, issueCertificate } from './certs.js'
import {
  type ComponentSpec,
  exitsWithin,
  freePorts,
  killTree,
  PortInUseError,
  removeDir,
  render,
  type Supervised,
  signal,
  spawnLogged,
  tail,
  track,
  type UserSpec,
  waitFor,
  waitForPort,
  watchLog,
} from './ports.js'

const run = promisify(execFile)
const TEMPLATE = readFileSync(new URL('./templates/prosody.cfg.lua', import.meta.url), 'utf8')
const ATTEMPTS = 3

export interface ProsodyDomain {
  host: string
  components?: ComponentSpec[]
  /** Anonymous login (XEP-0175) instead of accounts: every session a fresh bare JID. Prosody only. */
  anonymous?: boolean
}

export interface ProsodyOptions {
  domains: ProsodyDomain[]
  users?: UserSpec[]
  /** Serve XMPP over WebSocket at wsUrl (modules http + websocket). */
  websocket?: boolean
  /** Lua appended after the hosts, e.g. `Component "rooms.a.localhost" "muc"`. */
  extraConfig?: string
  /** Extra entries for modules_enabled. */
  modules?: string[]
  /** Federation with other servers on this machine (off by default): see S2sOptions. */
  s2s?: S2sOptions
  /**
   * TLS as production servers run it (off by default): every domain gets a certificate from this
   * CA, c2s requires STARTTLS, and s2s (when on) requires TLS and a certificate the CA signed
   * (`s2s_secure_auth`) instead of dialback. Clients must trust the CA (NODE_EXTRA_CA_CERTS).
   */
  tls?: CertificateAuthority
  /**
   * Prosody's Nagle setting for every connection (`network_settings.nagle`); absent: Prosody's
   * default, Nagle on. Off, small writes leave at once instead of waiting for the peer's ACK.
   */
  nagle?: boolean
  readyTimeoutMs?: number
}

/**
 * Server-to-server federation on loopback, for baselines of two servers on one machine. The
 * server listens for s2s on port 5269 (a peer without SRV records is dialled there, RFC 6120
 * §3.2.2) at `address`, a loopback address of its own such as 127.0.0.2, so two servers can
 * share the port. Names resolve from a hosts file in the server's temp dir, given to Prosody's
 * resolver (`unbound.hoststxt`): /etc/hosts is neither read nor changed. Without the tls option
 * there is no TLS and no certificate: peers authenticate with dialback (XEP-0220); with it, s2s
 * is encrypted and authenticated by certificates, as federation on the Internet is.
 */
export interface S2sOptions {
  /** The loopback address s2s listens on, e.g. 127.0.0.2. */
  address: string
  /** The other servers' domains and their s2s addresses, e.g. { 'b.s2s.test': '127.0.0.3' }. */
  peers: Record<string, string>
}

/** The s2s port: the protocol's default, which a peer without SRV records dials. */
export const S2S_PORT = 5269

export interface ProsodyServer {
  readonly kind: 'prosody'
  readonly c2sPort: number
  readonly componentPort: number
  readonly httpPort?: number
  /** ws://127.0.0.1:<httpPort>/xmpp-websocket when started with websocket: true. */
  readonly wsUrl?: string
  /** `xmpp://127.0.0.1:<c2sPort>`, the `service` for @xmpp/client. */
  readonly c2sService: string
  /** `xmpp://127.0.0.1:<componentPort>`, the `service` for @xmpp/component. */
  readonly componentService: string
  /** The temp dir holding config, data, certs and logs; removed by stop(). */
  readonly dataDir: string
  readonly configPath: string
  readonly logPath: string
  /** The s2s listener (`address:5269`) when started with the s2s option. */
  readonly s2sAddress?: string
  addUser(user: UserSpec): Promise<void>
  /** SIGTERM (clean shutdown, data kept) and start again on the same ports. */
  restart(): Promise<void>
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: a server that accepts bytes and answers nothing. */
  freeze(frozen: boolean): void
  /**
   * Stops the server (always a clean SIGTERM shutdown: ~10 ms), waits for it to exit and removes
   * dataDir. Idempotent. The option exists for symmetry with ejabberd's stop().
   */
  stop(opts?: { graceful?: boolean }): Promise<void>
}

// Modules Prosody loads on top of its core (c2s, presence, message, iq...). smacks and carbons are on
// because real deployments have them and the component must cope with them.
const MODULES = ['roster', 'saslauth', 'disco', 'ping', 'carbons', 'smacks', 'posix']

const lua = (s: string) => JSON.stringify(s) // a JSON string of printable ASCII is a valid Lua string

function hostsSection(domains: ProsodyDomain[]): string {
  const out: string[] = []
  for (const d of domains) {
    out.push(`VirtualHost ${lua(d.host)}`)
    if (d.anonymous) out.push('  authentication = "anonymous"')
  }
  for (const c of domains.flatMap((d) => d.components ?? [])) {
    out.push(`Component ${lua(c.domain)}\n  component_secret = ${lua(c.secret)}`)
  }
  return out.join('\n')
}

/**
 * The global options that turn s2s on: the listener, the resolver reading `hostsFile`, and
 * either dialback without TLS or, with `tls`, TLS required and peers authenticated by their
 * certificates.
 */
function s2sOptions(s2s: S2sOptions, hostsFile: string, tls: boolean): string[] {
  return [
    `s2s_ports = { ${S2S_PORT} }`,
    `s2s_interfaces = { ${lua(s2s.address)} }`,
    tls ? 'modules_disabled = { }' : 'modules_disabled = { "s2s_auth_certs" }',
    `s2s_require_encryption = ${tls}`,
    `s2s_secure_auth = ${tls}`,
    `unbound = { hoststxt = ${lua(hostsFile)} }`,
  ]
}

/** The global options of the tls option: STARTTLS required on c2s, peers checked against the CA. */
function tlsOptions(ca: CertificateAuthority): string[] {
  return ['c2s_require_encryption = true', `ssl = { cafile = ${lua(ca.certPath)} }`]
}

/** Every domain the server answers for, its components' included. */
function allDomains(domains: ProsodyDomain[]): string[] {
  return domains.flatMap((d) => [d.host, ...(d.components ?? []).map((c) => c.domain)])
}

// Prosody reads PROSODY_CONFIG and friends; a stray variable must not redirect it to another config.
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8' }
}

class Prosody implements ProsodyServer {
  readonly kind = 'prosody'
  c2sPort = 0
  componentPort = 0
  httpPort?: number
  readonly configPath: string
  readonly logPath: string
  private readonly consolePath: string
  private proc?: Supervised
  private stopped = false
  private readonly untrack: () => void

  constructor(
    readonly dataDir: string,
    private readonly opts: ProsodyOptions,
  ) {
    this.configPath = join(dataDir, 'prosody.cfg.lua')
    this.logPath = join(dataDir, 'prosody.log')
    this.consolePath = join(dataDir, 'console.log')
    mkdirSync(join(dataDir, 'data'))
    mkdirSync(join(dataDir, 'certs'))
    this.untrack = track(this)
  }

  get s2sAddress(): string | undefined {
    return this.opts.s2s?.address
  }

  get wsUrl(): string | undefined {
    return this.httpPort ? `ws://127.0.0.1:${this.httpPort}/xmpp-websocket` : undefined
  }

  get c2sService(): string {
    return `xmpp://127.0.0.1:${this.c2sPort}`
  }

  get componentService(): string {
    return `xmpp://127.0.0.1:${this.componentPort}`
  }

  writeConfig(): void {
    const { opts, dataDir } = this
    const modules = [
      ...MODULES,
      ...(opts.websocket ? ['http', 'websocket'] : []),
      ...(opts.s2s ? ['dialback'] : []),
      ...(opts.tls ? ['tls'] : []),
      ...(opts.modules ?? []),
    ]
    // Options of tls, nagle and s2s, appended last under `Host "*"`, so the template, the
    // caller's extraConfig and the config of every server without them stay as they were.
    const globals: string[] = []
    if (opts.tls) globals.push(...tlsOptions(opts.tls))
    if (opts.nagle !== undefined) globals.push(`network_settings = { nagle = ${opts.nagle} }`)
    const s2s = opts.s2s
    if (s2s) {
      const hostsFile = join(dataDir, 'hosts')
      const lines = [
        ...allDomains(opts.domains).map((name) => `${s2s.address} ${name}`),
        ...Object.entries(s2s.peers).map(([name, address]) => `${address} ${name}`),
      ]
      writeFileSync(hostsFile, `${lines.join('\n')}\n`)
      globals.push(...s2sOptions(s2s, hostsFile, opts.tls !== undefined))
    }
    const extra = [opts.extraConfig ?? '', ...(globals.length > 0 ? ['Host "*"', ...globals] : [])].join('\n')
    const http = this.httpPort
      ? [
          `http_ports = { ${this.httpPort} }`,
          'http_interfaces = { "127.0.0.1" }',
          // Requests arrive with Host 127.0.0.1:<port>; serve them as the first domain.
          `http_default_host = ${lua(opts.domains[0].host)}`,
          // No TLS on loopback, but browsers and @xmpp/websocket must still be allowed to log in.
          'consider_websocket_secure = true',
        ].join('\n')
      : ''
    const config = render(TEMPLATE, {
      DATA_PATH: lua(join(dataDir, 'data')),
      PID_FILE: lua(join(dataDir, 'prosody.pid')),
      CERT_DIR: lua(join(dataDir, 'certs')),
      PLUGIN_DIR: lua(join(dataDir, 'plugins')),
      LOG_LEVEL: process.env.XLATTICE_HARNESS_DEBUG ? 'debug' : 'info',
      LOG_FILE: lua(this.logPath),
      C2S_PORT: this.c2sPort,
      COMPONENT_PORT: this.componentPort,
      HTTP: http,
      MODULES: modules.map(lua).join('; '),
      HOSTS: hostsSection(opts.domains),
      EXTRA: extra,
    })
    writeFileSync(this.configPath, config)
  }

  async addUser({ user, host, password }: UserSpec): Promise<void> {
    // Writes the account file directly, so it works whether or not the server is running.
    try {
      await run('prosodyctl', ['--config', this.configPath, 'register', user, host, password], {
        env: cleanEnv(),
      })
    } catch (err: any) {
      throw new Error(
        `prosodyctl register ${user}@${host} failed: ${err.stderr || err.stdout || err.message}`,
      )
    }
  }

  async launch(): Promise<void> {
    this.proc = spawnLogged('prosody', ['--config', this.configPath, '-F'], this.consolePath, cleanEnv())
    const proc = this.proc
    // Prosody opens the component port only when some host is a Component.
    const ports = [this.c2sPort]
    const markers = [`'c2s' on [127.0.0.1]:${this.c2sPort}`]
    if (this.opts.domains.some((d) => d.components?.length)) {
      ports.push(this.componentPort)
      markers.push(`'component' on [127.0.0.1]:${this.componentPort}`)
    }
    if (this.httpPort) markers.push(`'http' on [127.0.0.1]:${this.httpPort}`)
    const s2s = this.opts.s2s?.address
    if (s2s) markers.push(`'s2s' on [${s2s}]:${S2S_PORT}`)
    const log = watchLog(this.logPath)
    const check = () => {
      // Prosody logs a failed bind and keeps running; the port then belongs to someone else.
      if (log().includes('Failed to open server port')) throw new PortInUseError(tail(this.logPath, 5))
      if (proc.hasExited()) throw new Error('prosody exited during startup')
    }
    const timeoutMs = this.opts.readyTimeoutMs ?? 10_000
    try {
      // "Activated service" is logged once the socket listens, so it proves the port is ours.
      await waitFor(
        'prosody to listen',
        () => markers.every((m) => log().includes(`Activated service ${m}`)),
        {
          timeoutMs,
          check,
        },
      )
      for (const port of ports) await waitForPort(port, { timeoutMs, check })
      if (s2s) await waitForPort(S2S_PORT, { host: s2s, timeoutMs, check })
    } catch (err) {
      await this.terminate()
      // The temp dir is about to go, so the logs travel in the error.
      if (err instanceof Error && !(err instanceof PortInUseError)) {
        err.message += `\n--- console ---\n${tail(this.consolePath)}\n--- prosody.log ---\n${tail(this.logPath)}`
      }
      throw err
    }
  }

  /** SIGTERM and wait; SIGKILL if Prosody has not exited within 3 s. */
  private async terminate(): Promise<void> {
    const proc = this.proc
    if (!proc || proc.hasExited()) return
    signal(proc.child.pid, 'SIGTERM')
    if (!(await exitsWithin(proc, 3000))) {
      killTree(proc.child.pid)
      await proc.exited()
    }
  }

  freeze(frozen: boolean): void {
    if (this.proc && !this.proc.hasExited()) signal(this.proc.child.pid, frozen ? 'SIGSTOP' : 'SIGCONT')
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('restart() after stop()')
    await this.terminate()
    await this.launch()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    try {
      await this.terminate()
    } finally {
      removeDir(this.dataDir)
      this.untrack()
    }
  }

  /** Synchronous, for the exit hook. */
  killNow(): void {
    if (this.proc && !this.proc.hasExited()) killTree(this.proc.child.pid)
  }
}

export async function startProsody(opts: ProsodyOptions): Promise<ProsodyServer> {
  const server = new Prosody(mkdtempSync(join(tmpdir(), 'xlattice-prosody-')), opts)
  try {
    const ca = opts.tls
    if (ca)
      await Promise.all(
        allDomains(opts.domains).map((d) => issueCertificate(ca, join(server.dataDir, 'certs'), d)),
      )
    for (let attempt = 1; ; attempt++) {
      const [c2s, component, http] = await freePorts(opts.websocket ? 3 : 2)
      server.c2sPort = c2s
      server.componentPort = component
      server.httpPort = opts.websocket ? http : undefined
      server.writeConfig()
      // prosodyctl writes account files whether or not the server runs, so users are registered while
      // it starts (saves ~50 ms), once: they survive a retry on new ports.
      const users = attempt === 1 ? (opts.users ?? []).map((u) => server.addUser(u)) : []
      const [launched, ...registered] = await Promise.allSettled([server.launch(), ...users])
      for (const r of registered) if (r.status === 'rejected') throw r.reason
      if (launched.status === 'fulfilled') return server
      if (!(launched.reason instanceof PortInUseError) || attempt === ATTEMPTS) throw launched.reason
    }
  } catch (err) {
    await server.stop()
    throw err
  }
}
