/**
 * The chain on disk (one key space, so a commit is one atomic batch with the application's
 * writes): committed blocks and their certificates by height, the validator set in force from
 * each height where it changed, the tip, and the core's persisted records of the height being
 * decided. `load()` rebuilds what `createCore(config, tip, records)` needs after a restart.
 *
 * Keys: `g` chain id, `t` last committed height, `b/<h>` block, `c/<h>` certificate,
 * `v/<h>` set from height h on, `r/<h>/...` records (records.ts), `a/...` the application.
 */
import { sha256 } from '../../../lib/crypto.js'
import { equalBytes } from '../../../lib/encoding.js'
import type { BatchOp, Store } from '../../../lib/store/index.js'
import { decodeBlock, decodeCertificate, decodeHeader, HEADER_LENGTH } from '../codec.js'
import { type ChainTip, genesisTip } from '../state.js'
import type { CommitRecord, Limits, PersistRecord, ValidatorSet } from '../types.js'
import { decodeValidatorSet, encodeValidatorSet } from '../validators.js'
import type { ValidatorSetChange } from '../verify.js'
import type { CommittedBlock } from './bft.pb.js'
import { ChainMismatch, CorruptStore } from './errors.js'
import { decodeRecord, encodeRecord, pad, recordKey } from './records.js'

const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}
const readU64 = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0))

export interface Loaded {
  tip: ChainTip
  records: PersistRecord[]
}

export class ChainStore {
  readonly #store: Store
  readonly #limits: Limits
  /** Record keys written per height, deleted when that height is committed. */
  readonly #recordKeys = new Map<number, Set<string>>()
  /** Last committed height (0: none). */
  height = 0
  /** Makes writes still pending in the caller's group commit visible to the reads below. */
  beforeRead: () => Promise<void> = async () => {}

  constructor(store: Store, limits: Limits) {
    this.#store = store
    this.#limits = limits
  }

