/**
 * The replicated cluster registry (issue 5 part 3; seed rows 0.1.2, 0.1.5, 0.1.9) as the
 * consensus driver's application: members and their NodeIDs, nicks (nick -> user keys, user
 * NodeID, home node), user records and the node ID registry, under one Merkle root.
 *
 * `apply` is deterministic and total: every operation of a committed block gets a receipt,
 * accepted or rejected with a reason (receipts.ts), and nothing an operation contains can make
 * it throw. Mempool admission (checkOperation) takes operations that are well formed, correctly
 * signed and from a current member; a proposal (validateBlock) must name our state root and
 * hold only well-formed, correctly signed operations. validateBlock checks nothing that
 * depends on the registry's state: an operation that is valid now stays valid, so no pending
 * operation can make every proposal invalid; conflicts (a taken nick) are settled by apply, in
 * block order. Signatures are checked once per operation (verified-ops.ts).
 *
 * State root of height h: the Merkle root (merkle.ts) over every entry after block h.
 * Store (the driver's key space; every write goes in the commit's batch):
 *   a/meta          u8 version (1) || u64 height || root (32)
 *   a/root/<h>      root after block h (h zero-padded to 16 digits)
 *   a/e/<typed key> entry encodings (entries.ts)
 *   a/r/<h>         receipts of block h, deleted RECEIPT_HEIGHTS heights later
 * References: docs/protocols/cluster-registry.md "Registry state machine".
 */
import { verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromHex } from '../../lib/encoding.js'
import type { BatchOp, Store } from '../../lib/store/index.js'
import type { StateMachine } from '../consensus/driver/app.js'
import { decodeMembershipOp, membershipNextSet, OP_MEMBERSHIP } from '../consensus/driver/membership.js'
import { pad } from '../consensus/driver/records.js'
import { VerifyCache } from '../consensus/driver/verify-cache.js'
import {
  type Block,
  type CommitRecord,
  DEFAULT_LIMITS,
  type Hash,
  type Limits,
  type ValidatorSet,
} from '../consensus/types.js'
import { validatorSetHash } from '../consensus/validators.js'
import type { VerifyFn } from '../consensus/verify.js'
import {
  assignedNodeId,
  type MemberEntry,
  type NickEntry,
  type NodeEntry,
  registryKey,
  sha256Of,
  type UserEntry,
  userNodeId,
} from './entries.js'
import { RegistryCorrupt } from './errors.js'
import type { MerkleMap, MerkleProof } from './merkle.js'
import { normalizeNick } from './nick.js'
import { decodeRegistryOp } from './ops.js'
import { applyRegistryOp } from './registry-rules.js'
import { ENTRY_PREFIX, RegistryState } from './registry-state.js'
import { ReceiptLog } from './receipt-log.js'
import { BlockReceipts, type Outcome, type Receipt, type RejectReason } from './receipts.js'
import { VerifiedOps } from './verified-ops.js'

const META_VERSION = 1
const RECENT_ROOTS = 64

const bin = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const hashOf = (op: Uint8Array): Uint8Array => sha256Of(op)
/** Store reads as plain Uint8Arrays (LevelStore hands out Buffers). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export interface RegistryAppOptions {
  chainId: Uint8Array
  /** Names the cluster in derived IDs; fixed for the chain's life. Defaults to the chain id. */
  clusterId?: Uint8Array
  /** The genesis validator set (the driver's `genesis`): the first members. */
  genesis: ValidatorSet
  /**
   * NodeIDs of members issued elsewhere (by the XLattice server, in their certificates), by
   * validator key; every member must be given the same list. A member not in it has the NodeID
   * the cluster would assign its key (entries.ts `assignedNodeId`).
   */
  memberNodeIds?: readonly { publicKey: Uint8Array; nodeId: Uint8Array }[]
  /**
   * Issuers whose NodeID certificates a member may record (0x13): the XLattice server's key.
   * Every member must be given the same list; none refuses every 0x13 (`bad-certificate`).
   */
  certificateIssuers?: readonly Uint8Array[]
  limits?: Limits
  verify?: VerifyFn
  /**
   * Called by apply before the block's operations, while the Merkle map still holds the state
   * the block's header commits to (after height - 1): the moment to build binding proofs for
   * that height (proof.ts makeBindingProof). It must not change the map.
   */
  beforeApply?: (commit: CommitRecord, map: MerkleMap) => void
}

