// A private ejabberd 23.01 per test: own config dir, spool, logs, Erlang node name, cookie and
// distribution port, so it never meets another instance or a system ejabberd.
import { randomBytes } from 'node:crypto'
import {
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

const TEMPLATES = new URL('./templates/ejabberd/', import.meta.url)
const template = (name: string) => readFileSync(new URL(name, TEMPLATES), 'utf8')
const ATTEMPTS = 3

export interface EjabberdOptions {
  hosts: string[]
  components?: ComponentSpec[]
  users?: UserSpec[]
  /** Serve XMPP over WebSocket at wsUrl (ejabberd_http + ejabberd_http_ws). */
  websocket?: boolean
  /** More modules, e.g. `{ mod_muc: { host: 'rooms.@HOST@' } }`. */
  modules?: Record<string, unknown>
  /** ejabberd takes ~1 s to start here; CI machines can be slower. */
  readyTimeoutMs?: number
}

export interface EjabberdServer {
  readonly kind: 'ejabberd'
  readonly c2sPort: number
  readonly componentPort: number
  /** Always open: user registration goes through mod_http_api at /api. */
  readonly httpPort: number
  /** ws://127.0.0.1:<httpPort>/xmpp-websocket when started with websocket: true. */
  readonly wsUrl?: string
  /** `xmpp://127.0.0.1:<c2sPort>`, the `service` for @xmpp/client. */
  readonly c2sService: string
  /** `xmpp://127.0.0.1:<componentPort>`, the `service` for @xmpp/component. */
  readonly componentService: string
  /** The temp dir holding conf/, spool/ and logs/; removed by stop(). */
  readonly dataDir: string
  readonly configPath: string
  readonly logPath: string
  /** Registers through mod_http_api (a few ms; `ejabberdctl register` takes ~0.5 s). Server must be up. */
  addUser(user: UserSpec): Promise<void>
  /** Clean shutdown (data kept) and start again on the same ports. */
  restart(): Promise<void>
  /**
   * Ends the server and removes dataDir. Idempotent. By default it kills the VM: the data is thrown
   * away anyway, and a clean shutdown costs ~1 s here. `graceful: true` shuts down cleanly first.
   */
  stop(opts?: { graceful?: boolean }): Promise<void>
}

// ejabberdctl reads EJABBERD_CONFIG_PATH, ERL_* and friends from the environment; a stray variable
// must not point it at another config.
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8' }
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid)
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name), uid, gid)
    else chownSync(join(path, entry.name), uid, gid)
  }
}

/** uid and gid of the `ejabberd` system user, which ejabberdctl switches to when run as root. */
function ejabberdUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ejabberd:'))
  if (!line) return undefined
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

class Ejabberd implements EjabberdServer {
  readonly kind = 'ejabberd'
  c2sPort = 0
  componentPort = 0
  httpPort = 0
  distPort = 0
  readonly configDir: string
  readonly configPath: string
  readonly logPath: string
  private readonly consolePath: string
  private readonly pidPath: string
  private readonly node = `xl${randomBytes(6).toString('hex')}@localhost`
  private readonly cookie = randomBytes(16).toString('hex')
  private proc?: Supervised
  private stopped = false
  private readonly untrack: () => void

  constructor(
    readonly dataDir: string,
    private readonly opts: EjabberdOptions,
  ) {
    this.configDir = join(dataDir, 'conf')
    this.configPath = join(this.configDir, 'ejabberd.yml')
    this.logPath = join(dataDir, 'logs', 'ejabberd.log')
    this.consolePath = join(dataDir, 'console.log')
    this.pidPath = join(dataDir, 'ejabberd.pid')
    for (const sub of ['conf', 'spool', 'logs']) mkdirSync(join(dataDir, sub))
    this.untrack = track(this)
  }

  get wsUrl(): string | undefined {
    return this.opts.websocket ? `ws://127.0.0.1:${this.httpPort}/xmpp-websocket` : undefined
  }

  get c2sService(): string {
    return `xmpp://127.0.0.1:${this.c2sPort}`
  }

  get componentService(): string {
    return `xmpp://127.0.0.1:${this.componentPort}`
  }

  writeConfig(): void {
    const { opts, dataDir, configDir } = this
    const services = Object.fromEntries(
      (opts.components ?? []).map((c) => [c.domain, { password: c.secret }]),
    )
    const ws = opts.websocket ? '      /xmpp-websocket: ejabberd_http_ws' : ''
    const extraModules = Object.entries(opts.modules ?? {})
      .map(([name, conf]) => `  ${name}: ${JSON.stringify(conf)}`)
      .join('\n')
    writeFileSync(
      this.configPath,
      render(template('ejabberd.yml'), {
        LOG_LEVEL: process.env.XLATTICE_HARNESS_DEBUG ? 'debug' : 'info',
        HOSTS: JSON.stringify(opts.hosts),
        C2S_PORT: this.c2sPort,
        COMPONENT_PORT: this.componentPort,
        // An empty service list must still be a YAML mapping.
        SERVICE_HOSTS: JSON.stringify(services),
        HTTP_PORT: this.httpPort,
        WS_HANDLER: ws,
        EXTRA_MODULES: extraModules,
      }),
    )
    writeFileSync(
      join(configDir, 'ejabberdctl.cfg'),
      render(template('ejabberdctl.cfg'), {
        NODE: this.node,
        SPOOL_DIR: join(dataDir, 'spool'),
        LOGS_DIR: join(dataDir, 'logs'),
        PID_FILE: this.pidPath,
        DIST_PORT: this.distPort,
      }),
    )
    writeFileSync(join(configDir, 'vm.args'), render(template('vm.args'), { COOKIE: this.cookie }))
    copyFileSync('/etc/ejabberd/inetrc', join(configDir, 'inetrc'))
    // ejabberdctl run as root switches to user ejabberd; if that user cannot write here, `start`
    // still exits 0 and the node never comes up.
    const owner = process.getuid?.() === 0 ? ejabberdUser() : undefined
    if (owner) chownTree(dataDir, owner.uid, owner.gid)
  }

