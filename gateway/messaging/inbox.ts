/**
 * Per-sender delivery state (seed row 0.0.5): the highest sequence number delivered from each
 * NodeID, persisted (synced) before the ack goes out, so each (from, seq) is delivered at most
 * once across restarts of either side. Delivery is in order: seq must be exactly one more
 * than the last one; a lower one is a duplicate (a replay or a retransmission after a lost
 * ack), a higher one means the sender skipped a number and is refused.
 */
import type { BatchOp, Store } from '../../lib/store/index.js'
import type { GroupCommit } from '../../lib/store/index.js'
import { RECEIVED_SEQ, readU64, u64 } from './keys.js'

export type Admission = 'next' | 'duplicate' | 'gap'

interface SenderState {
  /** Highest seq admitted (persisting or persisted). */
  admitted: bigint
  /** Highest seq known to be on disk: what acks report. */
  persisted: bigint
}

export class Inbox {
  readonly #commit: GroupCommit
  readonly #senders = new Map<string, SenderState>()

  private constructor(commit: GroupCommit) {
    this.#commit = commit
  }

  static async open(db: Store, commit: GroupCommit): Promise<Inbox> {
    const inbox = new Inbox(commit)
    for await (const [key, value] of db.entries({ gte: RECEIVED_SEQ, lt: `${RECEIVED_SEQ}~` })) {
      const seq = readU64(value)
      inbox.#senders.set(key.slice(RECEIVED_SEQ.length), { admitted: seq, persisted: seq })
    }
    return inbox
  }

  #state(from: string): SenderState {
    let s = this.#senders.get(from)
    if (s === undefined) {
      s = { admitted: 0n, persisted: 0n }
      this.#senders.set(from, s)
    }
    return s
  }

  /** Classifies `seq` from `from` without changing anything. */
  check(from: string, seq: bigint): Admission {
    const s = this.#senders.get(from)
    const admitted = s?.admitted ?? 0n
    if (seq <= admitted) return 'duplicate'
    return seq === admitted + 1n ? 'next' : 'gap'
  }

  /**
   * Admits the next message (check() said 'next'): claims it synchronously, so a second copy
   * arriving on another stream meanwhile is a duplicate, and resolves once the new high-water
   * mark is on disk. On a storage failure the claim is undone and the promise rejects.
   * `extra` ops (a kept kind's record) go in the same atomic, synced batch as the mark.
   */
  admit(from: string, seq: bigint, extra: BatchOp[] = []): Promise<void> {
    const s = this.#state(from)
    if (seq !== s.admitted + 1n)
      throw new RangeError(`inbox: ${from} expected ${s.admitted + 1n}, got ${seq}`)
    return this.#advance(from, s, seq, extra)
  }

  /**
   * A Skip from `from` (after a crash it may have spent numbers up to `upTo`): moves the mark
   * to `upTo` as admit() does for one message. The caller checked that everything up to the
   * Skip's start was admitted and that `upTo` is ahead.
   */
  skip(from: string, upTo: bigint): Promise<void> {
    const s = this.#state(from)
    if (upTo <= s.admitted) throw new RangeError(`inbox: ${from} is already past ${upTo}`)
    return this.#advance(from, s, upTo, [])
  }

  /** Claims `seq` now; resolves once its mark (and `extra`) is on disk, or undoes the claim. */
  #advance(from: string, s: SenderState, seq: bigint, extra: BatchOp[]): Promise<void> {
    s.admitted = seq
    const mark: BatchOp = { type: 'put', key: `${RECEIVED_SEQ}${from}`, value: u64(seq) }
    return this.#commit.write(extra.length === 0 ? [mark] : [mark, ...extra]).then(
      () => {
        if (seq > s.persisted) s.persisted = seq
      },
      (err) => {
        s.admitted = s.persisted
        throw err
      },
    )
  }

  /** The seq the next message from `from` must carry. */
  expected(from: string): bigint {
    return (this.#senders.get(from)?.admitted ?? 0n) + 1n
  }

  /** The highest seq from `from` that is on disk (0 for a sender never heard from). */
  persisted(from: string): bigint {
    return this.#senders.get(from)?.persisted ?? 0n
  }

  get senders(): number {
    return this.#senders.size
  }
}
