#!/usr/bin/env node
// `npm start`: installs dependencies and builds when needed, makes sure Prosody is installed
// (through apt when run as root; otherwise it prints the command to run), then runs `xlattice
// demo`: a whole lattice and two private Prosody servers on this machine. Arguments after `--`
// go to the demo, e.g. `npm start -- --json`; `npm start -- --no-xmpp` needs no Prosody.
import { spawn, spawnSync } from 'node:child_process'
import { build, ensureDependencies } from './setup.mjs'

const args = process.argv.slice(2)
ensureDependencies()
if (!args.includes('--no-xmpp')) {
  const r = spawnSync(process.execPath, ['scripts/ensure-system.mjs', '--need', 'prosody'], {
    stdio: 'inherit',
  })
  if (r.status !== 0) {
    console.error(
      'npm start: the demo needs Prosody (see above); `npm start -- --no-xmpp` runs the lattice alone',
    )
    process.exit(r.status ?? 1)
  }
}
build()
const demo = spawn(process.execPath, ['dist/bin/xlattice.js', 'demo', ...args], { stdio: 'inherit' })
// Ctrl-C reaches the demo through the terminal's process group; it stops everything it started.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => demo.kill('SIGTERM'))
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