export class RegistryApp implements StateMachine {
  readonly #store: Store
  readonly #chainId: Uint8Array
  readonly #clusterId: Uint8Array
  readonly #limits: Limits
  readonly #verify: VerifyCache
  readonly #ops: VerifiedOps
  readonly #nodeIds: Map<string, Uint8Array>
  readonly #genesisRoot: Hash
  readonly #beforeApply: RegistryAppOptions['beforeApply']
  readonly #issuers: readonly Uint8Array[]
  #state = new RegistryState()
  #memberSetHash: Hash
  readonly #roots = new Map<number, Hash>()
  readonly #receipts: ReceiptLog
  height = 0

  /** `store` is the driver's key space: the app writes under `a/` in the commit's batch. */
  constructor(store: Store, opts: RegistryAppOptions) {
    this.#store = store
    this.#receipts = new ReceiptLog(store)
    this.#chainId = opts.chainId
    this.#clusterId = opts.clusterId ?? opts.chainId
    this.#limits = opts.limits ?? DEFAULT_LIMITS
    const verify = opts.verify ?? verifySignature
    this.#verify = new VerifyCache(verify)
    this.#ops = new VerifiedOps(opts.chainId, verify)
    this.#beforeApply = opts.beforeApply
    this.#issuers = opts.certificateIssuers ?? []
    this.#nodeIds = new Map((opts.memberNodeIds ?? []).map((m) => [bin(m.publicKey), m.nodeId]))
    this.#memberSetHash = new Uint8Array(32)
    this.#syncMembers(opts.genesis)
    this.#genesisRoot = this.#state.merkle.root()
    this.#roots.set(0, this.#genesisRoot)
  }

