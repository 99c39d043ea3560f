/**
 * Real `xlattice` processes for integration tests, from the built `dist/` (npm test builds it
 * first). Every process started here is stopped by `stopAll()`, called from an after hook,
 * and killed on exit if a test run dies.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Started, spawnReady } from '../../lib/child.js'

export const BIN = resolve('dist/bin/xlattice.js')
const running = new Set<Started>()
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL')
})

export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does it for you)`)
}

export async function tempDir(prefix = 'xl-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export async function xlattice(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  assertBuilt()
  const started = await spawnReady(process.execPath, [BIN, ...args], {
    env: { ...process.env, XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'warn', ...env },
  })
  running.add(started)
  started.child.once('exit', () => running.delete(started))
  return started
}

export function startRegistry(dataDir: string, env: NodeJS.ProcessEnv = {}, listen = '/ip4/127.0.0.1/tcp/0') {
  return xlattice(['registry', '--data', dataDir, '--listen', listen, '--admin', '127.0.0.1:0'], env)
}

export function startNode(
  dataDir: string,
  registry: string,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
) {
  return xlattice(
    ['start', '--data', dataDir, '--registry', registry, '--admin', '127.0.0.1:0', ...args],
    env,
  )
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()))
}

export async function status(admin: string): Promise<any> {
  const res = await fetch(`http://${admin}/status`)
  return res.json()
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}
