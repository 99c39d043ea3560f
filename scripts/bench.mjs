#!/usr/bin/env node
// `npm run bench [-- NAME]`: builds, then runs each bench/*.bench.ts (or those matching NAME)
// in turn. Each prints its figures beside a baseline measured in the same run and writes JSON
// under bench/results/. Record the figures in bench/RESULTS.md.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const filter = process.argv[2]
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const benches = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts') && (filter === undefined || f.includes(filter)))
  .sort()
let failed = 0
for (const b of benches) {
  console.log(`\n=== bench/${b}`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${b}`], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
