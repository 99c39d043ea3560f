/**
 * Outbox and per-sender delivery state: sequence numbers without gaps, durable before sent,
 * cumulative acks, and at-most-once delivery, across reopening the store (a restart).
 */
import assert from 'node:assert/strict'
import { GroupCommit } from '../../../../lib/store/index.js'
import { Inbox } from '../../../../gateway/messaging/inbox.js'
import { Mode } from '../../../../gateway/messaging/messaging.pb.js'
import { Outbox, RESERVE } from '../../../../gateway/messaging/outbox.js'
import { recording, STORE_KINDS } from './stores.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const msg = (n: number) => new Uint8Array([n])

for (const kind of STORE_KINDS) {
  describe(`gateway/messaging outbox and inbox on ${kind.name}`, () => {
    let env: Awaited<ReturnType<typeof kind.open>>
    beforeEach(async () => {
      env = await kind.open()
    })
    afterEach(() => env.cleanup())

    let commit: GroupCommit
    const openOutbox = async (store = env.store) => {
      const db = store.sublevel('msg')
      commit = new GroupCommit(db)
      return Outbox.open(db, commit)
    }

    it('numbers per destination from 1; an entry is sent only once it is on disk', async () => {
      const db = recording(env.store.sublevel('msg'))
      const box = await Outbox.open(db, new GroupCommit(db))
      assert.equal(box.nextSeq(A), 1n)
      const durable = [1n, 2n, 3n].map((s) => box.enqueue(A, s, msg(Number(s)), 0, Mode.PLAINTEXT_SIGNED))
      box.enqueue(B, 1n, msg(9), 0, Mode.PLAINTEXT_SIGNED)
      assert.equal(box.nextSeq(A), 4n)
      assert.deepEqual(box.pending(A, 0n), [], 'nothing is sendable before its batch is synced')
      await Promise.all(durable)
      assert.deepEqual(
        box.pending(A, 0n).map((e) => e.seq),
        [1n, 2n, 3n],
      )
      assert.deepEqual(
        box.pending(A, 1n).map((e) => e.seq),
        [2n, 3n],
      )
      assert.equal(db.batches.length, 1, 'four messages, one synced batch')
      assert.ok(db.batches[0].sync)
      assert.equal(db.batches[0].size, 4, 'per destination one record of messages and one counter')
      assert.throws(() => box.enqueue(A, 9n, msg(0), 0, Mode.PLAINTEXT_SIGNED), RangeError, 'no gaps')
      assert.deepEqual(box.destinations().sort(), [A, B])
    })

    it('a cumulative ack drops everything up to it and wakes its waiters; a stale ack changes nothing', async () => {
      const box = await openOutbox()
      await Promise.all([1n, 2n, 3n].map((s) => box.enqueue(A, s, msg(1), 0, Mode.PLAINTEXT_SIGNED)))
      let woke = 0
      void box.whenAcked(A, 2n).then(() => woke++)
      void box.whenAcked(A, 3n).then(() => woke++)
      assert.equal(box.ack(A, 2n), 2)
      await new Promise((r) => setImmediate(r))
      assert.equal(woke, 1)
      assert.equal(box.ack(A, 1n), 0)
      assert.equal(box.sizeOf(A), 1)
      assert.equal(box.size, 1)
      await box.whenAcked(A, 1n) // already acked: resolves at once
    })

    it('after a restart: unacked messages are still queued and numbering continues, even once all were acked', async () => {
      let box = await openOutbox()
      await Promise.all([1n, 2n, 3n].map((s) => box.enqueue(A, s, msg(Number(s)), 5, Mode.PLAINTEXT_SIGNED)))
      await box.enqueue(B, 1n, msg(7), 5, Mode.PLAINTEXT_SIGNED)
      box.ack(A, 1n)
      box.ack(B, 1n)
      await commit.flushed() // the deletes are lazy (unsynced, batched): let them reach the store
      await box.close() // a clean stop: the reservation is given back
      box = await openOutbox(await env.reopen())
      assert.deepEqual(
        box.pending(A, 0n).map((e) => [e.seq, e.message[0], e.queuedAt]),
        [
          [2n, 2, 5],
          [3n, 3, 5],
        ],
      )
      assert.equal(box.acked(A), 1n)
      assert.equal(box.nextSeq(A), 4n)
      assert.equal(box.sizeOf(B), 0)
      assert.equal(box.nextSeq(B), 2n, 'a fully acked destination keeps its counter')
    })

    it('a record shared by several messages is deleted only once all are acked, and a restart resends only the rest', async () => {
      let store = env.store
      let box = await openOutbox(store)
      await Promise.all([1n, 2n, 3n].map((s) => box.enqueue(A, s, msg(Number(s)), 0, Mode.PLAINTEXT_SIGNED)))
      box.ack(A, 2n)
      await commit.flushed()
      const records = async () => {
        const keys: string[] = []
        for await (const [k] of store.sublevel('msg').entries({ gte: 'o!', lt: 'o!~' })) keys.push(k)
        return keys.length
      }
      assert.equal(await records(), 1, 'seq 3 still needs the record')
      await box.close()
      store = await env.reopen()
      box = await openOutbox(store)
      assert.deepEqual(
        box.pending(A, 0n).map((e) => e.seq),
        [3n],
        'the lazily noted ack keeps 1 and 2 from being resent',
      )
      box.ack(A, 3n)
      await commit.flushed()
      assert.equal(await records(), 0)
    })

    it('[0.0.5] within the durable reservation an entry goes out before its own batch is on disk', async () => {
      const box = await openOutbox()
      const first = box.enqueue(A, 1n, msg(1), 0, Mode.PLAINTEXT_SIGNED)
      assert.deepEqual(box.pending(A, 0n), [], 'no reservation on disk yet: the first waits for its batch')
      await first
      const second = box.enqueue(A, 2n, msg(2), 0, Mode.PLAINTEXT_SIGNED)
      assert.deepEqual(
        box.pending(A, 1n).map((e) => [e.seq, e.durable]),
        [[2n, false]],
        'the first batch reserved numbers up to 1 + RESERVE',
      )
      await second
      // A destination's reservation is its own.
      box.enqueue(B, 1n, msg(3), 0, Mode.PLAINTEXT_SIGNED)
      assert.deepEqual(box.pending(B, 0n), [])
    })

    it('[0.0.5] however many are unacked, what is within the reservation may go out before its batch is on disk; beyond it, not', async () => {
      const box = await openOutbox()
      await box.enqueue(A, 1n, msg(1), 0, Mode.PLAINTEXT_SIGNED) // reserves up to 1 + RESERVE
      const last = 1n + RESERVE + 5n
      const queued: Promise<void>[] = []
      for (let s = 2n; s <= last; s++)
        queued.push(box.enqueue(A, s, msg(Number(s % 256n)), 0, Mode.PLAINTEXT_SIGNED))
      const early = box.pending(A, 1n, 2048)
      assert.equal(early.length, Number(RESERVE), 'up to the reservation, not past it')
      assert.equal(early[early.length - 1].seq, 1n + RESERVE)
      assert.ok(
        early.every((e) => !e.durable),
        'none of them is on disk yet',
      )
      await Promise.all(queued)
      assert.equal(box.pending(A, 1n, 2048).length, Number(RESERVE) + 5, 'once on disk, all')
    })

    it('[0.0.5] after a crash numbering resumes past the reservation and the gap is skipped, in order, until acked', async () => {
      let box = await openOutbox()
      await Promise.all([1n, 2n, 3n].map((s) => box.enqueue(A, s, msg(Number(s)), 0, Mode.PLAINTEXT_SIGNED)))
      box.ack(A, 1n)
      await commit.flushed()
      // Killed: no close(). Numbers 4 .. 3 + RESERVE may have gone out before a batch held them.
      box = await openOutbox(await env.reopen())
      const upTo = 3n + RESERVE
      assert.equal(box.nextSeq(A), upTo + 1n, 'never a number the receiver may already hold')
      assert.deepEqual(
        box.pending(A, 1n).map((e) => e.seq),
        [2n, 3n],
        'what is on disk goes first',
      )
      assert.equal(box.gapAt(A, 1n), undefined, 'the Skip waits for 2 and 3')
      assert.deepEqual(box.gapAt(A, 3n), { after: 3n, upTo })
      await box.enqueue(A, upTo + 1n, msg(9), 0, Mode.PLAINTEXT_SIGNED)
      assert.deepEqual(box.pending(A, 3n), [], 'nothing overtakes the Skip')
      assert.deepEqual(
        box.pending(A, upTo).map((e) => e.seq),
        [upTo + 1n],
      )
      const unsynced = box.enqueue(A, upTo + 2n, msg(10), 0, Mode.PLAINTEXT_SIGNED)
      assert.deepEqual(
        box.pending(A, upTo + 1n),
        [],
        'while a Skip is owed nothing goes out before it is on disk',
      )
      await unsynced
      // A second crash before the Skip was acked owes the same Skip, and no new gap.
      box = await openOutbox(await env.reopen())
      assert.deepEqual(box.gapAt(A, 3n), { after: 3n, upTo })
      assert.equal(box.nextSeq(A), upTo + 3n)
      box.ack(A, upTo)
      assert.equal(box.gapAt(A, 3n), undefined, 'acked: nothing owed')
      await commit.flushed()
      await box.close()
      box = await openOutbox(await env.reopen())
      assert.equal(box.gapAt(A, 3n), undefined, 'and not after a restart either')
      assert.deepEqual(
        box.pending(A, upTo).map((e) => e.seq),
        [upTo + 1n, upTo + 2n],
      )
    })

    it('[0.0.5] a clean close gives the reservation back: a restart owes no Skip and numbering continues', async () => {
      let box = await openOutbox()
      await Promise.all([1n, 2n].map((s) => box.enqueue(A, s, msg(Number(s)), 0, Mode.PLAINTEXT_SIGNED)))
      await box.close()
      box = await openOutbox(await env.reopen())
      assert.equal(box.nextSeq(A), 3n)
      assert.equal(box.gapAt(A, 2n), undefined)
      assert.deepEqual(
        box.pending(A, 0n).map((e) => e.seq),
        [1n, 2n],
      )
    })

    it('inbox: delivers each (from, seq) once, in order, and remembers across a restart', async () => {
      let db = env.store.sublevel('msg')
      let inbox = await Inbox.open(db, new GroupCommit(db))
      assert.equal(inbox.check(A, 1n), 'next')
      assert.equal(inbox.check(A, 2n), 'gap')
      const d1 = inbox.admit(A, 1n)
      assert.equal(inbox.check(A, 1n), 'duplicate', 'claimed before it is on disk')
      assert.equal(inbox.persisted(A), 0n)
      await d1
      assert.equal(inbox.persisted(A), 1n)
      await inbox.admit(A, 2n)
      assert.equal(inbox.check(B, 1n), 'next', 'senders are independent')
      assert.throws(() => inbox.admit(A, 4n), RangeError)

      db = (await env.reopen()).sublevel('msg')
      inbox = await Inbox.open(db, new GroupCommit(db))
      assert.equal(inbox.check(A, 1n), 'duplicate')
      assert.equal(inbox.check(A, 2n), 'duplicate')
      assert.equal(inbox.check(A, 3n), 'next')
      assert.equal(inbox.persisted(A), 2n)
    })

    it('inbox: a failed write undoes the claim so the retransmission is delivered', async () => {
      const db = env.store.sublevel('msg')
      const broken = { ...db, batch: () => Promise.reject(new Error('EIO')) } as typeof db
      const inbox = await Inbox.open(db, new GroupCommit(broken))
      await assert.rejects(inbox.admit(A, 1n), /EIO/)
      assert.equal(inbox.check(A, 1n), 'next')
    })
  })
}
