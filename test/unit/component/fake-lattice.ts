// The node side in memory, for unit tests of the XMPP side: a cluster registry of nicks with
// this node as every user's home (registration commits at once, or is refused the way the
// cluster would), a fixed cluster and neighbours, and a record of what was sent where.
import type {
  ClusterView,
  InboundPayload,
  Lattice,
  NeighbourView,
  NickBinding,
  NickOutcome,
  UserSignedNick,
} from '../../../component/lattice.js'

export const NODE_ID = 'ab'.repeat(32)

export const CLUSTER: ClusterView = {
  clusterId: 'c1'.repeat(16),
  name: 'berlin',
  members: [
    {
      nodeId: NODE_ID,
      peerId: '12D3KooWAlpha',
      addrs: ['/ip4/10.0.0.1/tcp/4001', '/ip4/192.0.2.1/tcp/4001'],
    },
    { nodeId: 'cd'.repeat(32), peerId: '12D3KooWBravo', addrs: ['/ip4/10.0.0.2/tcp/4001'] },
    { nodeId: 'ef'.repeat(32), peerId: '12D3KooWCharlie', addrs: [] },
  ],
  height: 42,
  nicks: 7,
}

export const NEIGHBOURS: NeighbourView[] = [
  { nodeId: '01'.repeat(32), peerId: '12D3KooWNorth', addrs: [], alive: true, rttMs: 12.4 },
  { nodeId: '02'.repeat(32), peerId: '12D3KooWSouth', addrs: [], alive: false, rttMs: null },
]

/** The node side, in memory: a cluster registry of nicks with this node as every user's home. */
export class FakeLattice implements Lattice {
  readonly bindings = new Map<string, NickBinding>()
  clusterView: ClusterView | undefined = CLUSTER
  neighbourViews: NeighbourView[] = NEIGHBOURS
  /** Registrations wait for this before they commit (to race two requests). */
  gate: Promise<void> = Promise.resolve()
  /** What send() was given, in order. */
  readonly sent: { to: string; payload: Uint8Array }[] = []
  #consumer?: (m: InboundPayload) => Promise<void>
  #height = 100
  #users = 0

  nodeId(): string {
    return NODE_ID
  }
  nick(nick: string): NickBinding | undefined {
    return this.opening ? undefined : this.bindings.get(nick)
  }
  /** A restarted node whose registry has not opened yet: nick() knows no one meanwhile. */
  opening = false
  registryOpening(): boolean {
    return this.opening
  }
  async registerNick(nick: string): Promise<NickOutcome> {
    await this.gate
    if (this.clusterView === undefined) return refused(nick, 'no-cluster')
    if (this.bindings.has(nick)) return refused(nick, 'nick-taken')
    const userNodeId = (++this.#users).toString(16).padStart(64, '0')
    this.bindings.set(nick, { nick, home: NODE_ID, userNodeId, since: ++this.#height })
    return { nick, accepted: true, reason: null, userNodeId }
  }
  /** Keys of registrations the user signed (the fake does not check signatures). */
  readonly signedKeys = new Map<string, Uint8Array>()
  async registerSigned(r: UserSignedNick): Promise<NickOutcome> {
    await this.gate
    if (r.signature.length !== 64) return refused(r.nick, 'bad-user-signature')
    const outcome = await this.registerNick(r.nick)
    if (outcome.accepted) this.signedKeys.set(r.nick, r.signingKey)
    return outcome
  }
  signingContext(): { chainId: string; home: string } | undefined {
    return this.clusterView === undefined ? undefined : { chainId: 'cc'.repeat(32), home: NODE_ID }
  }
  async releaseNick(nick: string): Promise<NickOutcome> {
    const b = this.bindings.get(nick)
    if (b === undefined) return refused(nick, 'unknown-nick')
    this.bindings.delete(nick)
    return { nick, accepted: true, reason: null, userNodeId: b.userNodeId }
  }
  cluster(): ClusterView | undefined {
    return this.clusterView
  }
  neighbours(): NeighbourView[] {
    return this.neighbourViews
  }
  async send(to: string, payload: Uint8Array): Promise<void> {
    this.sent.push({ to, payload })
  }
  consume(fn: (m: InboundPayload) => Promise<void>): () => void {
    this.#consumer = fn
    return () => {
      this.#consumer = undefined
    }
  }
  /** Feeds a payload to the consumer, as if another node had delivered it. */
  deliver(m: InboundPayload): Promise<void> {
    if (this.#consumer === undefined) throw new Error('no consumer')
    return this.#consumer(m)
  }
}

const refused = (nick: string, reason: string): NickOutcome => ({
  nick,
  accepted: false,
  reason,
  userNodeId: null,
})
