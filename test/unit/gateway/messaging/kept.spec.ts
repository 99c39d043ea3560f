/**
 * Kept kinds (gateway/messaging/kept.ts): the record codec; records written with the
 * high-water mark that admits them; a consumer called in arrival order for up to `window`
 * records at once, a record deleted when its call resolves, a rejection answered by handing
 * every unresolved record over again, in order, after a backoff; records paged from disk past
 * the memory bound; and, across a reopen of the store (a restart), pending records handed over
 * first, the arrival counter resumed, a record resolved but not yet deleted at a crash seen again;
 * and a consumer in step handed records before their batch reaches the disk.
 */
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { ConsumerBusyError, KeptRecordError, NotKeptError } from '../../../../gateway/messaging/errors.js'
import { Inbox } from '../../../../gateway/messaging/inbox.js'
import { decodeKept, encodeKept } from '../../../../gateway/messaging/kept-record.js'
import { type KeptMessage, KeptStore } from '../../../../gateway/messaging/kept.js'
import { type BatchOp, GroupCommit, type Store, type WriteOptions } from '../../../../lib/store/index.js'
import { recording, STORE_KINDS } from './stores.js'

const log = pino({ level: 'silent' })
const A = new Uint8Array(32).fill(0xaa)
const B = new Uint8Array(32).fill(0xbb)
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array) => new TextDecoder().decode(b)
const tick = () => new Promise((r) => setImmediate(r))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Deferred {
  m: KeptMessage
  resolve(): void
  reject(err: Error): void
}

/** A consumer that records its calls and leaves each one for the test to resolve or reject. */
function held() {
  const calls: Deferred[] = []
  const fn = (m: KeptMessage) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ m, resolve, reject })
    })
  const texts = () => calls.map((c) => str(c.m.payload))
  return { calls, fn, texts }
}

/** Wraps a store so that, once `crashed`, batches are dropped: what a crash loses before its write. */
function crashable(inner: Store): Store & { crashed: boolean } {
  const s = {
    crashed: false,
    get: (k: string) => inner.get(k),
    put: (k: string, v: Uint8Array, o?: WriteOptions) => inner.put(k, v, o),
    del: (k: string, o?: WriteOptions) => inner.del(k, o),
    batch: (ops: BatchOp[], o?: WriteOptions) => (s.crashed ? Promise.resolve() : inner.batch(ops, o)),
    entries: (r?: object) => inner.entries(r),
    sublevel: (n: string) => inner.sublevel(n),
    close: () => inner.close(),
  }
  return s
}

describe('[0.0.5] gateway/messaging kept record codec', () => {
  it('round-trips {from, seq, sentAt, payload} and refuses what is not a record', () => {
    const bytes = encodeKept(A, 7n, 1_700_000_000_123, text('<message/>'))
    assert.equal(bytes.length, 49 + 10)
    assert.equal(bytes[0], 1, 'version byte')
    const m = decodeKept(bytes)
    assert.deepEqual(m, { from: hexOf(A), seq: 7n, sentAt: 1_700_000_000_123, payload: text('<message/>') })
    assert.deepEqual(decodeKept(encodeKept(B, 2n ** 64n - 1n, 0, new Uint8Array())).seq, 2n ** 64n - 1n)
    assert.throws(() => decodeKept(bytes.subarray(0, 48)), KeptRecordError)
    const v2 = bytes.slice()
    v2[0] = 2
    assert.throws(() => decodeKept(v2), KeptRecordError)
    assert.throws(() => encodeKept(A.subarray(1), 1n, 0, text('x')), RangeError)
  })
})

