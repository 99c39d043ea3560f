/**
 * The persistent outbox (seed row 0.0.5): every message is on disk, with the counter that
 * numbered it, before it is reported queued; it stays there until the receiver's cumulative
 * ack covers it. Per-destination sequence numbers start at 1.
 *
 * Sending may start before the message's batch is on disk, overlapping the sender's synced
 * write with the network and the receiver's, within a reservation: each batch also records
 * `reserved = lastSeq + RESERVE`, and only numbers up to the reservation already on disk go
 * out early (the link decides when: at once with few unacked, else once per turn of the
 * event loop, so that a turn's messages share one packed frame). A crash can therefore
 * have spent numbers the disk does not hold (the receiver may even have delivered them), and
 * reusing one would make the receiver drop a new message as a duplicate. So a restart resumes
 * numbering after the reservation and owes the receiver a Skip over the gap (after the last
 * number on disk, up to the reservation): a `g!` record, synced before any new number is used,
 * sent in order after the messages before it, and deleted once acked. While a gap is owed
 * nothing goes out early. A clean close() gives the unused reservation back, so only crashes
 * leave gaps.
 *
 * All messages to one destination that share a group commit are one LevelDB record (a
 * QueuedChunk): LevelDB's per-record cost here (~30 us, whatever the size) would otherwise
 * dominate a batch. A chunk is deleted once every message in it is acked; the highest ack is
 * noted lazily so that a restart does not resend what was already acknowledged.
 *
 * Memory mirrors the disk (loaded at start), so sending never reads LevelDB.
 */
import type { BatchOp, Store } from '../../lib/store/index.js'
import type { GroupCommit } from '../../lib/store/index.js'
import {
  ACKED,
  GAP,
  OUTBOX,
  outboxKey,
  parseOutboxKey,
  readU64,
  readU64Pair,
  SENT_SEQ,
  u64,
  u64Pair,
} from './keys.js'
import { type Mode, QueuedChunk } from './messaging.pb.js'

export interface OutboxEntry {
  seq: bigint
  /** The encoded Message, sent as is on every attempt. */
  message: Uint8Array
  queuedAt: number
  mode: Mode
  /** On disk (see enqueue); before, it may be sent only within the durable reservation. */
  durable: boolean
  chunk: Chunk
}

interface Chunk {
  key: string
  entries: OutboxEntry[]
  /** Entries not yet acked; the record is deleted at 0. */
  remaining: number
}

/** Numbers the receiver is told to skip: (after, upTo]. */
export interface Gap {
  after: bigint
  upTo: bigint
}

interface Destination {
  entries: OutboxEntry[]
  lastSeq: bigint
  acked: bigint
  /** Numbers up to this may be sent before their message is on disk: a synced batch says so. */
  reserved: bigint
  /** The reservation the last batch written carries (close() gives back what is unused). */
  written: bigint
  /** A Skip this destination is owed since a crash; nothing goes out early meanwhile. */
  gap?: Gap
  waiters: Map<bigint, () => void>
}

/** How far ahead of the last number on disk messages may go out before their own batch is. */
export const RESERVE = 1024n

export class Outbox {
  readonly #commit: GroupCommit
  readonly #dests = new Map<string, Destination>()
  /** Chunks filling up for the next group commit, by destination. */
  readonly #open = new Map<string, Chunk>()
  #size = 0

