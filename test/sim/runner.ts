/** Runs many seeded scenarios and tallies what they exercised (shared by the CLI and the spec). */
import { FAULT_TYPES, type FaultType } from './model.js'
import { type Family, generateScenario, type Variant } from './scenarios.js'
import { runScenario, type SimResult } from './sim.js'

export interface Summary {
  variant: Variant
  scenarios: number
  failures: SimResult[]
  faultCounts: Record<FaultType, number>
  familyCounts: Record<Family, number>
  /** Fewest heights committed by every correct node, over all scenarios. */
  minHeights: number
  maxRound: number
  elapsedMs: number
}

export interface RunOptions {
  variant?: Variant
  stopAtFirstFailure?: boolean
  onResult?: (r: SimResult) => void
}

export function runSeeds(first: number, count: number, options: RunOptions = {}): Summary {
  const variant = options.variant ?? 'honest'
  const started = performance.now()
  const summary: Summary = {
    variant,
    scenarios: 0,
    failures: [],
    faultCounts: Object.fromEntries(FAULT_TYPES.map((f) => [f, 0])) as Record<FaultType, number>,
    familyCounts: { n4: 0, n7: 0, weighted: 0 },
    minHeights: Number.POSITIVE_INFINITY,
    maxRound: 0,
    elapsedMs: 0,
  }
  for (let seed = first; seed < first + count; seed++) {
    const r = runScenario(generateScenario(seed, variant))
    summary.scenarios++
    summary.familyCounts[r.family]++
    for (const f of r.faults) summary.faultCounts[f]++
    summary.minHeights = Math.min(summary.minHeights, r.heights)
    summary.maxRound = Math.max(summary.maxRound, r.maxRound)
    options.onResult?.(r)
    if (r.violations.length > 0) {
      summary.failures.push(r)
      if (options.stopAtFirstFailure) break
    }
  }
  summary.elapsedMs = performance.now() - started
  return summary
}

export function replayCommand(seed: number, variant: Variant): string {
  const v = variant === 'honest' ? '' : ` --variant ${variant}`
  return `npm run sim -- --seed ${seed} --scenarios 1${v} --verbose`
}

export function formatSummary(s: Summary): string {
  const lines = [
    `scenarios: ${s.scenarios} (variant ${s.variant}; n=4: ${s.familyCounts.n4}, n=7: ${s.familyCounts.n7}, unequal weights: ${s.familyCounts.weighted})`,
    `heights per correct node: at least ${s.scenarios === 0 ? 0 : s.minHeights}; highest deciding round: ${s.maxRound}`,
    'scenarios exercising each fault type:',
    ...FAULT_TYPES.map((f) => `  ${f.padEnd(14)} ${s.faultCounts[f]}`),
    `violations: ${s.failures.reduce((n, f) => n + f.violations.length, 0)} in ${s.failures.length} scenarios`,
    `time: ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ]
  return lines.join('\n')
}