for (const kind of STORE_KINDS) {
  describe(`[0.0.5] gateway/messaging kept kinds on ${kind.name}`, () => {
    let env: Awaited<ReturnType<typeof kind.open>>
    beforeEach(async () => {
      env = await kind.open()
    })
    afterEach(() => env.cleanup())

    interface Opened {
      db: Store
      commit: GroupCommit
      inbox: Inbox
      kept: KeptStore
      /** Admits message `seq` from `from` as the inbound path does, its record in the same batch. */
      receive(from: Uint8Array, seq: bigint, body: string): Promise<void>
      keys(): Promise<string[]>
    }

    async function open(db: Store = env.store.sublevel('msg'), bufferBytes?: number): Promise<Opened> {
      const commit = new GroupCommit(db)
      const inbox = await Inbox.open(db, commit)
      const kept = await KeptStore.open(db, commit, ['xmpp'], {
        log,
        retryBaseMs: 40,
        retryMaxMs: 80,
        bufferBytes,
      })
      return {
        db,
        commit,
        inbox,
        kept,
        receive: (from, seq, body) => {
          const w = kept.prepare('xmpp', from, seq, 1000 + Number(seq), text(body))
          return inbox.admit(hexOf(from), seq, w.ops).then(() => w.durable())
        },
        keys: async () => {
          const out: string[] = []
          for await (const [k] of db.entries({ gte: 'k!', lt: 'k!~' })) out.push(k)
          return out
        },
      }
    }

    /** A held consumer attached to `o`'s kept kind, after the first turn (it has what was there). */
    async function attached(o: Opened) {
      const c = held()
      o.kept.consume('xmpp', c.fn)
      await tick()
      return c
    }

    it('writes each record in the synced batch of its high-water mark; hands them over in arrival order across senders', async () => {
      const db = recording(env.store.sublevel('msg'))
      const o = await open(db)
      await Promise.all([o.receive(A, 1n, 'a1'), o.receive(B, 1n, 'b1'), o.receive(A, 2n, 'a2')])
      assert.equal(db.batches.length, 1, 'one group commit')
      assert.deepEqual(db.batches[0], { size: 5, sync: true }, 'two marks and three records')
      assert.deepEqual(await o.keys(), [
        'k!xmpp!0000000000000001',
        'k!xmpp!0000000000000002',
        'k!xmpp!0000000000000003',
      ])
      assert.deepEqual(o.kept.counts(), { xmpp: 3 })
      const got: KeptMessage[] = []
      o.kept.consume('xmpp', async (m) => {
        got.push(m)
      })
      await o.receive(B, 2n, 'b2')
      await tick()
      assert.deepEqual(
        got.map((m) => [m.from, m.seq, m.sentAt, str(m.payload)]),
        [
          [hexOf(A), 1n, 1001, 'a1'],
          [hexOf(B), 1n, 1001, 'b1'],
          [hexOf(A), 2n, 1002, 'a2'],
          [hexOf(B), 2n, 1002, 'b2'],
        ],
      )
      await o.commit.flushed()
      assert.deepEqual(await o.keys(), [], 'deleted once resolved')
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
    })

    it('calls up to `window` records without waiting for earlier calls; each is deleted when its call resolves', async () => {
      const o = await open()
      for (let i = 1; i <= 5; i++) await o.receive(A, BigInt(i), `m${i}`)
      const c = held()
      o.kept.consume('xmpp', c.fn, { window: 2 })
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2'], 'two outstanding, none resolved yet')
      c.calls[1].resolve() // out of order: m2 first
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3'])
      await o.commit.flushed()
      assert.deepEqual((await o.keys()).length, 4, 'm2 deleted, m1 still waits')
      assert.deepEqual(o.kept.counts(), { xmpp: 4 })
      c.calls[0].resolve()
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3', 'm4'])
      c.calls[2].resolve()
      c.calls[3].resolve()
      await tick()
      c.calls[4].resolve()
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3', 'm4', 'm5'], 'each called once')
      await o.commit.flushed()
      assert.deepEqual(await o.keys(), [])
    })

    it('a rejection stops the calls; after a backoff every unresolved record is handed over again, in order', async () => {
      const o = await open()
      for (let i = 1; i <= 5; i++) await o.receive(A, BigInt(i), `m${i}`)
      const c = held()
      o.kept.consume('xmpp', c.fn, { window: 3 })
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3'])
      c.calls[0].resolve()
      await tick()
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3', 'm4'])
      const rejectedAt = Date.now()
      c.calls[1].reject(new Error('stream closed'))
      await tick()
      c.calls[2].resolve() // an earlier call still resolves during the backoff: m3 is done
      await tick()
      assert.equal(c.calls.length, 4, 'nothing new while backing off')
      while (c.calls.length < 7) await sleep(5)
      assert.ok(Date.now() - rejectedAt >= 15, 'waited (backoff from 40 ms, equal jitter)')
      assert.deepEqual(c.texts(), ['m1', 'm2', 'm3', 'm4', 'm2', 'm4', 'm5'])
      c.calls[3].reject(new Error('late failure of an earlier round')) // ignored: not this round
      for (const call of c.calls.slice(4)) call.resolve()
      await sleep(100)
      assert.equal(c.calls.length, 7, 'no further round')
      await o.commit.flushed()
      assert.deepEqual(await o.keys(), [])
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
    })

    it('a callback that throws counts as a rejection', async () => {
      const o = await open()
      await o.receive(A, 1n, 'm1')
      let n = 0
      o.kept.consume('xmpp', (() => {
        if (n++ === 0) throw new Error('sync throw')
        return Promise.resolve()
      }) as (m: KeptMessage) => Promise<void>)
      while (n < 2) await sleep(5)
      await tick()
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
    })

    it('records stay on disk with no consumer; after a reopen they come first, and the counter resumes after them', async () => {
      let o = await open()
      for (let i = 1; i <= 3; i++) await o.receive(A, BigInt(i), `m${i}`)
      const c = held()
      const stop = o.kept.consume('xmpp', c.fn)
      await tick()
      c.calls[0].resolve()
      await tick()
      stop()
      c.calls[1].resolve() // resolves after the consumer detached: still deleted
      await o.receive(B, 1n, 'b1') // arrives with no consumer
      await tick()
      assert.equal(c.calls.length, 3)
      await o.commit.flushed()
      assert.deepEqual(o.kept.counts(), { xmpp: 2 })

      o = await open((await env.reopen()).sublevel('msg'))
      assert.deepEqual(o.kept.counts(), { xmpp: 2 })
      await o.receive(B, 2n, 'b2')
      assert.deepEqual(await o.keys(), [
        'k!xmpp!0000000000000003',
        'k!xmpp!0000000000000004',
        'k!xmpp!0000000000000005',
      ])
      const again = held()
      o.kept.consume('xmpp', again.fn)
      await tick()
      assert.deepEqual(again.texts(), ['m3', 'b1', 'b2'])
      assert.deepEqual(
        again.calls.map((x) => [x.m.from, x.m.seq]),
        [
          [hexOf(A), 3n],
          [hexOf(B), 1n],
          [hexOf(B), 2n],
        ],
      )
    })

    it('at least once: a record whose call resolved but whose delete a crash lost is handed over again', async () => {
      const db = crashable(env.store.sublevel('msg'))
      let o = await open(db)
      await o.receive(A, 1n, 'm1')
      await o.receive(A, 2n, 'm2')
      const c = held()
      o.kept.consume('xmpp', c.fn)
      await tick()
      c.calls[0].resolve()
      await tick()
      await o.commit.flushed() // m1's delete is on disk
      db.crashed = true
      c.calls[1].resolve() // m2 delivered, then the node dies before the delete is written
      await tick()
      await o.commit.flushed()
      o = await open((await env.reopen()).sublevel('msg'))
      const again = held()
      o.kept.consume('xmpp', again.fn)
      await tick()
      assert.deepEqual(again.texts(), ['m2'])
      assert.equal(o.inbox.check(hexOf(A), 2n), 'duplicate', 'while the sender is not asked to resend it')
    })

    it('a consumer in step gets a record while its batch is on the way to disk; resolved first, nothing is left behind', async () => {
      const db = recording(env.store.sublevel('msg'))
      const o = await open(db)
      const c = await attached(o)
      const landed: string[] = []
      const r1 = o.receive(A, 1n, 'e1').then(() => landed.push('e1'))
      await Promise.resolve()
      await Promise.resolve()
      assert.deepEqual(c.texts(), ['e1'], 'handed over before its batch is written')
      assert.deepEqual(landed, [])
      assert.equal(db.batches.length, 0)
      c.calls[0].resolve() // delivered before the disk confirmed it: its delete follows its put
      await r1
      await o.commit.flushed()
      assert.deepEqual(await o.keys(), [])
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
      // On disk first, resolved after: counted while pending, then deleted.
      await o.receive(A, 2n, 'e2')
      assert.deepEqual(c.texts(), ['e1', 'e2'])
      assert.deepEqual(o.kept.counts(), { xmpp: 1 })
      c.calls[1].resolve()
      await tick()
      await o.commit.flushed()
      assert.deepEqual(await o.keys(), [])
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
    })

    it('at least once: a record handed over early whose batch a crash lost is admitted again, not acknowledged', async () => {
      const db = crashable(env.store.sublevel('msg'))
      let o = await open(db)
      const c = await attached(o)
      db.crashed = true // the batch never reaches the disk
      void o.receive(A, 1n, 'lost')
      await tick()
      assert.deepEqual(c.texts(), ['lost'], 'the consumer had it (it may have reached the user)')
      await o.commit.flushed()
      o = await open((await env.reopen()).sublevel('msg'))
      // Neither the mark nor the record survived: the sender, never acknowledged, sends it again.
      assert.equal(o.inbox.check(hexOf(A), 1n), 'next')
      assert.deepEqual(await o.keys(), [])
    })

    it('past the memory bound, records stay on disk and are read back in pages, in order', async () => {
      let o = await open(undefined, 1) // one payload byte: about one record in memory at a time
      for (let i = 1; i <= 20; i++) await o.receive(A, BigInt(i), `m${i}`)
      const got: string[] = []
      let stop = o.kept.consume(
        'xmpp',
        async (m) => {
          got.push(str(m.payload))
        },
        { window: 3 },
      )
      while (got.length < 20) await sleep(2)
      // New arrivals while the consumer keeps up, and more than it holds in memory at once.
      await Promise.all(Array.from({ length: 10 }, (_, i) => o.receive(B, BigInt(i + 1), `b${i + 1}`)))
      while (got.length < 30) await sleep(2)
      assert.deepEqual(got, [
        ...Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
        ...Array.from({ length: 10 }, (_, i) => `b${i + 1}`),
      ])
      stop()
      for (let i = 21; i <= 30; i++) await o.receive(A, BigInt(i), `m${i}`)
      await o.commit.flushed()
      o = await open((await env.reopen()).sublevel('msg'), 1)
      assert.deepEqual(o.kept.counts(), { xmpp: 10 })
      const after: string[] = []
      stop = o.kept.consume(
        'xmpp',
        async (m) => {
          after.push(str(m.payload))
        },
        { window: 4 },
      )
      while (after.length < 10) await sleep(2)
      assert.deepEqual(
        after,
        Array.from({ length: 10 }, (_, i) => `m${i + 21}`),
      )
      await tick()
      assert.deepEqual(o.kept.counts(), { xmpp: 0 })
    })

    it('refuses kinds that are not kept, a second consumer, a bad window and kinds unfit for a key', async () => {
      const o = await open()
      assert.throws(() => o.kept.consume('text', async () => {}), NotKeptError)
      assert.throws(() => o.kept.prepare('text', A, 1n, 0, text('x')), NotKeptError)
      assert.throws(() => o.kept.consume('xmpp', async () => {}, { window: 0 }), RangeError)
      const stop = o.kept.consume('xmpp', async () => {})
      assert.throws(() => o.kept.consume('xmpp', async () => {}), ConsumerBusyError)
      stop()
      o.kept.consume('xmpp', async () => {})
      await assert.rejects(KeptStore.open(o.db, o.commit, ['a!b'], { log }), TypeError)
    })
  })
}