  async load(chainId: Uint8Array, genesis: ValidatorSet): Promise<Loaded> {
    const saved = await this.#store.get('g')
    if (saved === undefined) {
      await this.#store.batch(
        [
          { type: 'put', key: 'g', value: chainId },
          { type: 'put', key: `v/${pad(1)}`, value: encodeValidatorSet(genesis) },
        ],
        { sync: true },
      )
    } else if (!equalBytes(saved, chainId)) {
      throw new ChainMismatch()
    }
    const t = await this.#store.get('t')
    this.height = t === undefined ? 0 : readU64(t)
    const tip = this.height === 0 ? genesisTip(genesis) : await this.#tipAfter(this.height)
    const records: PersistRecord[] = []
    const stale: BatchOp[] = []
    for await (const [key, value] of this.#store.entries({ gte: 'r/', lt: 'r0' })) {
      const r = decodeRecord(value)
      if (r === null || r.height !== tip.height) {
        // Records of decided heights are no longer needed (a crash between commit and cleanup).
        if (r === null || r.height < tip.height) stale.push({ type: 'del', key })
        continue
      }
      records.push(r)
      this.#noteKey(r.height, key)
    }
    if (stale.length > 0) await this.#store.batch(stale, { sync: true })
    return { tip, records }
  }

  async #tipAfter(height: number): Promise<ChainTip> {
    const block = await this.#need(`b/${pad(height)}`)
    const cert = decodeCertificate(await this.#need(`c/${pad(height)}`), this.#limits)
    if (!cert.ok) throw new CorruptStore(`certificate ${height}: ${cert.error}`)
    return {
      height: height + 1,
      validators: await this.setAt(height + 1),
      lastValidators: await this.setAt(height),
      lastBlockHash: sha256(block.subarray(0, HEADER_LENGTH)),
      lastCertificate: cert.value,
    }
  }

  async #need(key: string): Promise<Uint8Array> {
    const v = await this.#store.get(key)
    if (v === undefined) throw new CorruptStore(`missing ${key}`)
    return v
  }

  /** The validator set deciding `height`. */
  async setAt(height: number): Promise<ValidatorSet> {
    await this.beforeRead()
    for await (const [, value] of this.#store.entries({
      gte: 'v/',
      lte: `v/${pad(height)}`,
      reverse: true,
      limit: 1,
    })) {
      const d = decodeValidatorSet(value, this.#limits)
      if (!d.ok) throw new CorruptStore(`validator set: ${d.error}`)
      return d.value
    }
    throw new CorruptStore(`no validator set for height ${height}`)
  }

  #noteKey(height: number, key: string): void {
    const keys = this.#recordKeys.get(height) ?? new Set<string>()
    this.#recordKeys.set(height, keys)
    keys.add(key)
  }

  /** The write that makes a core record durable. */
  persistOps(r: PersistRecord): BatchOp[] {
    const key = recordKey(r)
    this.#noteKey(r.height, key)
    return [{ type: 'put', key, value: encodeRecord(r) }]
  }

  /** Block, certificate, tip, a set change if any, and deletion of the height's records. */
  commitOps(c: CommitRecord): BatchOp[] {
    const h = pad(c.height)
    const ops: BatchOp[] = [
      { type: 'put', key: `b/${h}`, value: c.blockBytes },
      { type: 'put', key: `c/${h}`, value: c.certificateBytes },
      { type: 'put', key: 't', value: u64(c.height) },
    ]
    if (!equalBytes(c.validators.hash, c.nextValidators.hash)) {
      ops.push({ type: 'put', key: `v/${pad(c.height + 1)}`, value: encodeValidatorSet(c.nextValidators) })
    }
    for (const [height, keys] of this.#recordKeys) {
      if (height > c.height) continue
      for (const key of keys) ops.push({ type: 'del', key })
      this.#recordKeys.delete(height)
    }
    this.height = c.height
    return ops
  }

  /** Committed blocks from `from` on, at most `count` and (after the first) `maxBytes` in all. */
  async blocks(from: number, count: number, maxBytes: number): Promise<CommittedBlock[]> {
    await this.beforeRead()
    return this.#blocks(from, count, maxBytes)
  }

  async #blocks(from: number, count: number, maxBytes: number): Promise<CommittedBlock[]> {
    const out: CommittedBlock[] = []
    let bytes = 0
    for (let h = from; h < from + count && h <= this.height; h++) {
      const block = await this.#store.get(`b/${pad(h)}`)
      const certificate = await this.#store.get(`c/${pad(h)}`)
      if (block === undefined || certificate === undefined) break
      bytes += block.length + certificate.length
      if (out.length > 0 && bytes > maxBytes) break
      out.push({ block, certificate })
    }
    return out
  }

  /**
   * Every membership change so far, as a light client consumes them (verifyCertificateChain):
   * the certified header of each block whose operations changed the set, and the next set.
   */
  async changes(): Promise<ValidatorSetChange[]> {
    await this.beforeRead()
    const out: ValidatorSetChange[] = []
    for await (const [key, value] of this.#store.entries({ gt: `v/${pad(1)}`, lt: 'v0' })) {
      const height = Number(key.slice(2)) - 1
      const [b] = await this.#blocks(height, 1, Number.MAX_SAFE_INTEGER)
      const next = decodeValidatorSet(value, this.#limits)
      if (b === undefined || !next.ok) throw new CorruptStore(`set change ${height}`)
      const header = decodeHeader(b.block.subarray(0, HEADER_LENGTH))
      const certificate = decodeCertificate(b.certificate, this.#limits)
      if (!header.ok || !certificate.ok) throw new CorruptStore(`set change ${height}`)
      out.push({ header: header.value, certificate: certificate.value, nextValidators: next.value })
    }
    return out
  }

  /** A committed block and its certificate, decoded, for status and tests. */
  async committed(height: number) {
    const [b] = await this.blocks(height, 1, Number.MAX_SAFE_INTEGER)
    if (b === undefined) return undefined
    const block = decodeBlock(b.block, this.#limits)
    if (!block.ok) return undefined
    return {
      block: block.value.block,
      blockHash: sha256(block.value.headerBytes),
      certificate: b.certificate,
    }
  }
}
