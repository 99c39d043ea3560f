/**
 * Attaches a running node to its XMPP server as component domain D: the Lattice (lattice.ts)
 * over the node, the Accounts table in the node's store, the connection and the router.
 * `xlattice start --component-domain ...` calls this once the node is up.
 */
import { MAX_PAYLOAD_BYTES, type XLatticeNode } from '../gateway/index.js'
import { toHex } from '../lib/encoding.js'
import { StoredAccounts } from './accounts-store.js'
import { type RunningComponent, startComponent } from './index.js'
import { type Lattice, type NickBinding, type NickOutcome, PayloadTooLargeError } from './lattice.js'

/** The node messaging kind of relayed stanzas (kept on disk until delivered: messaging "kept kinds"). */
export const RELAY_KIND = 'xmpp'

export interface AttachOptions {
  /** The component domain D, as configured on the server. */
  domain: string
  /** The server's component listener. */
  host: string
  port: number
  secret: string
  /** Messages between home nodes go signed but not encrypted; default false (encrypted). */
  plaintext?: boolean
  /** Software version for XEP-0092. */
  version: string
}

export async function attachComponent(node: XLatticeNode, opts: AttachOptions): Promise<RunningComponent> {
  const lattice = nodeLattice(node, opts.plaintext ?? false)
  const store = node.store.sublevel('xmpp')
  const accounts = await StoredAccounts.open(store, lattice)
  return startComponent({
    domain: opts.domain,
    host: opts.host,
    port: opts.port,
    secret: opts.secret,
    version: opts.version,
    lattice,
    accounts,
    store: store.sublevel('presence'),
  })
}

/** The Lattice over a node: its cluster replica, formation, neighbours and messaging. */
export function nodeLattice(node: XLatticeNode, plaintext: boolean): Lattice {
  const noCluster = (nick: string): NickOutcome => ({
    nick,
    accepted: false,
    reason: 'no-cluster',
    userNodeId: null,
  })
  const outcome = async (nick: string, work: () => Promise<NickOutcome>): Promise<NickOutcome> => {
    try {
      return await work()
    } catch (err) {
      const busy = (err as Error).name === 'MempoolFull'
      return {
        nick,
        accepted: false,
        reason: busy ? 'mempool-full' : (err as Error).message,
        userNodeId: null,
      }
    }
  }
  // The registry hands out the same entry object while the nick is unchanged (its read cache),
  // so its hex form is made once per entry.
  const bindings = new WeakMap<object, NickBinding>()
  return {
    nodeId: () => node.nodeId ?? undefined,
    nick(nick) {
      const entry = node.replica?.app.nick(nick)
      if (entry === undefined) return undefined
      let binding = bindings.get(entry)
      if (binding === undefined) {
        binding = {
          nick: entry.nick,
          home: toHex(entry.home),
          userNodeId: toHex(entry.userNodeId),
          since: entry.since,
        }
        bindings.set(entry, binding)
      }
      return binding
    },
    registryOpening: () => node.cluster.current() !== undefined && node.replica === undefined,
    registerNick: (nick) => {
      const replica = node.replica
      return replica === undefined
        ? Promise.resolve(noCluster(nick))
        : outcome(nick, () => replica.registerNick(nick))
    },
    registerSigned: (r) => {
      const replica = node.replica
      if (replica === undefined) return Promise.resolve(noCluster(r.nick))
      return outcome(r.nick, async () => {
        const [receipt] = await replica.registerNicks([
          {
            nick: r.nick,
            signingKey: r.signingKey,
            agreementKey: r.agreementKey,
            seq: r.seq,
            userSignature: r.signature,
          },
        ])
        return receipt
      })
    },
    signingContext() {
      const s = node.replica?.status()
      return s === undefined ? undefined : { chainId: s.chainId, home: s.home }
    },
    releaseNick: (nick) => {
      const replica = node.replica
      return replica === undefined
        ? Promise.resolve(noCluster(nick))
        : outcome(nick, () => replica.releaseNick(nick))
    },
    cluster() {
      const s = node.cluster.status()
      if (s.state !== 'member' || s.clusterId === null) return undefined
      const known = new Map(node.neighbours.status().map((n) => [n.nodeId, n.addrs]))
      const replica = node.replica?.status()
      return {
        clusterId: s.clusterId,
        name: s.name ?? s.clusterId,
        members: s.members.map((m) => ({
          nodeId: m.nodeId,
          peerId: m.peerId,
          addrs: known.get(m.nodeId) ?? [],
        })),
        height: replica?.height ?? null,
        nicks: replica?.nicks ?? null,
      }
    },
    neighbours: () =>
      node.neighbours.status().map((n) => ({
        nodeId: n.nodeId,
        peerId: n.peerId,
        addrs: n.addrs,
        alive: n.alive,
        rttMs: n.rttMs ?? null,
      })),
    async send(to, payload, o) {
      if (payload.length > MAX_PAYLOAD_BYTES)
        throw new PayloadTooLargeError(payload.length, MAX_PAYLOAD_BYTES)
      if (to === node.nodeId) return node.messaging.keepLocal(RELAY_KIND, payload)
      await node.messaging.send(to, payload, { kind: RELAY_KIND, plaintext: o?.plaintext ?? plaintext })
    },
    consume: (fn) => node.messaging.consume(RELAY_KIND, (m) => fn({ from: m.from, payload: m.payload })),
  }
}
