/**
 * Cluster formation on the network (seed rows 0.1.0, 0.1.7): the rules of formation.ts run by
 * a node over `/xlattice/cluster/1.0.0`. While the node has no cluster it asks its live
 * neighbours whether they have one; when the rules make it a proposer it sends the cluster
 * registration (RegisterCluster) to the members it picked, each accepts by signing those
 * bytes, and with every signature it registers the cluster with the XLattice server and hands
 * the server-signed binding to the members. A proposal that fails (a decline, a member that
 * does not answer) is withdrawn and tried again later, without the members that did not
 * answer. A member whose lock lapses without hearing back asks the server whether the
 * cluster it accepted was registered (its ID follows from the proposal), so a lost FORMED
 * message cannot leave it outside its own cluster.
 *
 * The binding is kept in `<data>/cluster.json`: a restarted node is still a member, once the
 * server confirms it (a member replaced while it was down learns here that it is free again).
 * A member adopts the newer bindings of its cluster (membership changes, replace-service.ts);
 * a free node that accepted to replace a dead member is held out of formation meanwhile.
 *
 * This file decides when; the proposer's steps are in formation-propose.ts, the answers to
 * every request on the protocol (a proposal, a status query, a delivered binding) in
 * formation-answers.ts.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { peerIdOfKey } from '../consensus/driver/validator.js'
import type { Signer } from '../../lib/crypto.js'
import { equalBytes, toB64u, toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import { RpcStream, serveStream } from '../p2p/rpc.js'
import { ClusterBindingError, clusterIdOf, verifyClusterBinding } from '../registry/cluster-binding.js'
import type { RegistryClient, VerifiedCluster } from '../registry/client.js'
import {
  type ClusterBinding,
  RegisterCluster,
  type SignedCertificate,
  type SignedClusterBinding,
} from '../registry/registry.pb.js'
import { BINDING_FILE, loadBinding, removeBinding, saveBinding } from './binding-file.js'
import { FormError, FormKind, FormRequest, FormResponse } from './cluster.pb.js'
import { Formation } from './formation.js'
import { type Answering, answerRequest, type ReplaceHandler } from './formation-answers.js'
import { type Proposing, propose } from './formation-propose.js'
import { answer } from './formation-wire.js'

export type { ReplaceHandler }

export const CLUSTER_PROTOCOL = '/xlattice/cluster/1.0.0'
const MAX_FRAME_BYTES = 16 * 1024
const RPC_TIMEOUT_MS = 5_000
/** How long a restarted member waits for the server to confirm its saved binding before using it. */
const CONFIRM_TIMEOUT_MS = 5_000
/** How often, at least, a member asks the server whether its cluster's membership changed. */
const SERVER_CHECK_MS = 60_000

/** A live neighbour as formation needs it. */
export interface FormationPeer {
  nodeId: string
  peerId: string
  sigPublicKey: Uint8Array
}

export interface FormationComponents {
  host: {
    handle(protocol: string, handler: (s: Stream, c: Connection) => void, opts?: object): Promise<void>
    unhandle(protocol: string): Promise<void>
    dialProtocol(peer: ReturnType<typeof peerIdFromString>, protocol: string, opts?: object): Promise<Stream>
  }
  /** This node's NodeID once registered. */
  nodeId(): string | undefined
  /** This node's NodeID certificate once registered (sent with its proposals). */
  certificate(): SignedCertificate | undefined
  signer: Signer
  registry: Pick<RegistryClient, 'registerCluster' | 'getCluster' | 'registryKey'>
  /** The node's live neighbours (the keep-alive table). */
  neighbours(): FormationPeer[]
  dataDir: string
  log: Logger
  /** Called once the node is in a cluster (formed now, or loaded at start). */
  joined?(binding: ClusterBinding): void
  /** Called once the node is no longer in its cluster (the server's binding leaves it out). */
  left?(clusterId: Uint8Array): Promise<void>
}

export interface FormationSettings {
  /** Members per cluster (n = 3f + 1; 1 for development). */
  size: number
  /** How often a node without a cluster looks for one. */
  intervalMs: number
  /** How long an accepted proposal holds a member. */
  lockMs: number
  /** Pinned members (NodeIDs): form exactly this cluster instead of choosing from neighbours. */
  pinned?: string[]
  /** How long a member must be unreachable before it is replaced automatically (replace-service.ts); 0: never. */
  replaceAfterMs?: number
}

export type FormationState = 'waiting' | 'proposing' | 'member'

