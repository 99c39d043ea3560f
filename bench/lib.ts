/** Shared benchmark plumbing: closed-loop load for a fixed window, percentiles, result files. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LoadResult {
  ops: number
  seconds: number
  opsPerSec: number
  p50Ms: number
  p99Ms: number
  errors: number
  /** The first error inside the window, so a report can say what failed. */
  firstError?: string
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/**
 * Runs `workers` closed loops of `op` for warm-up + window seconds; only operations that
 * complete inside the window count, so start-up and tail effects stay out of the figure.
 */
export async function closedLoop(
  workers: ((i: number) => () => Promise<void>)[],
  warmupSec: number,
  windowSec: number,
): Promise<LoadResult> {
  const start = performance.now()
  const windowStart = start + warmupSec * 1000
  const windowEnd = windowStart + windowSec * 1000
  const latencies: number[] = []
  let errors = 0
  let firstError: string | undefined
  await Promise.all(
    workers.map(async (make, i) => {
      const op = make(i)
      while (performance.now() < windowEnd) {
        const t0 = performance.now()
        try {
          await op()
        } catch (err) {
          if (t0 >= windowStart) {
            errors++
            firstError ??= err instanceof Error ? err.message : String(err)
          }
          continue
        }
        const t1 = performance.now()
        if (t0 >= windowStart && t1 <= windowEnd) latencies.push(t1 - t0)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  return {
    ops: latencies.length,
    seconds: windowSec,
    opsPerSec: latencies.length / windowSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    firstError,
  }
}

export function report(name: string, rows: Record<string, LoadResult>, notes: string[]): void {
  console.log(`\n${name}`)
  console.log(
    `${'case'.padEnd(44)} ${'ops/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ops'.padStart(8)} errors`,
  )
  for (const [label, r] of Object.entries(rows)) {
    console.log(
      `${label.padEnd(44)} ${r.opsPerSec.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(3).padStart(8)} ${r.p99Ms.toFixed(3).padStart(8)} ${String(r.ops).padStart(8)} ${r.errors}`,
    )
  }
  for (const [label, r] of Object.entries(rows)) {
    if (r.errors > 0) console.log(`  - ${label}: ${r.errors} errors, the first: ${r.firstError}`)
  }
  for (const n of notes) console.log(`  - ${n}`)
  mkdirSync('bench/results', { recursive: true })
  const file = join('bench/results', `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`)
  writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), rows, notes }, null, 2))
  console.log(`  (written to ${file})`)
}

export const ECHO_PROTOCOL = '/xlattice/bench-echo/1.0.0'
