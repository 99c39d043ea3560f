/**
 * The server's cluster table (seed rows 0.1.7, 0.1.8): every registered cluster's current
 * binding in memory, indexed by cluster ID, by name and by member NodeID (a node belongs to
 * one cluster), and every version ever recorded on disk only.
 *
 * Keys, in the store's `clusters` space:
 *   `c!<clusterId hex>`                  the current SignedClusterBinding (loaded at start)
 *   `v!<clusterId hex>!<version 12 hex>` a ClusterVersion: that version's binding and the
 *                                        members' signed request that produced it
 *   `nonce!<time>!<nonce hex>`           replay protection (nonces.ts)
 * A registration or update writes all three in one synced batch.
 */
import { toHex } from '../../lib/encoding.js'
import { type BatchOp, GroupCommit, type Store } from '../../lib/store/index.js'
import { MAX_CLUSTER_MEMBERS } from './cluster-binding.js'
import { NonceBook } from './nonces.js'
import {
  ClusterBinding,
  type ClusterMember,
  ClusterVersion,
  SignedClusterBinding,
  type SignedClusterRequest,
} from './registry.pb.js'

export interface Cluster {
  clusterId: Uint8Array
  name: string
  genesis: ClusterMember[]
  registeredAt: number
  version: number
  members: ClusterMember[]
  updatedAt: number
  /** The server-signed binding of the current version. */
  signed: SignedClusterBinding
  /** Resolves once the current version is durable; nothing is shown or answered before. */
  durable: Promise<void>
}

export interface ClusterVersionFields {
  version: number
  members: ClusterMember[]
  updatedAt: number
  signed: SignedClusterBinding
  request: SignedClusterRequest
}

const CURRENT = 'c!'
const VERSION = 'v!'
const pad = (n: number) => n.toString(16).padStart(12, '0')
const LIMITS = { limits: { genesis: MAX_CLUSTER_MEMBERS, members: MAX_CLUSTER_MEMBERS } }

export class ClusterTable {
  readonly #db: Store
  readonly #commit: GroupCommit
  readonly #nonces: NonceBook
  readonly #byId = new Map<string, Cluster>()
  readonly #byName = new Map<string, Cluster>()
  readonly #byMember = new Map<string, Cluster>()

  private constructor(store: Store) {
    this.#db = store.sublevel('clusters')
    this.#commit = new GroupCommit(this.#db)
    this.#nonces = new NonceBook(this.#db)
  }

  static async open(store: Store, nonceRetentionMs: number, now = Date.now()): Promise<ClusterTable> {
    const table = new ClusterTable(store)
    for await (const [, value] of table.#db.entries({ gte: CURRENT, lt: `${CURRENT}~` })) {
      const signed = SignedClusterBinding.decode(value)
      const b = ClusterBinding.decode(signed.binding, LIMITS)
      const cluster: Cluster = {
        clusterId: b.clusterId,
        name: b.name,
        genesis: b.genesis,
        registeredAt: Number(b.registeredAt),
        version: Number(b.version),
        members: b.members,
        updatedAt: Number(b.updatedAt),
        signed,
        durable: Promise.resolve(),
      }
      table.#byId.set(toHex(cluster.clusterId), cluster)
      table.#byName.set(cluster.name, cluster)
      for (const m of cluster.members) table.#byMember.set(toHex(m.nodeId), cluster)
    }
    await table.#nonces.load(nonceRetentionMs, now)
    return table
  }

  get size(): number {
    return this.#byId.size
  }

  all(): IterableIterator<Cluster> {
    return this.#byId.values()
  }

  byId(clusterId: Uint8Array): Cluster | undefined {
    return this.#byId.get(toHex(clusterId))
  }

  byName(name: string): Cluster | undefined {
    return this.#byName.get(name)
  }

  /** The cluster `nodeId` is a current member of. */
  clusterOf(nodeId: Uint8Array): Cluster | undefined {
    return this.#byMember.get(toHex(nodeId))
  }

  nameTaken(name: string): boolean {
    return this.#byName.has(name)
  }

  /** See NodeTable.claimNonce: synchronous, false when already seen. */
  claimNonce(nonce: Uint8Array, at: number): BatchOp | false {
    return this.#nonces.claim(nonce, at)
  }

  pruneNonces(retentionMs: number, now = Date.now()): Promise<number> {
    return this.#nonces.prune(retentionMs, now)
  }

  /**
   * Installs a new cluster (version 0) in memory now and persists it with its nonce in one
   * synced batch. The caller has checked that the ID and name are free and that no member
   * belongs to another cluster, with no await in between.
   */
  register(
    c: { clusterId: Uint8Array; name: string; genesis: ClusterMember[]; registeredAt: number },
    v: ClusterVersionFields,
    nonceOp: BatchOp,
  ): Cluster {
    const cluster: Cluster = {
      ...c,
      version: v.version,
      members: v.members,
      updatedAt: v.updatedAt,
      signed: v.signed,
      durable: Promise.resolve(),
    }
    this.#byId.set(toHex(c.clusterId), cluster)
    this.#byName.set(c.name, cluster)
    for (const m of v.members) this.#byMember.set(toHex(m.nodeId), cluster)
    cluster.durable = this.#persist(cluster, v, nonceOp)
    return cluster
  }

  /** Records the next version: members that left are free to join another cluster. */
  update(cluster: Cluster, v: ClusterVersionFields, nonceOp: BatchOp): void {
    for (const m of cluster.members) this.#byMember.delete(toHex(m.nodeId))
    for (const m of v.members) this.#byMember.set(toHex(m.nodeId), cluster)
    cluster.version = v.version
    cluster.members = v.members
    cluster.updatedAt = v.updatedAt
    cluster.signed = v.signed
    cluster.durable = this.#persist(cluster, v, nonceOp)
  }

  #persist(cluster: Cluster, v: ClusterVersionFields, nonceOp: BatchOp): Promise<void> {
    const id = toHex(cluster.clusterId)
    return this.#commit.write([
      { type: 'put', key: CURRENT + id, value: SignedClusterBinding.encode(v.signed) },
      {
        type: 'put',
        key: `${VERSION}${id}!${pad(v.version)}`,
        value: ClusterVersion.encode({ binding: v.signed, request: v.request }),
      },
      nonceOp,
    ])
  }

  /**
   * Recorded versions from `fromVersion` on, ascending, while they fit in `maxBytes` (at least
   * one, when there is one); `more` when some were left for another call.
   */
  async history(
    cluster: Cluster,
    fromVersion: number,
    maxBytes: number,
    maxEntries = 32,
  ): Promise<{ versions: ClusterVersion[]; more: boolean }> {
    await cluster.durable
    const id = toHex(cluster.clusterId)
    const versions: ClusterVersion[] = []
    let bytes = 0
    const range = {
      gte: `${VERSION}${id}!${pad(fromVersion)}`,
      lte: `${VERSION}${id}!${pad(cluster.version)}`,
    }
    for await (const [, value] of this.#db.entries(range)) {
      if (versions.length > 0 && (bytes + value.length > maxBytes || versions.length >= maxEntries)) {
        return { versions, more: true }
      }
      bytes += value.length
      versions.push(ClusterVersion.decode(value))
    }
    return { versions, more: false }
  }
}
