#!/usr/bin/env node
// `npm test`: sets up what the tests need (npm dependencies, Prosody and ejabberd through apt
// when missing and allowed), builds, then runs every suite with real servers and processes.
// Extra arguments go to mocha instead of the default suites (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
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
const mocha = spawnSync(
  process.execPath,
  ['node_modules/mocha/bin/mocha.js', '--reporter', './test/reporter.cjs', ...specs],
  { stdio: 'inherit' },
)
process.exit(mocha.status ?? 1)
