/**
 * The registry's node table: NodeID bindings (persisted, loaded into memory at start),
 * registration nonces (persisted until they could no longer pass the timestamp check) and
 * liveness (memory only: after a restart nodes are live again at their next heartbeat).
 */
import { compareBytes, toB64u, toHex, xorBytes } from '../../lib/encoding.js'
import { type BatchOp, GroupCommit, type Store } from '../../lib/store/index.js'
import { NonceBook } from './nonces.js'
import { NodeCertificate, SignedCertificate } from './registry.pb.js'

export interface Binding {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  certificate: SignedCertificate
  /** Latest verified signed peer record (addresses). */
  peerRecord: Uint8Array
  peerRecordSeq: bigint
  lastSeen: number
  /** Resolves once the binding is durable; a response must not go out before. */
  durable: Promise<void>
}

const ID_PREFIX = 'id!'

export class NodeTable {
  // Bindings (`id!<nodeId hex>`) and nonces (`nonce!<time>!<nonce hex>`) share one key space
  // so a registration persists both in one synced batch: one fsync.
  readonly #db: Store
  readonly #byKey = new Map<string, Binding>()
  readonly #byId = new Map<string, Binding>()
  readonly #nonces: NonceBook
  readonly #commit: GroupCommit

  private constructor(store: Store) {
    this.#db = store.sublevel('nodes')
    this.#nonces = new NonceBook(this.#db)
    this.#commit = new GroupCommit(this.#db)
  }

  static async open(store: Store, nonceRetentionMs: number, now = Date.now()): Promise<NodeTable> {
    const table = new NodeTable(store)
    for await (const [, value] of table.#db.entries({ gte: ID_PREFIX, lt: `${ID_PREFIX}~` })) {
      // The certificate holds the whole binding: NodeID and both keys.
      const certificate = SignedCertificate.decode(value)
      const cert = NodeCertificate.decode(certificate.certificate)
      table.#index({
        nodeId: cert.nodeId,
        sigPublicKey: cert.sigPublicKey,
        commsPublicKey: cert.commsPublicKey,
        certificate,
        peerRecord: new Uint8Array(),
        peerRecordSeq: 0n,
        lastSeen: 0,
        durable: Promise.resolve(),
      })
    }
    await table.#nonces.load(nonceRetentionMs, now)
    return table
  }

  #index(b: Binding): void {
    this.#byKey.set(toB64u(b.sigPublicKey), b)
    this.#byId.set(toHex(b.nodeId), b)
  }

  get size(): number {
    return this.#byId.size
  }

  byKey(sigPublicKey: Uint8Array): Binding | undefined {
    return this.#byKey.get(toB64u(sigPublicKey))
  }

  byId(nodeId: Uint8Array): Binding | undefined {
    return this.#byId.get(toHex(nodeId))
  }

  hasId(nodeId: Uint8Array): boolean {
    return this.#byId.has(toHex(nodeId))
  }

  /**
   * Claims a nonce synchronously (so two concurrent requests cannot both pass) and returns
   * the store op that persists it; false if it was already seen.
   */
  claimNonce(nonce: Uint8Array, at: number): BatchOp | false {
    return this.#nonces.claim(nonce, at)
  }

  persistNonce(op: BatchOp): Promise<void> {
    return this.#write([op])
  }

  /** Concurrent registrations share one synced batch (group commit); each waits for its own. */
  #write(ops: BatchOp[]): Promise<void> {
    return this.#commit.write(ops)
  }

  /** Replaces a binding's certificate (new comms key for the same signing key: same NodeID). */
  rebind(b: Binding, certificate: SignedCertificate, commsPublicKey: Uint8Array, nonceOp: BatchOp): void {
    b.certificate = certificate
    b.commsPublicKey = commsPublicKey
    b.durable = this.#persist(b, nonceOp)
  }

  /** Installs a binding in memory now and persists it with the nonce in one synced batch. */
  bind(b: Omit<Binding, 'durable'>, nonceOp: BatchOp): Binding {
    const binding = b as Binding
    binding.durable = this.#persist(binding, nonceOp)
    this.#index(binding)
    return binding
  }

  #persist(b: Binding, nonceOp: BatchOp): Promise<void> {
    const put: BatchOp = {
      type: 'put',
      key: ID_PREFIX + toHex(b.nodeId),
      value: SignedCertificate.encode(b.certificate),
    }
    return this.#write([put, nonceOp])
  }

  /** Forgets nonces older than the retention: they would fail the timestamp check anyway. */
  pruneNonces(retentionMs: number, now = Date.now()): Promise<number> {
    return this.#nonces.prune(retentionMs, now)
  }

  liveCount(ttlMs: number, now = Date.now()): number {
    let n = 0
    for (const b of this.#byId.values()) if (now - b.lastSeen <= ttlMs) n++
    return n
  }

  /** The k live nodes XOR-closest to `nodeId`, never `nodeId` itself (seed row 0.0.3). */
  closestLive(nodeId: Uint8Array, k: number, ttlMs: number, now = Date.now()): Binding[] {
    const candidates: { d: Uint8Array; b: Binding }[] = []
    for (const b of this.#byId.values()) {
      if (now - b.lastSeen > ttlMs || b.peerRecord.length === 0) continue
      if (compareBytes(b.nodeId, nodeId) === 0) continue
      candidates.push({ d: xorBytes(b.nodeId, nodeId), b })
    }
    candidates.sort((x, y) => compareBytes(x.d, y.d))
    return candidates.slice(0, k).map((c) => c.b)
  }
}
