/**
 * A private Prosody 0.12 for `xlattice demo`: one VirtualHost with its demo users and one
 * external component (XEP-0114) for the demo node attached to it. The config is rendered from
 * config/demo/prosody.cfg.lua into a directory of the demo's, on free loopback ports; Prosody
 * runs in the foreground (`-F`) as our child, so we see it exit, and SIGTERM stops it cleanly.
 * It never reads /etc/prosody nor meets a system instance.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { XLatticeError } from '../../lib/errors.js'
import { canConnect, freePorts } from '../../lib/net.js'

const run = promisify(execFile)
const ATTEMPTS = 3

export class DemoError extends XLatticeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DEMO', message, options)
  }
}

/** Another process bound a port between freePorts() and Prosody's bind: try again on new ones. */
class PortTaken extends Error {}

export interface DemoUser {
  user: string
  password: string
}

export interface DemoProsodyOptions {
  /** Holds the config, Prosody's data and its logs; created when missing. */
  dir: string
  host: string
  componentDomain: string
  componentSecret: string
  users: DemoUser[]
  readyTimeoutMs?: number
}

export interface DemoProsody {
  readonly host: string
  readonly componentDomain: string
  readonly c2sPort: number
  readonly componentPort: number
  readonly httpPort: number
  /** For browser clients (Converse.js): ws://127.0.0.1:<httpPort>/xmpp-websocket. */
  readonly websocketUrl: string
  readonly pid: number
  readonly dir: string
  readonly logPath: string
  /** SIGTERM (a clean shutdown, ~10 ms), SIGKILL after 3 s; resolves once Prosody has exited. */
  stop(): Promise<void>
  /** SIGKILL at once; for a synchronous exit hook. */
  killNow(): void
}

export interface ProsodyCommands {
  prosody: string
  prosodyctl: string
}

// /usr/sbin is often missing from a non-root PATH.
const searchPath = () => [
  ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  '/usr/bin',
  '/usr/sbin',
]

function findCommand(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {}
  }
  return undefined
}

/** The prosody and prosodyctl commands, or a DemoError saying how to install them. */
export function findProsody(dirs = searchPath()): ProsodyCommands {
  const prosody = findCommand('prosody', dirs)
  const prosodyctl = findCommand('prosodyctl', dirs)
  if (prosody !== undefined && prosodyctl !== undefined) return { prosody, prosodyctl }
  throw new DemoError(
    'the demo runs two private Prosody servers, and Prosody is not installed: ' +
      'run `sudo apt-get install prosody` (`npm start` installs it when run as root), ' +
      'or `xlattice demo --no-xmpp` for the lattice alone',
  )
}

// Built, this file is dist/bin/demo/prosody.js; run from source (tsx), bin/demo/prosody.ts.
function template(): string {
  for (const up of ['../../config', '../../../config']) {
    try {
      return readFileSync(new URL(`${up}/demo/prosody.cfg.lua`, import.meta.url), 'utf8')
    } catch {}
  }
  throw new DemoError('config/demo/prosody.cfg.lua is missing from this installation')
}

const lua = (s: string) => JSON.stringify(s) // a JSON string of printable ASCII is a valid Lua string

function render(text: string, values: Record<string, string | number>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`template placeholder \${${name}} has no value`)
    return String(values[name])
  })
}

// Prosody reads PROSODY_CONFIG and friends; a stray variable must not redirect it elsewhere.
const cleanEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, LANG: 'C.UTF-8' })

