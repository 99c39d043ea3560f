// Shared by `npm start` and `npm test`: install npm dependencies when missing or stale, and
// build dist/. Plain Node, no dependencies, so it runs on a fresh clone.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

export function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

export function ensureDependencies() {
  const marker = 'node_modules/.package-lock.json'
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs) {
    console.log('installing npm dependencies (npm ci)…')
    run('npm', ['ci', '--no-audit', '--no-fund'])
  }
}

export function build() {
  run('npm', ['run', '--silent', 'build'])
}
