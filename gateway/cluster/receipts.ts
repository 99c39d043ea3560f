/**
 * Receipts: what became of each committed operation, so its submitter can learn whether it
 * was accepted and, if not, why. Receipts are derived from the chain (any member computes the
 * same ones) but are not registry state: they are outside the Merkle root and are pruned.
 *
 * One record per operation of a block, in block order, fixed size so the i-th is at 66·i:
 *   opHash (32, sha256 of the op) || u8 code || u8 hasId || id (32; zero when hasId = 0)
 * A block's receipts: `u8 version (1) || u64 height || u32 count || records`.
 * `code` 0 is accepted; the others are REJECT_REASONS[code - 1]. `id` is the user NodeID of a
 * nick registration or release, the NodeID of a node ID assignment.
 */
import { Malformed, Reader, Writer } from '../consensus/bytes.js'

/** Why an operation was committed as rejected (docs/protocols/cluster-registry.md). */
export const REJECT_REASONS = [
  'malformed',
  'bad-signature',
  'not-a-member',
  'bad-user-signature',
  'bad-nick',
  'unknown-home',
  'stale-sequence',
  'nick-taken',
  'key-in-use',
  'unknown-nick',
  'not-owner',
  'node-keys-differ',
  'bad-approvals',
  'bad-certificate',
  'node-id-taken',
] as const

export type RejectReason = (typeof REJECT_REASONS)[number]

export interface Outcome {
  reason: RejectReason | null
  id?: Uint8Array
}

export interface Receipt {
  opHash: Uint8Array
  height: number
  /** Position of the operation in its block. */
  index: number
  accepted: boolean
  reason: RejectReason | null
  /** User NodeID (nick registration, release) or NodeID (assignment); null otherwise. */
  id: Uint8Array | null
}

const VERSION = 1
export const RECORD_BYTES = 66
const HEAD = 13
const ZERO_ID = new Uint8Array(32)

export class BlockReceipts {
  readonly #w: Writer
  readonly #capacity: number
  #count = 0

  /** `count`: the number of operations in the block (each gets exactly one record). */
  constructor(height: number, count: number) {
    this.#capacity = count
    this.#w = new Writer(HEAD + RECORD_BYTES * count)
    this.#w.u8(VERSION).u64(height).u32(count)
  }

  add(opHash: Uint8Array, outcome: Outcome): void {
    const code = outcome.reason === null ? 0 : REJECT_REASONS.indexOf(outcome.reason) + 1
    const id = outcome.id ?? null
    this.#w
      .raw(opHash)
      .u8(code)
      .u8(id === null ? 0 : 1)
      .raw(id ?? ZERO_ID)
    this.#count++
  }

  finish(): Uint8Array {
    if (this.#count !== this.#capacity) throw new RangeError('receipt count differs from the block')
    return this.#w.finish()
  }
}

/** Number of records in a block's receipts, or -1 if the encoding is damaged. */
export function receiptCount(blob: Uint8Array): number {
  try {
    const r = new Reader(blob)
    if (r.u8() !== VERSION) return -1
    r.u64()
    const count = r.u32()
    if (r.remaining !== count * RECORD_BYTES) throw new Malformed('receipt length')
    return count
  } catch {
    return -1
  }
}

export function receiptHeight(blob: Uint8Array): number {
  return new Reader(blob.subarray(1, 9)).u64()
}

/** The i-th record's op hash (a view into `blob`). */
export function receiptOpHash(blob: Uint8Array, index: number): Uint8Array {
  const at = HEAD + RECORD_BYTES * index
  return blob.subarray(at, at + 32)
}

export function receiptAt(blob: Uint8Array, index: number): Receipt | undefined {
  if (index < 0 || index >= receiptCount(blob)) return undefined
  const at = HEAD + RECORD_BYTES * index
  const code = blob[at + 32]
  const reason = code === 0 ? null : (REJECT_REASONS[code - 1] ?? 'malformed')
  return {
    opHash: blob.slice(at, at + 32),
    height: receiptHeight(blob),
    index,
    accepted: code === 0,
    reason,
    id: blob[at + 33] === 1 ? blob.slice(at + 34, at + 66) : null,
  }
}
