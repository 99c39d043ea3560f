/**
 * Where receipts live. The store keeps each block's receipts (receipts.ts) under `a/r/<h>` for
 * RECEIPT_HEIGHTS heights, written in the commit's batch and deleted by the batch of the height
 * that ages them out, so pruning needs no read. Memory keeps the last heights, up to
 * RECENT_RECEIPT_OPS operations, indexed by op hash: a submitter asks right after its
 * operation commits. Older receipts are found by height (the driver's submit answers it).
 */
import type { BatchOp, Store } from '../../lib/store/index.js'
import { equalBytes } from '../../lib/encoding.js'
import { pad } from '../consensus/driver/records.js'
import { RegistryCorrupt } from './errors.js'
import { type Receipt, receiptAt, receiptCount, receiptHeight, receiptOpHash } from './receipts.js'

/** Heights whose receipts the store keeps (about a day at one block a second). */
export const RECEIPT_HEIGHTS = 100_000
const RECENT_HEIGHTS = 64
const RECENT_RECEIPT_OPS = 65_536
/** Index values pack `height · 2^20 + index` (a 1 MiB block holds fewer than 2^20 operations). */
const SHIFT = 2 ** 20

const bin = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export class ReceiptLog {
  readonly #store: Store
  readonly #blocks = new Map<number, Uint8Array>()
  readonly #index = new Map<string, number>()
  #indexed = 0

  constructor(store: Store) {
    this.#store = store
  }

  /** Keeps a block's receipts and returns the writes that persist them and prune old ones. */
  add(blob: Uint8Array): BatchOp[] {
    const height = receiptHeight(blob)
    this.#remember(blob)
    const writes: BatchOp[] = [{ type: 'put', key: `a/r/${pad(height)}`, value: blob }]
    if (height > RECEIPT_HEIGHTS) writes.push({ type: 'del', key: `a/r/${pad(height - RECEIPT_HEIGHTS)}` })
    return writes
  }

  /** Reads the last heights' receipts back into memory (restart). */
  async load(): Promise<void> {
    this.#blocks.clear()
    this.#index.clear()
    this.#indexed = 0
    const recent: Uint8Array[] = []
    const range = { gte: 'a/r/', lt: 'a/r0', reverse: true, limit: RECENT_HEIGHTS }
    for await (const [, blob] of this.#store.entries(range)) {
      if (receiptCount(blob) < 0) throw new RegistryCorrupt('receipts')
      recent.push(plain(blob))
    }
    for (const blob of recent.reverse()) this.#remember(blob)
  }

  /** The receipt of an operation committed in one of the last heights. */
  recent(opHash: Uint8Array): Receipt | undefined {
    const at = this.#index.get(bin(opHash))
    if (at === undefined) return undefined
    const blob = this.#blocks.get(Math.floor(at / SHIFT))
    return blob === undefined ? undefined : receiptAt(blob, at % SHIFT)
  }

  /** The receipt of an operation committed at `height`, while the store keeps that height's. */
  async at(height: number, opHash: Uint8Array): Promise<Receipt | undefined> {
    const stored = this.#blocks.get(height) ?? (await this.#store.get(`a/r/${pad(height)}`))
    if (stored === undefined) return undefined
    const blob = plain(stored)
    for (let i = receiptCount(blob) - 1; i >= 0; i--) {
      if (equalBytes(receiptOpHash(blob, i), opHash)) return receiptAt(blob, i)
    }
    return undefined
  }

  /** Indexes a block's receipts; forgets the oldest heights beyond the bounds (never the newest). */
  #remember(blob: Uint8Array): void {
    const height = receiptHeight(blob)
    const count = receiptCount(blob)
    this.#blocks.set(height, blob)
    for (let i = 0; i < count && i < SHIFT; i++)
      this.#index.set(bin(receiptOpHash(blob, i)), height * SHIFT + i)
    this.#indexed += count
    for (const [h, old] of this.#blocks) {
      if (this.#blocks.size <= 1) break
      if (this.#blocks.size <= RECENT_HEIGHTS && this.#indexed <= RECENT_RECEIPT_OPS) break
      const n = receiptCount(old)
      for (let i = 0; i < n; i++) {
        const k = bin(receiptOpHash(old, i))
        // A later block may hold the same operation again; its entry stays.
        if (Math.floor((this.#index.get(k) ?? 0) / SHIFT) === h) this.#index.delete(k)
      }
      this.#indexed -= n
      this.#blocks.delete(h)
    }
  }
}
