/**
 * The persistent outbox (seed row 0.0.5): every message is on disk, with the counter that
 * numbered it, before it is sent or reported queued; it stays there until the receiver's
 * cumulative ack covers it. Per-destination sequence numbers start at 1 and have no gaps.
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
import { ACKED, OUTBOX, outboxKey, parseOutboxKey, readU64, SENT_SEQ, u64 } from './keys.js'
import { type Mode, QueuedChunk } from './messaging.pb.js'

export interface OutboxEntry {
  seq: bigint
  /** The encoded Message, sent as is on every attempt. */
  message: Uint8Array
  queuedAt: number
  mode: Mode
  /** On disk: only durable entries are sent (see enqueue). */
  durable: boolean
  chunk: Chunk
}

interface Chunk {
  key: string
  entries: OutboxEntry[]
  /** Entries not yet acked; the record is deleted at 0. */
  remaining: number
}

interface Destination {
  entries: OutboxEntry[]
  lastSeq: bigint
  acked: bigint
  waiters: Map<bigint, () => void>
}

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
      box.#dest(key.slice(SENT_SEQ.length)).lastSeq = readU64(value)
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
    for (const d of box.#dests.values()) {
      d.entries.sort((a, b) => (a.seq < b.seq ? -1 : 1))
      d.acked = d.entries.length > 0 ? d.entries[0].seq - 1n : d.lastSeq
    }
    if (spent.length > 0) commit.writeLazy(spent)
    return box
  }

  #dest(to: string): Destination {
    let d = this.#dests.get(to)
    if (d === undefined) {
      d = { entries: [], lastSeq: 0n, acked: 0n, waiters: new Map() }
      this.#dests.set(to, d)
    }
    return d
  }

  /** At each group commit: one record per destination with the messages queued since the last. */
  #materialize(): BatchOp[] {
    const ops: BatchOp[] = []
    for (const [to, chunk] of this.#open) {
      const messages = chunk.entries.map((e) => ({
        message: e.message,
        queuedAt: BigInt(e.queuedAt),
        mode: e.mode,
      }))
      ops.push({ type: 'put', key: chunk.key, value: QueuedChunk.encode({ messages }) })
      ops.push({
        type: 'put',
        key: `${SENT_SEQ}${to}`,
        value: u64(chunk.entries[chunk.entries.length - 1].seq),
      })
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
    })
  }

  /** Durable entries after `afterSeq`, in order, stopping at the first one not yet on disk. */
  pending(to: string, afterSeq: bigint, limit = 1024): OutboxEntry[] {
    const d = this.#dests.get(to)
    if (d === undefined) return []
    const out: OutboxEntry[] = []
    for (const e of d.entries) {
      if (e.seq <= afterSeq) continue
      if (!e.durable || out.length >= limit) break
      out.push(e)
    }
    return out
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
