import type { Command } from 'commander'
import { hostPort } from '../../lib/admin.js'
import { action } from '../common.js'
import { fetchStatus } from './status.js'

const out = (line: string) => process.stdout.write(`${line}\n`)

/** The cluster part of a node's /status, for people. */
function printCluster(c: any): void {
  if (c === undefined || c === null) {
    out('this endpoint is not a node (no cluster status)')
    return
  }
  if (c.clusterId === null) {
    const joining = c.joining ? `; joining ${c.joining} in place of a dead member` : ''
    out(
      `no cluster yet (${c.state}; clusters of ${c.size}${joining})${c.lastError ? `: last error: ${c.lastError}` : ''}`,
    )
    return
  }
  out(`cluster ${c.name}`)
  out(`  id ${c.clusterId}`)
  out(`  membership version ${c.version}, ${c.members.length} members:`)
  const liveness = new Map<string, any>((c.replacement?.members ?? []).map((m: any) => [m.nodeId, m]))
  for (const m of c.members) {
    const l = liveness.get(m.nodeId)
    const state =
      l === undefined
        ? ''
        : l.self
          ? '  (this node)'
          : l.reachable
            ? '  reachable'
            : `  UNREACHABLE for ${l.unreachableSec} s`
    out(`    ${m.nodeId}  ${m.peerId ?? ''}${state}`)
  }
  const r = c.replacement
  if (r === undefined || r === null) return
  out(
    r.replaceAfterSec > 0
      ? `  dead members are replaced after ${r.replaceAfterSec} s unreachable`
      : '  automatic replacement is off (cluster.replaceAfterSec = 0)',
  )
  if (r.pending !== null)
    out(
      r.pending.dead === null
        ? "  recording the chain's membership at the server (a change was committed but not recorded)"
        : `  replacing ${r.pending.dead} by ${r.pending.candidate ?? '(choosing)'}: ${r.pending.stage}, ${r.pending.approvals} of ${r.pending.needed} approvals`,
    )
  if (r.last !== null)
    out(
      r.last.ok
        ? `  last replacement: ${r.last.dead} by ${r.last.replacement} at height ${r.last.height} (version ${r.last.version}), ${r.last.at}`
        : `  last replacement failed (${r.last.at}): ${r.last.error}`,
    )
  if (r.recorded != null)
    out(
      `  recorded the chain's membership at the server itself: version ${r.recorded.version}, ${r.recorded.at}`,
    )
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description("a node's authentication cluster")
  cluster
    .command('status')
    .description("print the node's cluster: name, ID, members and their liveness (from its admin endpoint)")
    .requiredOption('--admin <host:port>', 'the admin endpoint')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (options: { admin: string; json?: boolean }) => {
        const status = await fetchStatus(options.admin)
        if (options.json === true) process.stdout.write(`${JSON.stringify(status.cluster ?? null)}\n`)
        else printCluster(status.cluster)
      }),
    )
  cluster
    .command('replace')
    .description(
      'replace a dead member of the cluster by a free live node now (run on a live member; the other members must not reach the dead one either)',
    )
    .requiredOption('--admin <host:port>', 'the admin endpoint of a live member')
    .option('--dead <nodeId>', 'the member to replace (default: the one member this node cannot reach)')
    .option('--with <nodeId>', 'the node to put in its place (default: the first free live neighbour)')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (options: { admin: string; dead?: string; with?: string; json?: boolean }) => {
        const { host, port } = hostPort(options.admin)
        const h = host.includes(':') ? `[${host}]` : host
        let res: Response
        try {
          res = await fetch(`http://${h}:${port}/cluster/replace`, {
            method: 'POST',
            body: JSON.stringify({ dead: options.dead, with: options.with }),
            signal: AbortSignal.timeout(65_000),
          })
        } catch (err: any) {
          throw new TypeError(
            `cannot reach the admin endpoint at ${options.admin}: ${err.cause?.message ?? err.message}`,
          )
        }
        const body: any = await res.json()
        if (options.json === true) out(JSON.stringify(body))
        else if (res.status === 200)
          out(
            `replaced ${body.dead} by ${body.replacement}: committed at height ${body.height}, membership version ${body.version}`,
          )
        else throw new TypeError(body.error ?? `admin endpoint answered HTTP ${res.status}`)
        if (res.status !== 200) process.exitCode = 1
      }),
    )
}
