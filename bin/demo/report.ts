/**
 * What `xlattice demo` tells its user once everything is up: one JSON line (--json) for scripts
 * and tests, or how to connect an XMPP client and what to try, for people.
 */
import type { Demo } from './lattice.js'

export interface DemoDescription {
  /** As in every long-running command's ready line, so `spawnReady()` can wait for this one. */
  ready: true
  servers: {
    host: string
    c2sPort: number
    websocketUrl: string
    componentDomain: string
    componentPort: number
    pid: number
    node: { name: string; admin: string; peerId: string }
  }[]
  accounts: { jid: string; password: string; server: string }[]
  registry: Record<string, unknown>
  nodes: Record<string, unknown>[]
  /** Where everything lives; removed on exit unless --data named it. */
  dataDir: string
  startupMs: number
}

export function describe(
  demo: Demo,
  registryStatus: Record<string, unknown>,
  dataDir: string,
  startupMs: number,
): DemoDescription {
  const attached = demo.attached
  return {
    ready: true,
    servers: attached.map(({ site, server, node }, i) => ({
      host: server.host,
      c2sPort: server.c2sPort,
      websocketUrl: server.websocketUrl,
      componentDomain: site.componentDomain,
      componentPort: server.componentPort,
      pid: server.pid,
      node: { name: `node${i + 1}`, admin: node.info.admin, peerId: node.info.peerId },
    })),
    accounts: attached.flatMap(({ site }) =>
      site.users.map((u) => ({ jid: `${u.user}@${site.host}`, password: u.password, server: site.host })),
    ),
    registry: { ...registryStatus, admin: demo.registry!.info.admin, pid: demo.registry!.child.pid },
    nodes: demo.statuses.map((s, i) => ({
      ...s,
      name: `node${i + 1}`,
      admin: demo.nodes[i].info.admin,
      pid: demo.nodes[i].child.pid,
    })),
    dataDir,
    startupMs,
  }
}

/** The text a person reads: the lattice, then how to reach it from an XMPP client. */
export function humanReport(d: DemoDescription, keepData: boolean): string {
  const out: string[] = []
  const seconds = (d.startupMs / 1000).toFixed(1)
  const cluster = d.nodes.find((n: any) => n.cluster?.name)?.cluster as any
  out.push(
    `XLattice demo up in ${seconds} s: an XLattice server, ${d.nodes.length} nodes` +
      (cluster ? ` (cluster ${cluster.name})` : '') +
      (d.servers.length > 0 ? `, ${d.servers.length} private Prosody servers` : '') +
      '.',
    '',
    `XLattice server  ${(d.registry.listen as string[])[0]}`,
    `  admin http://${d.registry.admin}/status`,
  )
  for (const n of d.nodes as any[]) {
    const server = d.servers.find((s) => s.node.name === n.name)
    out.push(
      `${n.name}  NodeID ${n.nodeId}`,
      `  admin http://${n.admin}/status  ${n.cluster?.clusterId ? `cluster ${n.cluster.name}, height ${n.cluster.replica?.height ?? 0}` : 'no cluster'}` +
        `  ${server ? `XMPP component ${server.componentDomain}` : 'no XMPP'}`,
      `  neighbours: ${n.neighbours.map((x: any) => `${x.nodeId.slice(0, 8)}… ${x.rttMs === null ? '-' : `${x.rttMs} ms`}`).join(', ')}`,
    )
  }
  if (d.servers.length > 0) {
    const [a, b] = d.servers
    const alice = d.accounts.find((x) => x.server === a.host)!
    const bob = d.accounts.find((x) => x.server === b.host)!
    const [aliceUser, bobUser] = [alice.jid.split('@')[0], bob.jid.split('@')[0]]
    out.push('', 'XMPP servers (Prosody on loopback, stopped and removed with the demo):')
    for (const s of d.servers) {
      const users = d.accounts.filter((x) => x.server === s.host)
      out.push(
        `  ${s.host}  host 127.0.0.1, c2s port ${s.c2sPort}; WebSocket ${s.websocketUrl}`,
        `    component ${s.componentDomain} (${s.node.name})`,
        `    accounts: ${users.map((u) => `${u.jid} password ${u.password}`).join(', ')}`,
      )
    }
    out.push(
      '',
      'Connect any XMPP client: the domains are not in DNS, so give host 127.0.0.1 and the c2s port',
      'by hand. There is no TLS: plain connections and plain-text passwords are allowed over loopback.',
      `  Profanity:   /connect ${alice.jid} server 127.0.0.1 port ${a.c2sPort} tls disable`,
      `  Gajim, Dino: add the account ${alice.jid}, and in its connection settings host 127.0.0.1,`,
      `               port ${a.c2sPort}, unencrypted connection allowed`,
      `  Converse.js: converse.initialize({ websocket_url: '${a.websocketUrl}',`,
      `               jid: '${alice.jid}', password: '${alice.password}', auto_login: true })`,
      '',
      'Then:',
      `  1. As ${alice.jid}, send \`register ${aliceUser}\` to ${a.componentDomain} (a chat message; or use`,
      `     XEP-0077 registration, or the ad-hoc command "Register a nick", at ${a.componentDomain}).`,
      `  2. As ${bob.jid} (port ${b.c2sPort}), send \`register ${bobUser}\` to ${b.componentDomain}.`,
      `  3. As ${alice.jid}, write to ${bobUser}@${a.componentDomain}: ${bob.jid} gets it from`,
      `     ${aliceUser}@${b.componentDomain}, carried by the lattice from node1 to node2 (no s2s).`,
    )
  }
  out.push(
    '',
    `Data in ${d.dataDir}${keepData ? '' : ' (removed on exit)'}; \`xlattice status --admin HOST:PORT\` shows any node.`,
    'Ctrl-C stops everything.',
  )
  return out.join('\n')
}
