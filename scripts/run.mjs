#!/usr/bin/env node
// `npm start`: installs dependencies and builds when needed, then runs `xlattice demo` (a whole
// lattice on this machine). Arguments after `--` go to the demo, e.g. `npm start -- --json`.
import { spawn } from 'node:child_process'
import { build, ensureDependencies } from './setup.mjs'

ensureDependencies()
build()
const demo = spawn(process.execPath, ['dist/bin/xlattice.js', 'demo', ...process.argv.slice(2)], {
  stdio: 'inherit',
})
// Ctrl-C reaches the demo through the terminal's process group; it stops everything it started.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => demo.kill('SIGTERM'))
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