  async load(): Promise<void> {
    const stored = await this.#store.get('a/meta')
    if (stored === undefined) return
    const meta = plain(stored)
    if (meta.length !== 41 || meta[0] !== META_VERSION) throw new RegistryCorrupt('application meta')
    const height = Number(new DataView(meta.buffer, meta.byteOffset + 1, 8).getBigUint64(0))
    const root = meta.slice(9)
    const state = new RegistryState()
    for await (const [key, value] of this.#store.entries({ gte: ENTRY_PREFIX, lt: 'a/e0' })) {
      if (!state.restore(key.slice(ENTRY_PREFIX.length), plain(value)))
        throw new RegistryCorrupt(`entry ${key}`)
    }
    if (!equalBytes(state.merkle.root(), root)) throw new RegistryCorrupt('entries do not hash to the root')
    state.takeWrites()
    this.#state = state
    this.#memberSetHash = this.#currentSetHash()
    this.height = height
    this.#roots.clear()
    this.#roots.set(0, this.#genesisRoot)
    for await (const [key, value] of this.#store.entries({
      gte: 'a/root/',
      lt: 'a/root0',
      reverse: true,
      limit: RECENT_ROOTS,
    })) {
      this.#roots.set(Number(key.slice('a/root/'.length)), plain(value))
    }
    this.#roots.set(height, root)
    await this.#receipts.load()
  }

  stateRoot(height: number): Hash {
    const root = this.#roots.get(height)
    if (root === undefined) throw new RangeError(`state root of height ${height} is not at hand`)
    return root
  }

  get root(): Hash {
    return this.stateRoot(this.height)
  }

  /** Mempool admission: well formed, correctly signed, from a current member. */
  checkOperation(op: Uint8Array): boolean {
    if (op[0] === OP_MEMBERSHIP) return decodeMembershipOp(op, this.#limits) !== null
    const decoded = decodeRegistryOp(op)
    if (decoded === null || this.#ops.check(hashKey(op), decoded) !== null) return false
    return this.#state.isMember(decoded.submitter)
  }

  /**
   * Admission of a registry operation this member has just sealed with its own signer (the
   * replica's submissions): why it cannot enter the mempool, or null. The envelope signature is
   * ours and is not checked again; the user's proof is. checkOperation then finds it checked.
   */
  admitOwn(op: Uint8Array): RejectReason | null {
    const decoded = decodeRegistryOp(op)
    if (decoded === null) return 'malformed'
    if (!this.#state.isMember(decoded.submitter)) return 'not-a-member'
    return this.#ops.checkOwn(hashKey(op), decoded)
  }

  validateBlock(block: Block): boolean {
    const root = this.#roots.get(block.header.height - 1)
    if (root === undefined || !equalBytes(root, block.header.stateRoot)) return false
    for (const op of block.operations) {
      if (op[0] === OP_MEMBERSHIP) {
        if (decodeMembershipOp(op, this.#limits) === null) return false
        continue
      }
      const decoded = decodeRegistryOp(op)
      if (decoded === null || this.#ops.check(hashKey(op), decoded) !== null) return false
    }
    return true
  }

  /** The last approved change in the block wins; rejected changes have no effect (as KvApp). */
  nextValidatorSet(_height: number, current: ValidatorSet, operations: readonly Uint8Array[]): ValidatorSet {
    let next = current
    for (const op of operations) {
      if (op[0] !== OP_MEMBERSHIP) continue
      next = membershipNextSet(this.#chainId, current, op, this.#limits, this.#verify.verify) ?? next
    }
    return next
  }

  apply(commit: CommitRecord): BatchOp[] {
    if (commit.height !== this.height + 1) {
      throw new RegistryCorrupt(`applying block ${commit.height} after ${this.height}`)
    }
    const height = commit.height
    const ops = commit.block.operations
    if (this.#beforeApply !== undefined) {
      // A failing observer must not stop the chain: the state does not depend on it.
      try {
        this.#beforeApply(commit, this.#state.merkle)
      } catch {}
    }
    const receipts = new BlockReceipts(height, ops.length)
    for (const op of ops) {
      const hash = hashOf(op)
      receipts.add(hash, this.#applyOne(op, hash, commit))
    }
    this.#syncMembers(commit.nextValidators)
    const root = this.#state.merkle.root()
    this.height = height
    this.#roots.set(height, root)
    this.#roots.delete(height - RECENT_ROOTS)
    const writes = this.#state.takeWrites()
    const meta = new Uint8Array(41)
    meta[0] = META_VERSION
    new DataView(meta.buffer).setBigUint64(1, BigInt(height))
    meta.set(root, 9)
    writes.push({ type: 'put', key: 'a/meta', value: meta })
    writes.push({ type: 'put', key: `a/root/${pad(height)}`, value: root })
    writes.push(...this.#receipts.add(receipts.finish()))
    return writes
  }

  #applyOne(op: Uint8Array, hash: Uint8Array, commit: CommitRecord): Outcome {
    if (op[0] === OP_MEMBERSHIP) {
      if (decodeMembershipOp(op, this.#limits) === null) return { reason: 'malformed' }
      const next = membershipNextSet(this.#chainId, commit.validators, op, this.#limits, this.#verify.verify)
      return { reason: next === null ? 'bad-approvals' : null }
    }
    const decoded = decodeRegistryOp(op)
    if (decoded === null) return { reason: 'malformed' }
    const bad = this.#ops.take(hashKey(op, hash), decoded)
    if (bad !== null) return { reason: bad }
    if (!this.#state.isMember(decoded.submitter)) return { reason: 'not-a-member' }
    return applyRegistryOp(this.#state, decoded, {
      height: commit.height,
      clusterId: this.#clusterId,
      issuers: this.#issuers,
    })
  }

  /** Member entries follow the validator set for the next height (membership changes). */
  #syncMembers(next: ValidatorSet): void {
    if (equalBytes(next.hash, this.#memberSetHash)) return
    const keep = new Set(next.validators.map((v) => bin(v.publicKey)))
    for (const m of this.#state.members())
      if (!keep.has(bin(m.publicKey))) this.#state.deleteMember(m.publicKey)
    for (const v of next.validators) {
      const old = this.#state.member(v.publicKey)
      if (old !== undefined && old.weight === v.weight) continue
      const nodeId =
        old?.nodeId ?? this.#nodeIds.get(bin(v.publicKey)) ?? assignedNodeId(this.#clusterId, v.publicKey)
      this.#state.putMember({ publicKey: v.publicKey, weight: v.weight, nodeId })
    }
    this.#memberSetHash = next.hash
  }

  #currentSetHash(): Hash {
    return validatorSetHash(this.#state.members().map((m) => ({ publicKey: m.publicKey, weight: m.weight })))
  }

  // Queries.

  /** The binding of a nick (folded to its canonical form first), if registered. */
  nick(name: string): NickEntry | undefined {
    const nick = normalizeNick(name)
    return nick === null ? undefined : this.#state.nick(nick)
  }

  userByNodeId(id: Uint8Array | string): UserEntry | undefined {
    const bytes = typeof id === 'string' ? parseHex(id) : id
    return bytes === null ? undefined : this.#state.user(bytes)
  }

  /** The user record of a signing key (its `seq` is what the next registration or release carries). */
  userByKey(signingKey: Uint8Array): UserEntry | undefined {
    return this.#state.user(userNodeId(this.#clusterId, signingKey))
  }

  /** The user NodeID a signing key has (or would get) in this cluster. */
  userNodeIdOf(signingKey: Uint8Array): Uint8Array {
    return userNodeId(this.#clusterId, signingKey)
  }

  /** The NodeID of a node's signing key: assigned by the registry, or a member's. */
  nodeIdFor(signingKey: Uint8Array): Uint8Array | undefined {
    const id = assignedNodeId(this.#clusterId, signingKey)
    if (this.#state.node(id) !== undefined) return id
    return this.#state.member(signingKey)?.nodeId
  }

  node(id: Uint8Array): NodeEntry | undefined {
    return this.#state.node(id)
  }

  members(): MemberEntry[] {
    return this.#state.members()
  }

  get nickCount(): number {
    return this.#state.nickCount
  }

  /** The receipt of an operation committed in one of the last heights (sha256 of the op, bytes or hex). */
  receipt(opHash: Uint8Array | string): Receipt | undefined {
    const hash = typeof opHash === 'string' ? parseHex(opHash) : opHash
    return hash === null ? undefined : this.#receipts.recent(hash)
  }

  /** The receipt of an operation committed at `height` (the driver's submit answers it), kept RECEIPT_HEIGHTS heights. */
  async receiptAt(height: number, opHash: Uint8Array | string): Promise<Receipt | undefined> {
    const hash = typeof opHash === 'string' ? parseHex(opHash) : opHash
    return hash === null ? undefined : this.#receipts.at(height, hash)
  }

  /** The Merkle map of the current state, for proofs (proof.ts); read only. */
  get merkle(): MerkleMap {
    return this.#state.merkle
  }

  /** A Merkle proof of a typed registry key (entries.ts) under the current root. */
  prove(name: string): { height: number; root: Hash; key: Hash; proof: MerkleProof } {
    const key = registryKey(name)
    return { height: this.height, root: this.root, key, proof: this.#state.merkle.prove(key) }
  }

  async rootAt(height: number): Promise<Hash | undefined> {
    if (height === 0) return this.#genesisRoot
    const root = this.#roots.get(height) ?? (await this.#store.get(`a/root/${pad(height)}`))
    return root === undefined ? undefined : plain(root)
  }
}

function parseHex(text: string): Uint8Array | null {
  try {
    return fromHex(text, 32)
  } catch {
    return null
  }
}

const hashKey = (op: Uint8Array, hash: Uint8Array = hashOf(op)): string => bin(hash)
