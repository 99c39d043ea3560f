#!/usr/bin/env node
// `npm test`: sets up what the tests need (npm dependencies, Prosody and ejabberd through apt
// when missing and allowed), builds, then runs every suite with real servers and processes.
// Extra arguments go to mocha instead of the default suites (e.g. `npm test -- test/unit`).
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { build, ensureDependencies, run } from './setup.mjs'

ensureDependencies()
run(process.execPath, ['scripts/ensure-system.mjs', '--optional', 'python3-slixmpp'])
build()

rmSync('test-results/summary.txt', { force: true })
const args = process.argv.slice(2)
const specs =
  args.length > 0
    ? args
    : ['test/unit/**/*.spec.ts', 'test/integration/**/*.spec.ts', 'test/sim/**/*.spec.ts']
// A watchdog over the whole run: mocha's timeouts cannot stop a test stuck in synchronous or
// native code, and one such test must fail the run, not hold CI until its own limit.
const deadlineMin = Number(process.env.XLATTICE_TEST_DEADLINE_MIN ?? 45)
const mocha = spawn(
  process.execPath,
  ['node_modules/mocha/bin/mocha.js', '--reporter', './test/reporter.cjs', ...specs],
  // Its own process group, so the watchdog also ends the servers the tests started.
  { stdio: 'inherit', detached: true },
)
const killGroup = (signal) => {
  try {
    process.kill(-mocha.pid, signal)
  } catch {}
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => killGroup(signal))
const watchdog = setTimeout(() => {
  let progress = { current: '(unknown)', passed: 0, failed: 0 }
  try {
    progress = JSON.parse(readFileSync('test-results/progress.json', 'utf8'))
  } catch {}
  console.error(`\ntest run exceeded ${deadlineMin} min; stopped while running: ${progress.current}`)
  killGroup('SIGKILL')
  const summary = `${progress.passed} passed, ${progress.failed + 1} failed`
  writeFileSync('test-results/summary.txt', `${summary}\n`)
  console.log(`\n${summary}`)
}, deadlineMin * 60_000)
mocha.on('exit', (code) => {
  clearTimeout(watchdog)
  process.exit(code ?? 1)
})