  private constructor(commit: GroupCommit) {
    this.#commit = commit
    commit.onFlush(() => this.#materialize())
  }

  static async open(db: Store, commit: GroupCommit): Promise<Outbox> {
    const box = new Outbox(commit)
    for await (const [key, value] of db.entries({ gte: SENT_SEQ, lt: `${SENT_SEQ}~` })) {
      const d = box.#dest(key.slice(SENT_SEQ.length))
      ;[d.lastSeq, d.written] = readU64Pair(value)
    }
    for await (const [key, value] of db.entries({ gte: GAP, lt: `${GAP}~` })) {
      const [after, upTo] = readU64Pair(value)
      if (upTo > after) box.#dest(key.slice(GAP.length)).gap = { after, upTo }
    }
    for await (const [key, value] of db.entries({ gte: ACKED, lt: `${ACKED}~` })) {
      box.#dest(key.slice(ACKED.length)).acked = readU64(value)
    }
    const spent: BatchOp[] = []
    for await (const [key, value] of db.entries({ gte: OUTBOX, lt: `${OUTBOX}~` })) {
      const { to, seq: first } = parseOutboxKey(key)
      const d = box.#dest(to)
      const chunk: Chunk = { key, entries: [], remaining: 0 }
      QueuedChunk.decode(value).messages.forEach((q, i) => {
        const seq = first + BigInt(i)
        if (seq > d.lastSeq) d.lastSeq = seq
        if (seq <= d.acked) return
        const entry = {
          seq,
          message: q.message,
          queuedAt: Number(q.queuedAt),
          mode: q.mode,
          durable: true,
          chunk,
        }
        chunk.entries.push(entry)
        chunk.remaining++
        d.entries.push(entry)
        box.#size++
      })
      if (chunk.remaining === 0) spent.push({ type: 'del', key })
    }
    const gaps: BatchOp[] = []
    for (const [to, d] of box.#dests) {
      d.entries.sort((a, b) => (a.seq < b.seq ? -1 : 1))
      // Numbers between the last one on disk and the reservation may have been sent: skip them.
      if (d.gap === undefined && d.written > d.lastSeq) {
        d.gap = { after: d.lastSeq, upTo: d.written }
        gaps.push({ type: 'put', key: `${GAP}${to}`, value: u64Pair(d.lastSeq, d.written) })
      }
      const ackedOnDisk = d.acked
      if (d.gap !== undefined && ackedOnDisk >= d.gap.upTo) {
        d.gap = undefined // acked before the crash; only its deletion was lost
        spent.push({ type: 'del', key: `${GAP}${to}` })
      }
      if (d.gap !== undefined && d.lastSeq < d.gap.upTo) d.lastSeq = d.gap.upTo
      d.reserved = d.lastSeq
      // Acked: up to the first message still here; else everything, or up to the gap's start.
      if (d.entries.length > 0) d.acked = d.entries[0].seq - 1n
      else if (d.gap === undefined) d.acked = d.lastSeq
      else if (ackedOnDisk < d.gap.after) d.acked = d.gap.after
    }
    if (spent.length > 0) commit.writeLazy(spent)
    // Before any new number is given: a second crash must still owe the same Skip.
    if (gaps.length > 0) await commit.write(gaps)
    return box
  }

  /** Gives back the unused reservations, so a clean restart owes no Skip. */
  async close(): Promise<void> {
    const ops: BatchOp[] = []
    for (const [to, d] of this.#dests) {
      if (d.written > d.lastSeq) {
        ops.push({ type: 'put', key: `${SENT_SEQ}${to}`, value: u64Pair(d.lastSeq, d.lastSeq) })
        d.written = d.lastSeq
        d.reserved = d.lastSeq
      }
    }
    if (ops.length > 0) await this.#commit.write(ops)
  }

  #dest(to: string): Destination {
    let d = this.#dests.get(to)
    if (d === undefined) {
      d = { entries: [], lastSeq: 0n, acked: 0n, reserved: 0n, written: 0n, waiters: new Map() }
      this.#dests.set(to, d)
    }
    return d
  }

