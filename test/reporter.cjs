// Mocha reporter: the spec reporter's output, plus test-results/results.json (read by
// `npm run milestones`) and a closing line `N passed, N failed` (read by CI).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const Mocha = require('mocha')

const { EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } =
  Mocha.Runner.constants

class XLatticeReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    const results = []
    const record = (state) => (test, err) =>
      results.push({
        title: test.fullTitle(),
        file: test.file ? path.relative(process.cwd(), test.file) : null,
        state,
        durationMs: test.duration ?? 0,
        error: err ? String(err.message).slice(0, 2000) : undefined,
      })
    // The test running now and the counts so far, for scripts/test.mjs's watchdog: a test
    // stuck in synchronous code (which mocha's timeouts cannot interrupt) is named, not lost.
    const dir = path.join(process.cwd(), 'test-results')
    fs.mkdirSync(dir, { recursive: true })
    const progress = (current) => {
      const count = (state) => results.filter((r) => r.state === state).length
      const body = { current, passed: count('passed'), failed: count('failed') }
      fs.writeFileSync(path.join(dir, 'progress.json'), JSON.stringify(body))
    }
    runner.on(EVENT_TEST_BEGIN, (test) => progress(test.fullTitle()))
    runner.on(EVENT_TEST_PASS, record('passed'))
    runner.on(EVENT_TEST_FAIL, record('failed'))
    runner.on(EVENT_TEST_PENDING, record('skipped'))
    runner.once(EVENT_RUN_END, () => {
      fs.rmSync(path.join(dir, 'progress.json'), { force: true })
      const out = process.env.XLATTICE_RESULTS_FILE || path.join(dir, 'results.json')
      // Hook failures ("before all" etc.) count as failed tests too.
      fs.writeFileSync(out, JSON.stringify({ finished: new Date().toISOString(), results }, null, 1))
      const passed = results.filter((r) => r.state === 'passed').length
      const failed = results.filter((r) => r.state === 'failed').length
      const skipped = results.filter((r) => r.state === 'skipped').length
      const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
      fs.writeFileSync(path.join(dir, 'summary.txt'), `${summary}\n`)
      // Printed after the spec reporter's epilogue, so it is the run's last line.
      process.nextTick(() => process.stdout.write(`\n${summary}\n`))
    })
  }
}

module.exports = XLatticeReporter