/** What the log gained since now: a restart with --data must not see an earlier run's lines. */
function watchLog(path: string): () => string {
  let offset = 0
  try {
    offset = statSync(path).size
  } catch {}
  return () => {
    try {
      return readFileSync(path).subarray(offset).toString('utf8')
    } catch {
      return ''
    }
  }
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

export async function startDemoProsody(
  commands: ProsodyCommands,
  opts: DemoProsodyOptions,
): Promise<DemoProsody> {
  const { dir, host, componentDomain } = opts
  const configPath = join(dir, 'prosody.cfg.lua')
  const logPath = join(dir, 'prosody.log')
  mkdirSync(join(dir, 'data'), { recursive: true })
  mkdirSync(join(dir, 'certs'), { recursive: true }) // must exist even though no TLS is used
  const text = template()
  for (let attempt = 1; ; attempt++) {
    const [c2sPort, componentPort, httpPort] = await freePorts(3)
    writeFileSync(
      configPath,
      render(text, {
        DATA_PATH: lua(join(dir, 'data')),
        PID_FILE: lua(join(dir, 'prosody.pid')),
        CERT_DIR: lua(join(dir, 'certs')),
        PLUGIN_DIR: lua(join(dir, 'plugins')),
        LOG_FILE: lua(logPath),
        C2S_PORT: c2sPort,
        COMPONENT_PORT: componentPort,
        HTTP_PORT: httpPort,
        HOST: lua(host),
        COMPONENT_DOMAIN: lua(componentDomain),
        COMPONENT_SECRET: lua(opts.componentSecret),
      }),
      { mode: 0o600 }, // it holds the component secret
    )
    // prosodyctl writes the account files directly, whether or not the server runs; registering
    // an existing user again just sets the password (so a restart with --data works).
    if (attempt === 1) {
      for (const { user, password } of opts.users) {
        try {
          await run(commands.prosodyctl, ['--config', configPath, 'register', user, host, password], {
            env: cleanEnv(),
          })
        } catch (err: any) {
          throw new DemoError(
            `prosodyctl register ${user}@${host} failed: ${err.stderr || err.stdout || err.message}`,
          )
        }
      }
    }
    const log = watchLog(logPath)
    const consoleFd = openSync(join(dir, 'console.log'), 'a')
    let child: ChildProcess
    try {
      child = spawn(commands.prosody, ['--config', configPath, '-F'], {
        stdio: ['ignore', consoleFd, consoleFd],
        env: cleanEnv(),
        // Its own process group: a terminal's Ctrl-C reaches the nodes, not Prosody, which the
        // demo stops after them, so no component sees its server vanish while it says goodbye.
        detached: true,
      })
    } finally {
      closeSync(consoleFd)
    }
    let failure: Error | undefined // spawn itself failed (ENOENT, EACCES)
    child.once('error', (err) => {
      failure = err
    })
    const stop = async () => {
      if (hasExited(child) || child.pid === undefined) return
      child.kill('SIGTERM')
      if (!(await exited(child, 3000))) {
        child.kill('SIGKILL')
        await exited(child, 3000)
      }
    }
    try {
      await ready(
        child,
        log,
        [c2sPort, componentPort, httpPort],
        opts.readyTimeoutMs ?? 10_000,
        () => failure,
      )
    } catch (err) {
      await stop()
      if (err instanceof PortTaken && attempt < ATTEMPTS) continue
      throw new DemoError(
        `Prosody for ${host} did not start: ${(err as Error).message}\n--- ${logPath} ---\n${tail(logPath)}\n` +
          `--- console ---\n${tail(join(dir, 'console.log'))}`,
      )
    }
    return {
      host,
      componentDomain,
      c2sPort,
      componentPort,
      httpPort,
      websocketUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
      pid: child.pid!,
      dir,
      logPath,
      stop,
      killNow: () => {
        if (!hasExited(child)) child.kill('SIGKILL')
      },
    }
  }
}

/**
 * Prosody logs "Activated service 'c2s' on [127.0.0.1]:PORT" once a socket listens, which proves
 * the port is its own; a failed bind is logged ("Failed to open server port") and Prosody keeps
 * running without it.
 */
async function ready(
  child: ChildProcess,
  log: () => string,
  [c2s, component, http]: number[],
  timeoutMs: number,
  failure: () => Error | undefined,
): Promise<void> {
  const markers = [
    `'c2s' on [127.0.0.1]:${c2s}`,
    `'component' on [127.0.0.1]:${component}`,
    `'http' on [127.0.0.1]:${http}`,
  ]
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const spawnFailure = failure()
    if (spawnFailure !== undefined) throw spawnFailure
    const text = log()
    if (text.includes('Failed to open server port')) throw new PortTaken('a port was taken')
    if (hasExited(child))
      throw new Error(`prosody exited (${child.exitCode ?? child.signalCode}) during startup`)
    if (markers.every((m) => text.includes(`Activated service ${m}`))) break
    if (Date.now() > deadline) throw new Error(`not listening within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  for (const port of [c2s, component]) {
    if (!(await canConnect(port))) throw new Error(`127.0.0.1:${port} does not accept connections`)
  }
}
