#!/usr/bin/env node
// `npm run milestones`: every row of the seed's milestone table with the tests that name it in
// their titles (`[0.0.2] ...`) and how they did in the last run (test-results/results.json).
import { existsSync, readFileSync } from 'node:fs'

// The seed's rows in its own order (seed/p2p-chat-facility.txt; 0.3.3b/0.3.4b are its second
// 0.3.3/0.3.4). Kept here so the repository stands alone.
const ROWS = [
  ['0.0.0', 'download/update software from the XLattice server'],
  ['0.0.1', 'node generates its key pair automatically'],
  ['0.0.2', 'node registers with the server, gets a node ID'],
  ['0.0.3', 'node gets a neighbour list from the server'],
  ['0.0.4', 'contact neighbours, keep-alives'],
  ['0.0.5', 'node-node plaintext messaging'],
  ['0.0.6', 'DH handshake, session keys'],
  ['0.0.7', 'encrypted node-node messaging'],
  ['0.1.0', 'authentication cluster formation by neighbours'],
  ['0.1.1', 'nick selection confirmed by the cluster'],
  ['0.1.2', 'user registration, nick/public-key binding'],
  ['0.1.3', 'plaintext nick-nick messaging in the cluster'],
  ['0.1.4', 'encrypted nick-nick messaging in the cluster'],
  ['0.1.5', 'cluster assigns node IDs to users'],
  ['0.1.6', 'cluster gives users a neighbour list'],
  ['0.1.7', 'server cluster registry (name, ID, member keys)'],
  ['0.1.8', 'cluster gets its ID from the server'],
  ['0.1.9', 'cluster runs a node ID registry'],
  ['0.1.10', 'server refers users to clusters'],
  ['0.2.0', 'cluster agrees on channel names'],
  ['0.5.0', 'supercluster node ID assignment'],
  ['0.5.2', 'superclusters refer users to clusters'],
  ['0.5.3', 'server refers new users to superclusters'],
  ['0.2.1', 'users create channels'],
  ['0.2.2', 'creator assigns channel ops'],
  ['0.2.3', 'users join channels'],
  ['0.2.4', 'dynamic channel registry'],
  ['0.2.5', 'plaintext channel messaging'],
  ['0.2.6', 'encrypted channel messaging'],
  ['0.3.0', 'server gives clusters neighbour clusters'],
  ['0.3.1', 'cluster-to-cluster messaging'],
  ['0.3.2', 'Byzantine supercluster formation'],
  ['0.3.3', 'server supercluster registry'],
  ['0.3.4', 'superclusters get IDs from the server'],
  ['0.3.5', 'superclusters run cluster registries, neighbour lists'],
  ['0.3.6', 'server refers new clusters to superclusters'],
  ['0.3.7', 'cluster node ID assignment'],
  ['0.3.8', 'superclusters refer users to clusters'],
  ['0.3.9', 'server refers new users to superclusters'],
  ['0.3.3b', 'qualified nicks bound to public keys'],
  ['0.3.4b', 'qualified-nick encrypted messaging'],
  ['0.4.0', 'superclusters agree on global nicks'],
  ['0.4.4', 'global nick registry'],
  ['0.4.5', 'global nick messaging'],
  ['0.6.0', 'global channel name assignment'],
  ['0.6.1', 'global channel creation'],
  ['0.6.2', 'global channel ops'],
  ['0.6.3', 'global channel joins'],
  ['0.6.4', 'global channel plaintext messaging'],
  ['0.6.5', 'global channel encrypted messaging'],
  ['0.7.0', 'node-node VoIP link'],
  ['0.7.1', 'user-to-user VoIP'],
  ['0.8.0', 'node-node video'],
]

const file = process.env.XLATTICE_RESULTS_FILE || 'test-results/results.json'
const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).results : []
if (results.length === 0) console.log(`(no test results at ${file}: run \`npm test\` first)\n`)

const mark = { passed: 'pass', failed: 'FAIL', skipped: 'skip' }
let proven = 0
for (const [row, capability] of ROWS) {
  const tag = `[${row}]`
  const tests = results.filter((r) => r.title.includes(tag))
  const ok = tests.length > 0 && tests.every((t) => t.state === 'passed')
  if (ok) proven++
  const verdict = tests.length === 0 ? 'no tests' : ok ? 'proven' : 'FAILING'
  console.log(`${row.padEnd(7)} ${verdict.padEnd(8)} ${capability}`)
  for (const t of tests) console.log(`          ${mark[t.state] ?? t.state}  ${t.title}`)
}
console.log(`\n${proven} of ${ROWS.length} seed rows proven by passing tests`)

// Last, so that a CI log cut to its tail still says why each failed test failed.
const failed = results.filter((r) => r.state === 'failed')
if (failed.length > 0) console.log(`\n${failed.length} failed:`)
for (const t of failed) {
  console.log(`\n  FAIL  ${t.title}${t.file ? `  (${t.file})` : ''}`)
  for (const line of String(t.error ?? '(no message)')
    .split('\n')
    .slice(0, 20))
    console.log(`        ${line}`)
}
