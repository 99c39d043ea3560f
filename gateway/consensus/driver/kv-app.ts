/**
 * A deterministic key-value and log application for tests, the benchmark and the validator
 * command. Operations (opaque to consensus) are:
 *   `0x01 || u16 keyLength || key || value`  put (key 1..256 bytes)
 *   `0x02 || ...`                             a membership change (membership.ts)
 *   anything else                             an opaque log entry (kept in its block only)
 * The state root after block h is `sha256(tag || root(h-1) || u64 h || operationsHash(h))`, a
 * hash chain over every applied operation in order: equal roots mean equal logs, hence equal
 * key-value states. Keys live under `a/k/`, roots under `a/root/`.
 */
import { sha256, verifySignature } from '../../../lib/crypto.js'
import { equalBytes, toHex } from '../../../lib/encoding.js'
import type { BatchOp, Store } from '../../../lib/store/index.js'
import {
  type Block,
  type CommitRecord,
  DEFAULT_LIMITS,
  type Hash,
  type Limits,
  type ValidatorSet,
} from '../types.js'
import type { VerifyFn } from '../verify.js'
import type { StateMachine } from './app.js'
import { CorruptStore } from './errors.js'
import { decodeMembershipOp, membershipNextSet, OP_MEMBERSHIP } from './membership.js'
import { pad } from './records.js'

export const OP_PUT = 0x01
export const MAX_KEY_BYTES = 256
const ROOT_TAG = new TextEncoder().encode('xlattice/kv/root/v1')
const RECENT_ROOTS = 64

export function putOp(key: Uint8Array, value: Uint8Array): Uint8Array {
  const op = new Uint8Array(3 + key.length + value.length)
  op[0] = OP_PUT
  new DataView(op.buffer).setUint16(1, key.length)
  op.set(key, 3)
  op.set(value, 3 + key.length)
  return op
}

export function decodePut(op: Uint8Array): { key: Uint8Array; value: Uint8Array } | null {
  if (op[0] !== OP_PUT || op.length < 3) return null
  const length = (op[1] << 8) | op[2]
  if (length < 1 || length > MAX_KEY_BYTES || op.length < 3 + length) return null
  return { key: op.subarray(3, 3 + length), value: op.subarray(3 + length) }
}

export interface KvAppOptions {
  chainId: Uint8Array
  limits?: Limits
  verify?: VerifyFn
}

export class KvApp implements StateMachine {
  readonly #store: Store
  readonly #chainId: Uint8Array
  readonly #limits: Limits
  readonly #verify: VerifyFn
  readonly #roots = new Map<number, Hash>()
  height = 0

  /** `store` is the driver's key space: the app writes under `a/` in the commit's batch. */
  constructor(store: Store, opts: KvAppOptions) {
    this.#store = store
    this.#chainId = opts.chainId
    this.#limits = opts.limits ?? DEFAULT_LIMITS
    this.#verify = opts.verify ?? verifySignature
    this.#roots.set(0, sha256(ROOT_TAG, opts.chainId))
  }

  async load(): Promise<void> {
    const meta = await this.#store.get('a/meta')
    if (meta === undefined) return
    if (meta.length !== 40) throw new CorruptStore('application meta')
    this.height = Number(new DataView(meta.buffer, meta.byteOffset, 8).getBigUint64(0))
    this.#roots.set(this.height, meta.slice(8))
  }

  stateRoot(height: number): Hash {
    const root = this.#roots.get(height)
    if (root === undefined) throw new RangeError(`state root of height ${height} is not at hand`)
    return root
  }

  get root(): Hash {
    return this.stateRoot(this.height)
  }

  checkOperation(op: Uint8Array): boolean {
    if (op.length === 0) return false
    if (op[0] === OP_PUT) return decodePut(op) !== null
    if (op[0] === OP_MEMBERSHIP) return decodeMembershipOp(op, this.#limits) !== null
    return true
  }

  validateBlock(block: Block): boolean {
    const root = this.#roots.get(block.header.height - 1)
    return (
      root !== undefined &&
      equalBytes(root, block.header.stateRoot) &&
      block.operations.every((op) => this.checkOperation(op))
    )
  }

  /** The last approved change in the block wins; rejected changes have no effect. */
  nextValidatorSet(_height: number, current: ValidatorSet, operations: readonly Uint8Array[]): ValidatorSet {
    let next = current
    for (const op of operations) {
      if (op[0] !== OP_MEMBERSHIP) continue
      next = membershipNextSet(this.#chainId, current, op, this.#limits, this.#verify) ?? next
    }
    return next
  }

  apply(commit: CommitRecord): BatchOp[] {
    if (commit.height !== this.height + 1) {
      throw new CorruptStore(`applying block ${commit.height} after ${this.height}`)
    }
    const ops: BatchOp[] = []
    for (const op of commit.block.operations) {
      const put = decodePut(op)
      if (put !== null) ops.push({ type: 'put', key: `a/k/${toHex(put.key)}`, value: put.value })
    }
    const h = new Uint8Array(8)
    new DataView(h.buffer).setBigUint64(0, BigInt(commit.height))
    const root = sha256(ROOT_TAG, this.root, h, commit.block.header.operationsHash)
    this.height = commit.height
    this.#roots.set(commit.height, root)
    this.#roots.delete(commit.height - RECENT_ROOTS)
    const meta = new Uint8Array(40)
    meta.set(h, 0)
    meta.set(root, 8)
    ops.push({ type: 'put', key: 'a/meta', value: meta })
    ops.push({ type: 'put', key: `a/root/${pad(commit.height)}`, value: root })
    return ops
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#store.get(`a/k/${toHex(key)}`)
  }

  async rootAt(height: number): Promise<Hash | undefined> {
    if (height === 0) return this.#roots.get(0)
    return this.#store.get(`a/root/${pad(height)}`)
  }
}
