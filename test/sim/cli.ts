/**
 * `npm run sim -- --scenarios N [--seed S] [--verbose] [--variant V] [--lock]`
 *
 * Runs seeds S .. S+N-1 (default 1 .. 100), prints how many scenarios exercised each fault type
 * and every violation; a failing seed is replayed with a trace and the command to replay it is
 * printed. `--variant weak-quorum|forget-lock|amnesia` runs a deliberately broken engine (to
 * watch the checker bite); `--lock` runs the classic lock schedule. Exits 1 on any violation.
 */
import { parseArgs } from 'node:util'
import { formatSummary, replayCommand, runSeeds } from './runner.js'
import { classicLockScenario, generateScenario, type Variant } from './scenarios.js'
import { runScenario, type SimResult } from './sim.js'

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    variant: { type: 'string', default: 'honest' },
    lock: { type: 'boolean', default: false },
  },
})
const count = Number(values.scenarios)
const first = Number(values.seed)
const variant = values.variant as Variant
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(first)) {
  process.stderr.write('usage: npm run sim -- --scenarios N [--seed S] [--verbose] [--variant V] [--lock]\n')
  process.exit(2)
}
if (!['honest', 'weak-quorum', 'forget-lock', 'amnesia'].includes(variant)) {
  process.stderr.write('--variant must be honest, weak-quorum, forget-lock or amnesia\n')
  process.exit(2)
}

function report(r: SimResult, traced: SimResult, replay: string): void {
  const trace = values.verbose ? traced.trace : traced.trace.slice(-300)
  process.stdout.write(
    `\n--- seed ${r.seed} (${r.family}, ${r.variant}) trace${values.verbose ? '' : ', last 300 lines'} ---\n`,
  )
  process.stdout.write(`${trace.join('\n')}\n`)
  for (const v of r.violations) process.stdout.write(`VIOLATION ${v.kind} at ${v.time}ms: ${v.message}\n`)
  const same =
    JSON.stringify(traced.violations) === JSON.stringify(r.violations) && traced.events === r.events
  if (!same) process.stdout.write('WARNING: the traced replay diverged from the original run\n')
  process.stdout.write(`replay: ${replay}\n`)
}

if (values.lock) {
  const r = runScenario(classicLockScenario(variant), { trace: true })
  const trace = values.verbose ? r.trace : r.trace.filter((l) => !l.includes('->')).slice(-100)
  process.stdout.write(`${trace.join('\n')}\n`)
  for (const v of r.violations) process.stdout.write(`VIOLATION ${v.kind} at ${v.time}ms: ${v.message}\n`)
  process.stdout.write(`classic lock schedule (${variant}): ${r.violations.length} violations\n`)
  process.exit(r.violations.length > 0 ? 1 : 0)
}

let done = 0
const summary = runSeeds(first, count, {
  variant,
  onResult: (r) => {
    done++
    if (r.violations.length > 0) {
      process.stdout.write(
        `seed ${r.seed}: ${r.violations.map((v) => `${v.kind}: ${v.message}`).join('; ')}\n`,
      )
    }
    if (done % 500 === 0 && done < count) process.stdout.write(`... ${done}/${count}\n`)
  },
})
process.stdout.write(`${formatSummary(summary)}\n`)
for (const r of summary.failures.slice(0, 3)) {
  const traced = runScenario(generateScenario(r.seed, variant), { trace: true })
  report(r, traced, replayCommand(r.seed, variant))
}
process.exit(summary.failures.length > 0 ? 1 : 0)
