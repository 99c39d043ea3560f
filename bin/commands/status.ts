import type { Command } from 'commander'
import { hostPort } from '../../lib/admin.js'
import { action } from '../common.js'

export async function fetchStatus(admin: string): Promise<any> {
  const { host, port } = hostPort(admin)
  const h = host.includes(':') ? `[${host}]` : host
  let res: Response
  try {
    res = await fetch(`http://${h}:${port}/status`, { signal: AbortSignal.timeout(5000) })
  } catch (err: any) {
    throw new TypeError(`cannot reach the admin endpoint at ${admin}: ${err.cause?.message ?? err.message}`)
  }
  if (!res.ok) throw new TypeError(`admin endpoint at ${admin} answered HTTP ${res.status}`)
  return res.json()
}

function printHuman(s: any): void {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  if (s.role === 'registry') {
    out(`registry ${s.peerId}`)
    out(`  nodes ${s.nodes} registered, ${s.liveNodes} live`)
    for (const a of s.listen ?? []) out(`  listen ${a}`)
    return
  }
  out(`node ${s.nodeId ?? '(no NodeID yet)'}`)
  out(`  peer ${s.peerId}`)
  out(
    `  registry ${s.registry?.address} ${s.registry?.registered ? 'registered' : 'not registered'}${s.registry?.lastError ? ` (last error: ${s.registry.lastError})` : ''}`,
  )
  if (s.cluster !== undefined)
    out(
      `  cluster ${s.cluster.clusterId === null ? `none yet (${s.cluster.state})` : `${s.cluster.name} (${s.cluster.members.length} members)`}`,
    )
  if (s.xmpp != null) {
    const x = s.xmpp
    const relay = x.relay ?? {}
    out(
      `  xmpp ${x.domain} via ${x.server}: ${x.state}${x.lastError ? ` (last error: ${x.lastError.message})` : ''}; ${relay.acknowledged ?? 0} relayed stanzas acknowledged by the server`,
    )
  }
  out(`  neighbours (${s.neighbours?.length ?? 0}):`)
  for (const n of s.neighbours ?? []) {
    out(
      `    ${n.nodeId.slice(0, 16)}…  ${n.alive ? 'alive' : 'dead '}  ${n.rttMs === null ? '   -  ' : `${n.rttMs} ms`}  ${n.peerId}`,
    )
  }
}

export function register(program: Command): void {
  program
    .command('status')
    .description("print a running node's or registry's status from its admin endpoint")
    .requiredOption('--admin <host:port>', 'the admin endpoint')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (options: { admin: string; json?: boolean }) => {
        const status = await fetchStatus(options.admin)
        if (options.json === true) process.stdout.write(`${JSON.stringify(status)}\n`)
        else printHuman(status)
      }),
    )
}