  /** At each group commit: one record per destination with the messages queued since the last. */
  #materialize(): BatchOp[] {
    const ops: BatchOp[] = []
    for (const [to, chunk] of this.#open) {
      const d = this.#dest(to)
      const messages = chunk.entries.map((e) => ({
        message: e.message,
        queuedAt: BigInt(e.queuedAt),
        mode: e.mode,
      }))
      ops.push({ type: 'put', key: chunk.key, value: QueuedChunk.encode({ messages }) })
      const last = chunk.entries[chunk.entries.length - 1].seq
      d.written = last + RESERVE
      ops.push({ type: 'put', key: `${SENT_SEQ}${to}`, value: u64Pair(last, d.written) })
    }
    this.#open.clear()
    return ops
  }

  get size(): number {
    return this.#size
  }

  sizeOf(to: string): number {
    return this.#dests.get(to)?.entries.length ?? 0
  }

  /** Destinations with messages waiting. */
  destinations(): string[] {
    return [...this.#dests].filter(([, d]) => d.entries.length > 0).map(([to]) => to)
  }

  /** The sequence number the next message to `to` gets. */
  nextSeq(to: string): bigint {
    return this.#dest(to).lastSeq + 1n
  }

  /** Highest seq ever given to `to` (an ack above it is a lie). */
  lastSeq(to: string): bigint {
    return this.#dests.get(to)?.lastSeq ?? 0n
  }

  acked(to: string): bigint {
    return this.#dests.get(to)?.acked ?? 0n
  }

  /**
   * Queues message `seq`, which must be nextSeq(to): callers number and enqueue one message
   * to a destination at a time. Resolves once it and its counter are on disk.
   */
  enqueue(to: string, seq: bigint, message: Uint8Array, queuedAt: number, mode: Mode): Promise<void> {
    const d = this.#dest(to)
    if (seq !== d.lastSeq + 1n) throw new RangeError(`outbox: expected seq ${d.lastSeq + 1n}, got ${seq}`)
    d.lastSeq = seq
    let chunk = this.#open.get(to)
    if (chunk === undefined) {
      chunk = { key: outboxKey(to, seq), entries: [], remaining: 0 }
      this.#open.set(to, chunk)
    }
    const entry: OutboxEntry = { seq, message, queuedAt, mode, durable: false, chunk }
    chunk.entries.push(entry)
    chunk.remaining++
    d.entries.push(entry)
    this.#size++
    return this.#commit.write([]).then(() => {
      entry.durable = true
      // That batch recorded lastSeq + RESERVE, lastSeq >= seq.
      if (d.gap === undefined && d.reserved < seq + RESERVE) d.reserved = seq + RESERVE
    })
  }

  /**
   * Entries after `afterSeq` that may be sent, in order: on disk, or within the durable
   * reservation. Stops at the first that may not, and before an owed gap not yet skipped.
   */
  pending(to: string, afterSeq: bigint, limit = 1024): OutboxEntry[] {
    const d = this.#dests.get(to)
    if (d === undefined) return []
    const out: OutboxEntry[] = []
    for (const e of d.entries) {
      if (e.seq <= afterSeq) continue
      if (d.gap !== undefined && afterSeq < d.gap.upTo && e.seq > d.gap.after) break
      const early = d.gap === undefined && e.seq <= d.reserved
      const sendable = e.durable || early
      if (!sendable || out.length >= limit) break
      out.push(e)
    }
    return out
  }

  /** The Skip to send once everything up to its start was sent (`sent` is the last seq sent). */
  gapAt(to: string, sent: bigint): Gap | undefined {
    const gap = this.#dests.get(to)?.gap
    return gap !== undefined && sent >= gap.after && sent < gap.upTo ? gap : undefined
  }

  /**
   * Applies a cumulative ack: drops every entry with seq <= `seq` and wakes their waiters.
   * Deleting spent chunks and noting the ack are not synced (they ride the next synced
   * batch): losing them in a crash only means a resend the receiver recognises as a
   * duplicate. Returns how many entries were dropped.
   */
  ack(to: string, seq: bigint): number {
    const d = this.#dests.get(to)
    if (d === undefined || seq <= d.acked) return 0
    d.acked = seq
    let n = 0
    while (n < d.entries.length && d.entries[n].seq <= seq) n++
    const dropped = d.entries.splice(0, n)
    this.#size -= n
    const ops: BatchOp[] = [{ type: 'put', key: `${ACKED}${to}`, value: u64(seq) }]
    for (const e of dropped) if (--e.chunk.remaining === 0) ops.push({ type: 'del', key: e.chunk.key })
    if (d.gap !== undefined && seq >= d.gap.upTo) {
      d.gap = undefined
      ops.push({ type: 'del', key: `${GAP}${to}` })
    }
    this.#commit.writeLazy(ops)
    for (const [s, wake] of d.waiters) {
      if (s <= seq) {
        d.waiters.delete(s)
        wake()
      }
    }
    return n
  }

  /** Resolves when `seq` to `to` is acknowledged; never rejects (callers race it with a timeout). */
  whenAcked(to: string, seq: bigint): Promise<void> {
    const d = this.#dest(to)
    if (seq <= d.acked) return Promise.resolve()
    return new Promise((resolve) => d.waiters.set(seq, resolve))
  }
}
