import assert from 'node:assert/strict'
import { FAULT_TYPES } from './model.js'
import { formatSummary, runSeeds, type Summary } from './runner.js'
import { classicLockScenario, generateScenario } from './scenarios.js'
import { runScenario } from './sim.js'

/** The CI scenario set: seeds 1..500, a third each of n=4 (f=1), n=7 (f=2) and unequal weights. */
const CI_SEEDS = 500

describe('sim: deterministic Byzantine simulation', function () {
  this.timeout(180_000)
  let honest: Summary

  before(() => {
    honest = runSeeds(1, CI_SEEDS)
  })

  it('sim: 500 seeded scenarios over n=4, n=7 and unequal weights have no violations', () => {
    assert.deepEqual(
      honest.failures.map((f) => ({ seed: f.seed, violations: f.violations })),
      [],
      formatSummary(honest),
    )
    assert.equal(honest.scenarios, CI_SEEDS)
    for (const family of ['n4', 'n7', 'weighted'] as const)
      assert.ok(honest.familyCounts[family] >= 160, family)
    assert.ok(honest.minHeights >= 20, 'every correct node commits at least 20 heights in every scenario')
  })

  it('sim: every fault type is exercised by the CI scenario set', () => {
    for (const fault of FAULT_TYPES)
      assert.ok(honest.faultCounts[fault] >= 5, `${fault}: ${honest.faultCounts[fault]}`)
    const printed = formatSummary(honest)
    for (const fault of FAULT_TYPES) assert.match(printed, new RegExp(`${fault}\\s+\\d+`))
  })

  it('sim: a weakened quorum (more than half the weight) is caught within the CI scenario set', () => {
    const weak = runSeeds(1, CI_SEEDS, { variant: 'weak-quorum', stopAtFirstFailure: true })
    const failure = weak.failures[0]
    assert.ok(failure, 'the checker must catch a >1/2 quorum')
    assert.notEqual(failure.family, 'n4')
    assert.ok(
      failure.violations.some((v) => v.kind === 'agreement'),
      JSON.stringify(failure.violations),
    )
  })

  it('sim: a validator restarted without its persisted records (round marks, lock) is caught signing twice', () => {
    const amnesia = runSeeds(1, CI_SEEDS, { variant: 'amnesia', stopAtFirstFailure: true })
    const failure = amnesia.failures[0]
    assert.ok(failure, 'restarting without persisted state must be caught')
    assert.equal(failure.violations[0].kind, 'equivocation', JSON.stringify(failure.violations))
  })

  it('sim: a failing seed replays exactly, trace included', () => {
    const seed = runSeeds(1, CI_SEEDS, { variant: 'weak-quorum', stopAtFirstFailure: true }).failures[0].seed
    const a = runScenario(generateScenario(seed, 'weak-quorum'), { trace: true })
    const b = runScenario(generateScenario(seed, 'weak-quorum'), { trace: true })
    assert.ok(a.violations.length > 0)
    assert.deepEqual(b.violations, a.violations)
    assert.deepEqual(b.trace, a.trace)
    assert.ok(a.trace.some((line) => line.includes('COMMIT')))
  })

  it('sim: the classic lock schedule is safe, and a validator that forgets its lock is caught', () => {
    const spec = classicLockScenario('honest')
    const correct = runScenario(spec)
    assert.deepEqual(correct.violations, [])
    // The schedule did bite: A decided v alone, and nobody else decided height 1 differently.
    const a = spec.nodes.find((n) => n.byzantine.length > 0)!.attack!.a
    assert.equal(correct.commits[a], 1)
    const forgetful = runScenario(classicLockScenario('forget-lock'))
    assert.equal(forgetful.violations[0]?.kind, 'agreement', JSON.stringify(forgetful.violations))
    assert.match(forgetful.violations[0].message, /^height 1:/)
  })
})
