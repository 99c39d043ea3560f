/**
 * What every long-running command shares: config loading from flags, the one-line ready
 * announcement on stdout, and clean shutdown on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { Counter, collectDefaultMetrics, type Registry } from 'prom-client'
import { type Config, loadConfig, type Role } from '../lib/config/index.js'
import { XLatticeError } from '../lib/errors.js'
import { logger, setLogLevel } from '../lib/log.js'
import { startMemoryReducer } from '../lib/memory-reducer.js'

export interface FlagSpec {
  /** commander option name as written, e.g. `data` for --data. */
  option: string
  /** The dotted config key it sets. */
  key: string
  flag: string
}

export function configFromFlags(role: Role, options: Record<string, unknown>, specs: FlagSpec[]): Config {
  const flags: Record<string, unknown> = {}
  const flagNames: Record<string, string> = {}
  for (const spec of specs) {
    flagNames[spec.key] = spec.flag
    if (options[spec.option] !== undefined) flags[spec.key] = options[spec.option]
  }
  const config = loadConfig({ role, file: options.config as string | undefined, flags, flagNames })
  setLogLevel(config.log.level)
  return config
}

export interface ReadyLine {
  admin: string
  peerId: string
  listen: string[]
  [extra: string]: unknown
}

/** One JSON line on stdout, so scripts learn the bound ports without racing for them. */
export function announceReady(line: ReadyLine): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...line })}\n`)
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: string) => {
    if (stopping) return
    stopping = true
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        process.stderr.write(`error while stopping after ${signal}: ${err.message}\n`)
        process.exit(1)
      })
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
}

/** Wraps a command action: expected errors print one clear line and exit 1; others a stack. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args)
    } catch (err: any) {
      if (err instanceof XLatticeError || err?.name === 'RegistryRefusal' || err instanceof TypeError) {
        process.stderr.write(`xlattice: ${err.message}\n`)
      } else {
        process.stderr.write(`xlattice: ${err?.stack ?? err}\n`)
      }
      process.exit(1)
    }
  }
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url)
  try {
    return JSON.parse(readFileSync(url, 'utf8')).version
  } catch {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
  }
}

export type { Command }

/**
 * How often the event-loop delay histogram (`nodejs_eventloop_lag_p50_seconds` and the rest)
 * samples, in ms. prom-client's default, 10 ms, is a timer that wakes the process a hundred
 * times a second with nothing to do: measured, an idle node's main thread woke ~110 times a
 * second, nine in ten for this timer, and on a two-vCPU machine the five processes of a
 * lattice took turns with the messages they relay. At 100 ms a stall of 100 ms or more is
 * always seen and a shorter one when it spans a sample.
 */
export const EVENT_LOOP_SAMPLE_MS = 100

/**
 * The process's own metrics beside the service's, under prom-client's standard names
 * (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`,
 * GC and event-loop lag), and the heap given back once a busy period is over
 * (lib/memory-reducer.ts, counted in `xlattice_heap_reductions_total`): once per process, so
 * only here in the commands, never in a library that tests start many times in one process.
 */
export function processMetrics(registry: Registry): Registry {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS })
  const reductions = new Counter({
    name: 'xlattice_heap_reductions_total',
    help: 'Full collections run because the process was quiet and its heap much larger than its use',
    registers: [registry],
  })
  startMemoryReducer({ log: logger('memory'), onReduce: () => reductions.inc() })
  return registry
}
