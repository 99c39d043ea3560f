// The lower layer shared by the Prosody and ejabberd harnesses: free ports, waiting for a port or a
// log line, and the bookkeeping that guarantees no server outlives the test process.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { canConnect, freePorts } from '../../lib/net.js'

export { canConnect, freePorts }

/** One port that was free a moment ago. Racy by nature: the server harnesses retry on "address in use". */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port
}

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Called on every poll; throw to give up early (for example when the server process has exited). */
  check?: () => void
}

/** Polls until predicate() is true; throws `timed out waiting for <what>` after timeoutMs. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10, check }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    check?.()
    if (await predicate()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Waits until 127.0.0.1:port accepts connections. */
export function waitForPort(port: number, opts: WaitOptions & { host?: string } = {}): Promise<void> {
  const host = opts.host ?? '127.0.0.1'
  return waitFor(`${host}:${port} to accept connections`, () => canConnect(port, host), opts)
}

/** The last `lines` lines of a file, or '' when it does not exist yet; for error messages. */
export function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/**
 * Reads what a log file gained since it was watched, so a restart or a retry does not see the
 * previous run's "listening" or "address in use" lines.
 */
export function watchLog(path: string): () => string {
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

/**
 * Replaces every ${NAME} in a template; an unknown name is a bug in the caller, so it throws. A line
 * holding only `# ${NAME}` is a block placeholder, replaced whole. Both forms are plain text to YAML,
 * so the ejabberd template stays valid YAML that biome can check and format.
 */
export function render(template: string, values: Record<string, string | number>): string {
  const value = (_: string, name: string) => {
    if (!(name in values)) throw new Error(`template placeholder \${${name}} has no value`)
    return String(values[name])
  }
  return template.replace(/^[ \t]*# \$\{(\w+)\}[ \t]*$/gm, value).replace(/\$\{(\w+)\}/g, value)
}

/** A child started with its stdout and stderr appended to a file (no pipes to drain, nothing to block on). */
export interface Supervised {
  child: ChildProcess
  /** Resolves with the exit code (or signal name) once the child has exited. */
  exited(): Promise<number | string>
  hasExited(): boolean
}

export function spawnLogged(
  cmd: string,
  args: string[],
  logPath: string,
  env: NodeJS.ProcessEnv,
): Supervised {
  const fd = openSync(logPath, 'a')
  let done = false
  try {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env })
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true
        resolve(code ?? signal ?? 'unknown')
      })
      child.once('error', (err) => {
        done = true
        resolve(err.message)
      })
    })
    // A forgotten server must not keep the test process alive (the exit hook below kills it), but
    // while someone awaits its exit the child must hold the event loop open, or Node quits mid-await.
    child.unref()
    const waitExit = () => {
      child.ref()
      return exited
    }
    return { child, exited: waitExit, hasExited: () => done }
  } finally {
    closeSync(fd)
  }
}

/** Resolves true if `exited` settles within ms, false otherwise. */
export async function exitsWithin(sup: Supervised, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const ok = await Promise.race([sup.exited().then(() => true as const), timeout])
  clearTimeout(timer)
  return ok
}

/**
 * Every process below pid, read from /proc (Linux only). ejabberdctl runs beam under `su`, which puts
 * it in a new session, so a process-group kill would miss it; walking the parent links finds it.
 */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited while we looked
    }
    // Format: "pid (comm) state ppid ...", and comm may contain spaces or parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = children.get(ppid) ?? []
    list.push(Number(entry))
    children.set(ppid, list)
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}

/** Sends a signal and ignores "no such process": the target may have exited on its own. */
export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(pid, sig)
  } catch {}
}

/** SIGKILL for pid and everything below it, collected before the first kill so nothing gets re-parented. */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return
  for (const p of [pid, ...descendants(pid)]) signal(p, 'SIGKILL')
}

// Servers that have been started and not yet stopped. If the test process exits with some still
// running (a failed hook, an uncaught error, mocha's --exit), they are killed and their files removed;
// 'exit' handlers must be synchronous, hence SIGKILL and rmSync. A signal (Ctrl-C, a CI timeout)
// skips 'exit', and ejabberd's VM lives in its own session that a terminal's SIGINT never reaches,
// so while servers run we also catch SIGINT, SIGTERM and SIGHUP, clean up and re-raise.
interface Tracked {
  readonly dataDir: string
  killNow(): void
}
const live = new Set<Tracked>()
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let exitHooked = false

function killAll(): void {
  for (const s of live) {
    s.killNow()
    removeDir(s.dataDir)
  }
  live.clear()
}

function onSignal(sig: NodeJS.Signals): void {
  killAll()
  for (const s of SIGNALS) process.removeListener(s, onSignal)
  // With nobody else listening, die of the signal as if we had never caught it.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
}

export function track(server: Tracked): () => void {
  if (!exitHooked) {
    exitHooked = true
    process.on('exit', killAll)
  }
  if (live.size === 0) for (const s of SIGNALS) process.on(s, onSignal)
  live.add(server)
  return () => {
    live.delete(server)
    if (live.size === 0) for (const s of SIGNALS) process.removeListener(s, onSignal)
  }
}

/** Removes a server's temp dir unless XLATTICE_KEEP_SERVER_DIRS is set (to read its logs after a failure). */
export function removeDir(dir: string): void {
  if (process.env.XLATTICE_KEEP_SERVER_DIRS) {
    process.stderr.write(`harness: kept ${dir}\n`)
    return
  }
  rmSync(dir, { recursive: true, force: true })
}

/** Shapes both servers accept. */
export interface ComponentSpec {
  domain: string
  secret: string
}

export interface UserSpec {
  user: string
  host: string
  password: string
}

/** Thrown when a listener could not bind because another process took the port after freePorts(). */
export class PortInUseError extends Error {
  constructor(detail: string) {
    super(`port taken between allocation and bind: ${detail}`)
    this.name = 'PortInUseError'
  }
}
