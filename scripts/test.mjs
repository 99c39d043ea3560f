#!/usr/bin/env node
// `npm test`: sets up what the tests need (npm dependencies, Prosody and ejabberd through apt
// when missing and allowed), builds, then runs every suite with real servers and processes.
// Extra arguments go to mocha (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync, statSync } from 'node:fs'

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const lockTime = statSync('package-lock.json').mtimeMs
if (
  !existsSync('node_modules/.package-lock.json') ||
  statSync('node_modules/.package-lock.json').mtimeMs < lockTime
) {
  console.log('installing npm dependencies (npm ci)…')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}
run(process.execPath, ['scripts/ensure-system.mjs', '--optional', 'python3-slixmpp'])
run('npm', ['run', '--silent', 'build'])

rmSync('test-results/summary.txt', { force: true })
const args = process.argv.slice(2)
const specs =
  args.length > 0
    ? args
    : ['test/unit/**/*.spec.ts', 'test/integration/**/*.spec.ts', 'test/sim/**/*.spec.ts']
const mocha = spawnSync(
  process.execPath,
  ['node_modules/mocha/bin/mocha.js', '--reporter', './test/reporter.cjs', ...specs],
  { stdio: 'inherit' },
)
process.exit(mocha.status ?? 1)
