import type { Command } from 'commander'
import { action } from '../common.js'
import { fetchStatus } from './status.js'

/** The cluster part of a node's /status, for people. */
function printCluster(c: any): void {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  if (c === undefined || c === null) {
    out('this endpoint is not a node (no cluster status)')
    return
  }
  if (c.clusterId === null) {
    out(
      `no cluster yet (${c.state}; clusters of ${c.size})${c.lastError ? `: last error: ${c.lastError}` : ''}`,
    )
    return
  }
  out(`cluster ${c.name}`)
  out(`  id ${c.clusterId}`)
  out(`  membership version ${c.version}, ${c.members.length} members:`)
  for (const m of c.members) out(`    ${m.nodeId}  ${m.peerId ?? ''}`)
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description("a node's authentication cluster")
  cluster
    .command('status')
    .description("print the node's cluster: name, ID, members (from its admin endpoint)")
    .requiredOption('--admin <host:port>', 'the admin endpoint')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (options: { admin: string; json?: boolean }) => {
        const status = await fetchStatus(options.admin)
        if (options.json === true) process.stdout.write(`${JSON.stringify(status.cluster ?? null)}\n`)
        else printCluster(status.cluster)
      }),
    )
}