  async addUser({ user, host, password }: UserSpec): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, host, password }),
    })
    if (!res.ok) {
      throw new Error(`ejabberd register ${user}@${host} failed: ${res.status} ${await res.text()}`)
    }
  }

  async launch(): Promise<void> {
    // foreground-quiet rather than start: the VM stays below our child, so its exit is an event and
    // its stdout (crash reasons included) lands in console.log.
    const args = ['--config-dir', this.configDir, 'foreground-quiet']
    this.proc = spawnLogged('ejabberdctl', args, this.consolePath, cleanEnv())
    const proc = this.proc
    const log = watchLog(this.logPath)
    const ports = [this.c2sPort, this.componentPort, this.httpPort]
    const check = () => {
      if (!proc.hasExited()) return
      const why = `${tail(this.consolePath)}\n${tail(this.logPath)}`
      if (/eaddrinuse|already in use/i.test(why)) throw new PortInUseError(why)
      throw new Error(`ejabberd exited during startup (node ${this.node})`)
    }
    const timeoutMs = this.opts.readyTimeoutMs ?? 20_000
    try {
      // Logged once each listener accepts, so it proves the port is ejabberd's and not a stranger's.
      await waitFor(
        'ejabberd to listen',
        () => ports.every((p) => log().includes(`Start accepting TCP connections at 127.0.0.1:${p} `)),
        { timeoutMs, intervalMs: 20, check },
      )
      await waitForPort(this.c2sPort, { timeoutMs, check })
      await waitForPort(this.componentPort, { timeoutMs, check })
    } catch (err) {
      await this.end('SIGKILL', 2000)
      // The temp dir is about to go, so the logs travel in the error.
      if (err instanceof Error && !(err instanceof PortInUseError)) {
        err.message += `\n--- console ---\n${tail(this.consolePath)}\n--- ejabberd.log ---\n${tail(this.logPath)}`
      }
      throw err
    }
  }

  /** The VM's pid from the pidfile, if that process is still this instance's VM (pids get reused). */
  private beamPid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidPath, 'utf8').trim())
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.node) ? pid : undefined
    } catch {
      return undefined
    }
  }

  /**
   * Signals the VM and waits for ejabberdctl (our child) to exit, escalating to SIGKILL for the whole
   * tree after graceMs. Signalling only the VM lets sh, su and ejabberdctl each reap their child, where
   * killing the tree at once leaves zombies for init to collect. SIGTERM is Erlang's init:stop(), the
   * clean shutdown `ejabberdctl stop` asks for, without booting a second VM to ask: ~1.0 s to exit
   * here versus ~2.5 s.
   */
  private async end(sig: 'SIGTERM' | 'SIGKILL', graceMs: number): Promise<void> {
    const proc = this.proc
    const beam = this.beamPid()
    if (!proc || proc.hasExited()) return killTree(beam) // a VM whose shell died on its own
    if (beam !== undefined) {
      signal(beam, sig)
      if (await exitsWithin(proc, graceMs)) return
    }
    this.killNow()
    await proc.exited()
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('restart() after stop()')
    await this.end('SIGTERM', 5000)
    await this.launch()
  }

  async stop({ graceful = false }: { graceful?: boolean } = {}): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    try {
      await (graceful ? this.end('SIGTERM', 5000) : this.end('SIGKILL', 2000))
    } finally {
      removeDir(this.dataDir)
      this.untrack()
    }
  }

  /** Synchronous, for the exit hook and hopeless cases: SIGKILL for ejabberdctl, su, the VM and its ports. */
  killNow(): void {
    if (this.proc && !this.proc.hasExited()) killTree(this.proc.child.pid)
    killTree(this.beamPid())
  }
}

export async function startEjabberd(opts: EjabberdOptions): Promise<EjabberdServer> {
  const server = new Ejabberd(mkdtempSync(join(tmpdir(), 'xlattice-ejabberd-')), opts)
  try {
    for (let attempt = 1; ; attempt++) {
      ;[server.c2sPort, server.componentPort, server.httpPort, server.distPort] = await freePorts(4)
      server.writeConfig()
      try {
        await server.launch()
        break
      } catch (err) {
        if (!(err instanceof PortInUseError) || attempt === ATTEMPTS) throw err
      }
    }
    // Registration needs the running node.
    await Promise.all((opts.users ?? []).map((u) => server.addUser(u)))
    return server
  } catch (err) {
    await server.stop()
    throw err
  }
}
