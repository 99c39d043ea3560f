/**
 * Kept kinds: at-least-once hand-off of received messages to a local consumer (the XMPP
 * component). A message of a kept kind is written as a record (kept-record.ts) in the same
 * synced batch as the high-water mark that admits it, so what the sender sees acked is on the
 * receiver's disk; the record is deleted once the consumer's callback for it resolves.
 *
 * A consumer is called in arrival order for up to `window` records at once, without waiting
 * for earlier calls to resolve (it pipelines them onto a stream and resolves them as its
 * server confirms). A rejection stops the issuing; after a backoff every unresolved record is
 * issued again, oldest first. A crash between a callback resolving and its delete reaching the
 * disk, or while calls are outstanding, hands those records over again after the restart.
 * A consumer in step gets a new record while its batch is still on the way to disk (prepare).
 *
 * Memory holds a prefix of the pending records (at most about KEPT_BUFFER_BYTES of payload
 * beyond a window); the rest stays on disk and is read back a page at a time.
 */
import { backoffDelay } from '../../lib/backoff.js'
import { toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import type { BatchOp, GroupCommit, Store } from '../../lib/store/index.js'
import {
  KEPT_BUFFER_BYTES,
  KEPT_MAX_PENDING,
  KEPT_RETRY_BASE_MS,
  KEPT_RETRY_MAX_MS,
  KEPT_WINDOW,
} from './constants.js'
import { ConsumerBusyError, NotKeptError } from './errors.js'
import { keptKey, keptRange, parseKeptKey } from './keys.js'
import { decodeKept, encodeKept, type KeptMessage } from './kept-record.js'

export type { KeptMessage } from './kept-record.js'

export interface ConsumeOptions {
  /** Callbacks outstanding at once (default 256). */
  window?: number
}

export interface KeptOptions {
  log: Logger
  /** Records one kind may hold undelivered; past it, messages of the kind are refused BUSY. */
  maxPending?: number
  retryBaseMs?: number
  retryMaxMs?: number
  bufferBytes?: number
}

/** What admitting a kept message adds to its batch, and what to call once the batch is on disk. */
export interface KeptWrite {
  ops: BatchOp[]
  durable(): void
}

/** Kinds are key parts (`k!<kind>!<n>`): no `!`, nothing that sorts at or after `~`. */
const KIND = /^[A-Za-z0-9._:/+-]{1,64}$/

interface Rec {
  arrival: bigint
  key: string
  message: KeptMessage
  state: 'ready' | 'issued' | 'done'
  /** Its batch is on disk (records read back from disk are). */
  onDisk: boolean
  /** Handed to the consumer before its batch reached the disk (prepare). */
  early: boolean
}

interface Consumer {
  fn: (m: KeptMessage) => Promise<void>
  window: number
  /** Records of `recs` issued and not resolved: always its first `outstanding` entries. */
  outstanding: number
  /** Bumped by a rejection: calls of earlier generations no longer steer the retries. */
  gen: number
  attempt: number
  paused: boolean
  timer?: NodeJS.Timeout
}

interface Kind {
  name: string
  /** Highest arrival number given out. */
  last: bigint
  /** Highest arrival number known to be on disk. */
  durable: bigint
  /** Every record up to this arrival number is in `recs` or resolved; later ones are on disk only. */
  loaded: bigint
  /** Loaded, unresolved records in arrival order: the issued ones, then the ready ones. */
  recs: Rec[]
  bytes: number
  /** Records on disk not yet resolved. */
  pending: number
  reading: boolean
  consumer?: Consumer
}

export class KeptStore {
  readonly #db: Store
  readonly #commit: GroupCommit
  readonly #log: Logger
  readonly #kinds = new Map<string, Kind>()
  readonly #retryBaseMs: number
  readonly #retryMaxMs: number
  readonly #bufferBytes: number
  readonly #maxPending: number

  private constructor(db: Store, commit: GroupCommit, opts: KeptOptions) {
    this.#db = db
    this.#commit = commit
    this.#log = opts.log
    this.#retryBaseMs = opts.retryBaseMs ?? KEPT_RETRY_BASE_MS
    this.#retryMaxMs = opts.retryMaxMs ?? KEPT_RETRY_MAX_MS
    this.#bufferBytes = opts.bufferBytes ?? KEPT_BUFFER_BYTES
    this.#maxPending = opts.maxPending ?? KEPT_MAX_PENDING
  }

  /** Whether a kind holds as many undelivered records as it may (its consumer is behind or absent). */
  full(kind: string): boolean {
    const k = this.#kinds.get(kind)
    // Records admitted but not on disk yet count too (last - durable): a burst in one batch.
    return k !== undefined && k.pending + Number(k.last - k.durable) >= this.#maxPending
  }

  /** Counts each kind's pending records, loads the first of them and resumes the arrival counter. */
  static async open(db: Store, commit: GroupCommit, kinds: string[], opts: KeptOptions): Promise<KeptStore> {
    const kept = new KeptStore(db, commit, opts)
    for (const name of new Set(kinds)) {
      if (!KIND.test(name)) throw new TypeError(`a kept kind is 1-64 of [A-Za-z0-9._:/+-]: ${name}`)
      const k: Kind = {
        name,
        last: 0n,
        durable: 0n,
        loaded: 0n,
        recs: [],
        bytes: 0,
        pending: 0,
        reading: false,
      }
      let loading = true
      for await (const [key, value] of db.entries(keptRange(name))) {
        const arrival = parseKeptKey(key).arrival
        k.last = arrival
        if (loading && k.bytes < kept.#bufferBytes) {
          k.loaded = arrival
          const rec = kept.#decode(k, key, arrival, value)
          if (rec !== undefined) {
            k.pending++
            kept.#append(k, rec)
          }
          continue
        }
        loading = false
        k.pending++
      }
      k.durable = k.last
      kept.#kinds.set(name, k)
    }
    return kept
  }

  isKept(kind: string): boolean {
    return this.#kinds.has(kind)
  }

  #kind(kind: string): Kind {
    const k = this.#kinds.get(kind)
    if (k === undefined) throw new NotKeptError(kind)
    return k
  }

  /**
   * The record of a message about to be admitted: its put goes into the admitting batch, and
   * `durable` must be called once that batch is on disk, in the order prepare was called
   * (admissions resolve in batch order, so the inbound path does this naturally). The caller
   * must queue `ops` in the same synchronous run as this call.
   *
   * When a consumer is attached and has every earlier record in hand, the record goes to it
   * at once, while its batch is still on the way to the disk (an fsync saved on the path to
   * the user). Safe for at-least-once: the sender is acknowledged only once the batch is on
   * disk, so a crash before then makes it send again (a duplicate, never a loss); a consumer
   * that resolves first has its delete follow the put (one ordered group commit).
   */
  prepare(kind: string, from: Uint8Array, seq: bigint, sentAt: number, payload: Uint8Array): KeptWrite {
    const k = this.#kind(kind)
    const arrival = ++k.last
    const key = keptKey(kind, arrival)
    const value = encodeKept(from, seq, sentAt, payload)
    const message = { from: toHex(from), seq, sentAt, payload }
    const rec: Rec = { arrival, key, message, state: 'ready', onDisk: false, early: false }
    if (k.consumer !== undefined && k.loaded === arrival - 1n && k.bytes < this.#bufferBytes) {
      rec.early = true
      this.#append(k, rec)
      k.loaded = arrival
      // After the caller has queued the put: a delete must never go ahead of it.
      queueMicrotask(() => this.#pump(k))
    }
    return {
      ops: [{ type: 'put', key, value }],
      durable: () => this.#durable(k, rec),
    }
  }

  #durable(k: Kind, rec: Rec): void {
    rec.onDisk = true
    // A record resolved before its batch landed left the count already (see #resolved).
    if (rec.state !== 'done') k.pending++
    if (rec.early) {
      if (rec.arrival > k.durable) k.durable = rec.arrival
      this.#pump(k)
      return
    }
    if (rec.arrival <= k.durable) {
      // Out of order (not expected: batches resolve in order). Keep it loaded, among the
      // ready records, or leave it to the disk reads if those have not passed it yet.
      if (rec.arrival <= k.loaded) {
        let i = k.recs.length
        while (i > (k.consumer?.outstanding ?? 0) && k.recs[i - 1].arrival > rec.arrival) i--
        k.recs.splice(i, 0, rec)
        k.bytes += rec.message.payload.length
      }
    } else {
      const caughtUp = k.loaded === k.durable
      k.durable = rec.arrival
      if (caughtUp && k.bytes < this.#bufferBytes) {
        this.#append(k, rec)
        k.loaded = rec.arrival
      }
    }
    this.#pump(k)
  }

  #append(k: Kind, rec: Rec): void {
    k.recs.push(rec)
    k.bytes += rec.message.payload.length
  }

  /** Decodes a record read from disk; one that does not decode is logged and dropped. */
  #decode(k: Kind, key: string, arrival: bigint, value: Uint8Array): Rec | undefined {
    try {
      const message = decodeKept(value)
      return { arrival, key, message, state: 'ready', onDisk: true, early: false }
    } catch (err) {
      this.#log.error(
        { kind: k.name, key, err: (err as Error).message },
        'dropping an unreadable kept record',
      )
      this.#commit.write([{ type: 'del', key }], false).catch(() => {})
      return undefined
    }
  }

  consume(kind: string, fn: (m: KeptMessage) => Promise<void>, opts: ConsumeOptions = {}): () => void {
    const k = this.#kind(kind)
    if (k.consumer !== undefined) throw new ConsumerBusyError(kind)
    const window = opts.window ?? KEPT_WINDOW
    if (!Number.isInteger(window) || window < 1) throw new RangeError('window must be a positive integer')
    const c: Consumer = { fn, window, outstanding: 0, gen: 0, attempt: 0, paused: false }
    k.consumer = c
    // Not from inside consume(): the caller gets its stop function before the first call.
    queueMicrotask(() => this.#pump(k))
    return () => this.#detach(k, c)
  }

  #detach(k: Kind, c: Consumer): void {
    if (k.consumer !== c) return
    clearTimeout(c.timer)
    c.paused = true
    k.consumer = undefined
    // Calls still outstanding may resolve (and delete) later; the next consumer starts over.
    for (const rec of k.recs) rec.state = 'ready'
  }

  /** Issues ready records, in order, while the window has room. */
  #pump(k: Kind): void {
    for (;;) {
      const c = k.consumer
      if (c === undefined || c.paused || c.outstanding >= c.window) return
      const rec = k.recs[c.outstanding]
      if (rec === undefined) {
        if (k.loaded < k.durable) void this.#read(k)
        return
      }
      this.#issue(k, c, rec)
    }
  }

  #issue(k: Kind, c: Consumer, rec: Rec): void {
    rec.state = 'issued'
    c.outstanding++
    const gen = c.gen
    let call: Promise<void>
    try {
      call = Promise.resolve(c.fn(rec.message))
    } catch (err) {
      call = Promise.reject(err)
    }
    call.then(
      () => this.#resolved(k, rec, c, gen),
      (err: unknown) => this.#rejected(k, rec, c, gen, err),
    )
  }

  #resolved(k: Kind, rec: Rec, c: Consumer, gen: number): void {
    if (rec.state === 'done') return
    // An issued record always counts in the current consumer's window (detach resets them).
    if (rec.state === 'issued' && k.consumer !== undefined) k.consumer.outstanding--
    rec.state = 'done'
    k.recs.splice(k.recs.indexOf(rec), 1)
    k.bytes -= rec.message.payload.length
    if (rec.onDisk) k.pending--
    // Not synced: a delete lost in a crash only hands the record over again.
    this.#commit.write([{ type: 'del', key: rec.key }], false).catch((err: Error) => {
      this.#log.warn({ kind: k.name, err: err.message }, 'could not delete a consumed kept record')
    })
    if (k.consumer === c && gen === c.gen) c.attempt = 0
    this.#pump(k)
  }

  #rejected(k: Kind, rec: Rec, c: Consumer, gen: number, err: unknown): void {
    if (rec.state === 'done' || k.consumer !== c || gen !== c.gen) return
    c.gen++
    c.paused = true
    const delay = backoffDelay(c.attempt++, this.#retryBaseMs, this.#retryMaxMs)
    this.#log.warn(
      { kind: k.name, err: (err as Error)?.message ?? String(err), retryInMs: delay, pending: k.pending },
      'the consumer of kept messages failed; retrying from the oldest unresolved',
    )
    c.timer = setTimeout(() => {
      c.timer = undefined
      if (k.consumer !== c) return
      for (const r of k.recs) r.state = 'ready'
      c.outstanding = 0
      c.paused = false
      this.#pump(k)
    }, delay)
    c.timer.unref?.()
  }

  /** Reads the next page of records that are on disk only. One read at a time per kind. */
  async #read(k: Kind): Promise<void> {
    if (k.reading) return
    k.reading = true
    const upTo = k.durable
    const limit = k.consumer?.window ?? KEPT_WINDOW
    let failed = false
    try {
      let n = 0
      let last = k.loaded
      const range = { gt: keptKey(k.name, k.loaded), lte: keptKey(k.name, upTo), limit }
      for await (const [key, value] of this.#db.entries(range)) {
        n++
        last = parseKeptKey(key).arrival
        // Counted as pending when it became durable (or at open); an unreadable one is dropped.
        const rec = this.#decode(k, key, last, value)
        if (rec !== undefined) this.#append(k, rec)
        else k.pending--
      }
      k.loaded = n < limit ? upTo : last
    } catch (err) {
      failed = true
      this.#log.error({ kind: k.name, err: (err as Error).message }, 'could not read kept records')
    } finally {
      k.reading = false
    }
    if (!failed) this.#pump(k)
    else setTimeout(() => this.#pump(k), this.#retryBaseMs).unref?.()
  }

  /** Pending records by kind. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.#kinds.values()].map((k) => [k.name, k.pending]))
  }

  /** Detaches every consumer (outstanding calls may still resolve and delete). */
  stop(): void {
    for (const k of this.#kinds.values()) if (k.consumer !== undefined) this.#detach(k, k.consumer)
  }
}
