/**
 * Starts an `xlattice` long-running command as a child process and waits for its JSON ready
 * line on stdout (`{"ready":true,"admin":...}`), so callers never race for ports. Used by the
 * demo and by tests that run real processes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface ReadyInfo {
  ready: true
  admin: string
  peerId: string
  listen: string[]
  [extra: string]: unknown
}

export interface Started {
  child: ChildProcess
  info: ReadyInfo
  /** Everything the child wrote to stderr so far (for error messages). */
  stderr(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL at once (crash tests). */
  kill(): Promise<void>
}

export interface SpawnReadyOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Receives each stderr line (e.g. to forward logs). */
  onStderr?: (line: string) => void
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

export function spawnReady(command: string, args: string[], opts: SpawnReadyOptions = {}): Promise<Started> {
  const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (stderr.length < 256 * 1024) stderr += `${line}\n`
    opts.onStderr?.(line)
  })
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited(child)
    clearTimeout(timer)
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited(child)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')}: not ready within ${opts.timeoutMs ?? 20_000} ms\n${stderr}`))
    }, opts.timeoutMs ?? 20_000)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      let parsed: any
      try {
        parsed = JSON.parse(line)
      } catch {
        return
      }
      if (parsed?.ready === true) {
        clearTimeout(timer)
        resolve({ child, info: parsed, stderr: () => stderr, stop, kill })
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${stderr}`))
    })
  })
}