export class ClusterFormation {
  readonly #c: FormationComponents
  readonly #s: FormationSettings
  #formation?: Formation
  #binding?: { signed: SignedClusterBinding; binding: ClusterBinding }
  /** Bodies of proposals this node accepted, by id: to look their cluster up if FORMED is lost. */
  readonly #accepted = new Map<string, Uint8Array>()
  /** Members that did not answer our last proposal, kept out of the next few. */
  readonly #unresponsive = new Map<string, number>()
  #timer?: NodeJS.Timeout
  #busy = false
  #state: FormationState = 'waiting'
  #lastError: string | null = null
  #replace?: ReplaceHandler
  /** Accepted to replace a member of this cluster: out of formation until then. */
  #joining?: { clusterId: Uint8Array; until: number }
  #lastServerCheck = 0

  constructor(components: FormationComponents, settings: FormationSettings) {
    this.#c = components
    this.#s = settings
  }

  /** What answering a request on the formation protocol reads and does here (formation-answers.ts). */
  readonly #answering: Answering = {
    rules: () => this.#rules(),
    clusterId: () => this.#binding?.binding.clusterId,
    considering: () => ({
      registryKey: this.#c.registry.registryKey,
      signer: this.#c.signer,
      size: this.#s.size,
      joiningUntil: this.#joining?.until ?? 0,
      accepted: this.#accepted,
    }),
    replace: () => this.#replace,
    adopt: (signed) => this.adopt(signed),
    join: async (signed) => {
      await this.#join(signed)
      this.#c.log.info({ clusterId: this.clusterId }, 'joined a cluster')
    },
  }

  async start(): Promise<void> {
    await this.#loadBinding()
    void this.#confirmLoaded()
    await this.#c.host.handle(CLUSTER_PROTOCOL, (stream, conn) => this.#serve(stream, conn), {
      maxInboundStreams: 16,
    })
    this.#timer = setInterval(() => void this.tick(), this.#s.intervalMs)
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.#c.host.unhandle(CLUSTER_PROTOCOL).catch(() => {})
  }

  get clusterId(): string | undefined {
    return this.#binding === undefined ? undefined : toHex(this.#binding.binding.clusterId)
  }

  /** The binding this node holds, when it is in a cluster. */
  current(): { signed: SignedClusterBinding; binding: ClusterBinding } | undefined {
    return this.#binding
  }

  /** Routes REPLACE_OFFER and REPLACE_APPROVE to the replacement service. */
  serveReplacement(handler: ReplaceHandler): void {
    this.#replace = handler
  }

  /**
   * Whether this node is free to be offered a place: no cluster, no formation hold, and no
   * join under way, except into `clusterId` itself (its coordinator trying again).
   */
  isFree(clusterId?: Uint8Array, now = Date.now()): boolean {
    const j = this.#joining
    const joiningElsewhere =
      j !== undefined && j.until > now && (clusterId === undefined || !equalBytes(j.clusterId, clusterId))
    return this.#binding === undefined && this.#formation?.holding(now) === undefined && !joiningElsewhere
  }

  /** This free node accepted to replace a member of `clusterId`: out of formation until `until`. */
  holdForReplacement(clusterId: Uint8Array, until: number): void {
    this.#joining = { clusterId, until }
  }

  /**
   * A server-signed binding of this node's cluster, newer than the one held: kept when it names
   * this node, else, once the server confirms that its current binding leaves this node out,
   * the node leaves the cluster. Older or equal versions and other clusters change nothing.
   * Returns what happened.
   */
  async adopt(signed: SignedClusterBinding): Promise<'kept' | 'left' | 'ignored'> {
    const binding = verifyClusterBinding(signed, [this.#c.registry.registryKey])
    const held = this.#binding?.binding
    if (
      held === undefined ||
      !equalBytes(held.clusterId, binding.clusterId) ||
      binding.version <= held.version
    )
      return 'ignored'
    if (this.#names(binding)) {
      this.#binding = { signed, binding }
      await saveBinding(this.#c.dataDir, signed)
      this.#c.log.info(
        { clusterId: toHex(binding.clusterId), version: Number(binding.version) },
        'cluster membership updated',
      )
      return 'kept'
    }
    // Not named: believe it only from the server itself (a replayed binding could be stale).
    const now = await this.#c.registry.getCluster({ clusterId: binding.clusterId })
    if (this.#names(now) || BigInt(now.version) <= held.version) return 'ignored'
    await this.#leave(now.version)
    return 'left'
  }

  #names(b: Pick<ClusterBinding, 'members'>): boolean {
    const self = this.#c.nodeId()
    return b.members.some(
      (m) =>
        (self === undefined || toHex(m.nodeId) === self) &&
        equalBytes(m.sigPublicKey, this.#c.signer.publicKey),
    )
  }

  async #leave(version: number | bigint): Promise<void> {
    const held = this.#binding
    if (held === undefined) return
    this.#c.log.warn(
      { clusterId: toHex(held.binding.clusterId), version: Number(version) },
      'this node is no longer a member of its cluster (replaced); it is free again',
    )
    this.#binding = undefined
    this.#formation = undefined
    this.#state = 'waiting'
    this.#lastError = `replaced in cluster ${held.binding.name} at version ${version}`
    await removeBinding(this.#c.dataDir)
    await this.#c.left?.(held.binding.clusterId)
  }

  /** Asks the server for the current binding of this node's cluster and adopts it. */
  async #checkWithServer(): Promise<void> {
    const held = this.#binding
    if (held === undefined) return
    this.#lastServerCheck = Date.now()
    try {
      const found = await this.#c.registry.getCluster({ clusterId: held.binding.clusterId })
      if (BigInt(found.version) > held.binding.version) await this.adopt(found.signed)
    } catch (err) {
      this.#c.log.debug({ err: (err as Error).message }, 'could not check the cluster with the server')
    }
  }

  /** At start: the saved binding counts once the server agrees (or cannot be asked). */
  async #confirmLoaded(): Promise<void> {
    if (this.#binding === undefined) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.#checkWithServer(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, CONFIRM_TIMEOUT_MS)
      }),
    ])
    clearTimeout(timer)
    if (this.#binding === undefined) return
    this.#state = 'member'
    this.#c.joined?.(this.#binding.binding)
  }

  /** After accepting a replacement: the server's binding names this node once it is recorded. */
  async #joinedByReplacement(): Promise<boolean> {
    const j = this.#joining
    if (j === undefined) return false
    try {
      const found = await this.#c.registry.getCluster({ clusterId: j.clusterId })
      if (this.#names(found)) {
        await this.#join(found.signed)
        this.#describe(found, 'joined a cluster in place of a dead member')
        return true
      }
    } catch {
      // not recorded yet, or the server is unreachable
    }
    if (j.until <= Date.now()) this.#joining = undefined
    return this.#joining !== undefined
  }

  #rules(): Formation | undefined {
    const self = this.#c.nodeId()
    if (self === undefined) return undefined
    if (this.#formation?.self !== self) {
      this.#formation = new Formation({ self, size: this.#s.size, lockMs: this.#s.lockMs })
      if (this.#binding !== undefined) this.#formation.joined(toHex(this.#binding.binding.clusterId))
    }
    return this.#formation
  }

  /** One round: look for a cluster to propose, or for the fate of one accepted. */
  async tick(): Promise<void> {
    if (this.#busy) return
    if (this.#binding !== undefined) {
      // A member asks the server now and then whether its cluster changed (it may have been
      // replaced while unreachable, or missed an UPDATED).
      if (Date.now() - this.#lastServerCheck >= Math.max(30 * this.#s.intervalMs, SERVER_CHECK_MS)) {
        this.#busy = true
        await this.#checkWithServer().finally(() => {
          this.#busy = false
        })
      }
      return
    }
    const rules = this.#rules()
    if (rules === undefined) return
    this.#busy = true
    try {
      if (await this.#joinedByReplacement()) return
      if (await this.#acceptedWasRegistered()) return
      const now = Date.now()
      if (rules.holding(now) !== undefined) return
      const peers = new Map(this.#c.neighbours().map((p) => [p.nodeId, p]))
      const free = await this.#freeNeighbours([...peers.values()], now)
      const members = this.#s.pinned !== undefined ? this.#pinnedPlan(rules) : rules.next(free, now)
      if (members === null) return
      await propose(this.#proposing(rules), members, peers)
    } catch (err) {
      this.#lastError = (err as Error).message
      this.#c.log.debug({ err: this.#lastError }, 'cluster formation round failed')
    } finally {
      this.#busy = false
      if (this.#binding === undefined) this.#state = 'waiting'
    }
  }

  /** What proposing (formation-propose.ts) uses of this service. */
  #proposing(rules: Formation): Proposing {
    return {
      c: this.#c,
      s: this.#s,
      rules,
      unresponsive: this.#unresponsive,
      call: (peer, req) => this.#call(peer, req),
      join: (signed) => this.#join(signed),
      describe: (cluster, msg) => this.#describe(cluster, msg),
      proposing: () => {
        this.#state = 'proposing'
      },
      failed: (text) => {
        this.#lastError = text
      },
    }
  }

  #pinnedPlan(rules: Formation): string[] | null {
    const pinned = [...new Set(this.#s.pinned)].sort()
    return pinned[0] === rules.self && pinned.length === this.#s.size ? pinned : null
  }

  async #freeNeighbours(peers: FormationPeer[], now: number): Promise<string[]> {
    const candidates = peers.filter((p) => (this.#unresponsive.get(p.nodeId) ?? 0) <= now)
    const answers = await Promise.all(
      candidates.map(async (p) => {
        const res = await this.#call(p, { kind: FormKind.STATUS, body: new Uint8Array() }).catch(
          () => undefined,
        )
        return res?.error === FormError.FORM_OK && res.free ? p.nodeId : undefined
      }),
    )
    return answers.filter((id): id is string => id !== undefined)
  }

  /** After a lock lapses: was the cluster we accepted registered while we did not hear? */
  async #acceptedWasRegistered(): Promise<boolean> {
    const rules = this.#formation
    if (rules === undefined || this.#accepted.size === 0) return false
    const now = Date.now()
    const held = rules.holding(now)?.id
    for (const [id, body] of this.#accepted) {
      if (id === held) continue
      this.#accepted.delete(id)
      const reg = RegisterCluster.decode(body)
      try {
        const found = await this.#c.registry.getCluster({ clusterId: clusterIdOf(reg.members, reg.nonce) })
        await this.#join(found.signed)
        this.#describe(found, 'joined a cluster registered while this node was not listening')
        return true
      } catch {
        // not registered (NOT_FOUND) or the server is unreachable: look again next time
      }
    }
    return false
  }

  #describe(cluster: VerifiedCluster, msg: string): void {
    this.#c.log.info(
      {
        clusterId: toHex(cluster.clusterId),
        name: cluster.name,
        members: cluster.members.map((m) => toHex(m.nodeId)),
      },
      msg,
    )
  }

  async #join(signed: SignedClusterBinding): Promise<void> {
    const binding = verifyClusterBinding(signed, [this.#c.registry.registryKey])
    const self = this.#c.nodeId()
    if (
      self === undefined ||
      !binding.members.some(
        (m) => toHex(m.nodeId) === self && equalBytes(m.sigPublicKey, this.#c.signer.publicKey),
      )
    )
      throw new ClusterBindingError('the binding does not name this node')
    this.#binding = { signed, binding }
    this.#state = 'member'
    this.#joining = undefined
    this.#lastServerCheck = Date.now()
    this.#formation?.joined(toHex(binding.clusterId))
    this.#accepted.clear()
    await saveBinding(this.#c.dataDir, signed)
    this.#c.joined?.(binding)
  }

  /** One request on /xlattice/cluster/1.0.0 (a fresh stream, closed after the answer). */
  call(peer: Pick<FormationPeer, 'peerId'>, req: Partial<FormRequest>): Promise<FormResponse> {
    return this.#call(peer, req)
  }

  async #call(peer: Pick<FormationPeer, 'peerId'>, req: Partial<FormRequest>): Promise<FormResponse> {
    const stream = await this.#c.host.dialProtocol(peerIdFromString(peer.peerId), CLUSTER_PROTOCOL, {
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
    })
    const rpc = new RpcStream(stream, MAX_FRAME_BYTES)
    try {
      return FormResponse.decode(await rpc.request(FormRequest.encode(req), RPC_TIMEOUT_MS))
    } finally {
      await rpc.close()
    }
  }

  #serve(stream: Stream, conn: Connection): void {
    const remoteKey = conn.remotePeer.publicKey?.raw
    void serveStream(stream, {
      maxFrameBytes: MAX_FRAME_BYTES,
      idleMs: 30_000,
      log: this.#c.log,
      oversize: () => FormResponse.encode(answer(FormError.FORM_BAD_REQUEST, 'request over the size bound')),
      handle: async (frame) => FormResponse.encode(await answerRequest(this.#answering, frame, remoteKey)),
    })
  }

  async #loadBinding(): Promise<void> {
    try {
      this.#binding = await loadBinding(this.#c.dataDir, this.#c.registry.registryKey)
    } catch (err) {
      this.#c.log.warn({ err: (err as Error).message }, `ignoring ${BINDING_FILE}: it does not verify`)
    }
  }

  status() {
    const b = this.#binding?.binding
    return {
      state: this.#state,
      size: this.#s.size,
      clusterId: b === undefined ? null : toHex(b.clusterId),
      name: b?.name ?? null,
      version: b === undefined ? null : Number(b.version),
      members:
        b?.members.map((m) => ({
          nodeId: toHex(m.nodeId),
          sigPublicKey: toB64u(m.sigPublicKey),
          peerId: peerIdOfKey(m.sigPublicKey),
        })) ?? [],
      holding: this.#formation?.holding(Date.now())?.id ?? null,
      joining:
        this.#joining !== undefined && this.#joining.until > Date.now()
          ? toHex(this.#joining.clusterId)
          : null,
      lastError: this.#lastError,
    }
  }
}
