import assert from 'node:assert/strict'
import { GroupCommit } from '../../../../lib/store/group-commit.js'
import { recording, STORE_KINDS } from '../../gateway/messaging/stores.js'

const v = (s: string) => new TextEncoder().encode(s)

for (const kind of STORE_KINDS) {
  describe(`gateway/messaging GroupCommit on ${kind.name}`, () => {
    let env: Awaited<ReturnType<typeof kind.open>>
    beforeEach(async () => {
      env = await kind.open()
    })
    afterEach(() => env.cleanup())

    it('writes everything asked for in one turn as one synced batch', async () => {
      const store = recording(env.store.sublevel('msg'))
      const gc = new GroupCommit(store)
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => gc.write([{ type: 'put', key: `k${i}`, value: v('x') }])),
      )
      assert.deepEqual(store.batches, [{ size: 100, sync: true }])
      assert.equal((await store.get('k99'))?.length, 1)
    })

    it('keeps one batch in flight; writes made meanwhile share the next one, in order', async () => {
      const store = recording(env.store.sublevel('msg'))
      const gc = new GroupCommit(store)
      const order: number[] = []
      const first = gc.write([{ type: 'put', key: 'a', value: v('1') }]).then(() => order.push(1))
      await new Promise((r) => setImmediate(r)) // the first batch is now in flight
      const later = [2, 3, 4].map((n) =>
        gc.write([{ type: 'put', key: 'a', value: v(String(n)) }]).then(() => order.push(n)),
      )
      await Promise.all([first, ...later])
      assert.deepEqual(order, [1, 2, 3, 4])
      assert.deepEqual(
        store.batches.map((b) => b.size),
        [1, 1],
        'the three rewrites of one key collapse to one put',
      )
      assert.equal(new TextDecoder().decode(await store.get('a')), '4', 'the last write wins')
    })

    it('lazy writes ride the next synced batch, or go out on their own after a while', async () => {
      const store = recording(env.store.sublevel('msg'))
      const gc = new GroupCommit(store)
      gc.writeLazy([{ type: 'put', key: 'lazy', value: v('1') }])
      await gc.write([{ type: 'put', key: 'synced', value: v('2') }])
      assert.deepEqual(store.batches, [{ size: 2, sync: true }])
      gc.writeLazy([{ type: 'del', key: 'lazy' }], 10)
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(store.batches.length, 2)
      assert.equal(await store.get('lazy'), undefined)
      gc.writeLazy([{ type: 'put', key: 'x', value: v('3') }])
      await gc.flushed()
      assert.ok(await store.get('x'))
    })

    it('settled() writes lazy ops at once, ahead of the batch they join, and waits for nothing later', async () => {
      const store = recording(env.store.sublevel('msg'))
      const gc = new GroupCommit(store)
      gc.writeLazy([{ type: 'put', key: 'k', value: v('old') }], 60_000)
      const settled = gc.settled()
      const newer = gc.write([{ type: 'put', key: 'k', value: v('new') }])
      await settled
      await newer
      assert.deepEqual(store.batches, [{ size: 1, sync: true }], 'one batch, the lazy put replaced')
      assert.equal(new TextDecoder().decode(await store.get('k')), 'new')
      // With a batch in flight and more asked for after the call, settled() waits for its own only.
      const inFlight = gc.write([{ type: 'put', key: 'a', value: v('1') }])
      await new Promise((r) => setImmediate(r))
      const mine = gc.settled()
      let later = false
      await mine
      void gc.write([{ type: 'put', key: 'b', value: v('2') }]).then(() => {
        later = true
      })
      await inFlight
      assert.equal(later, false)
      assert.equal(await gc.settled().then(() => 'idle'), 'idle')
    })

    it('a failed batch rejects its writers only; later batches still go through', async () => {
      const store = env.store.sublevel('msg')
      let fail = true
      const flaky = {
        ...recording(store),
        batch: (ops: any, o: any) => (fail ? Promise.reject(new Error('disk full')) : store.batch(ops, o)),
      }
      const gc = new GroupCommit(flaky)
      await assert.rejects(gc.write([{ type: 'put', key: 'x', value: v('1') }]), /disk full/)
      fail = false
      await gc.write([{ type: 'put', key: 'y', value: v('2') }])
      assert.equal(await store.get('x'), undefined)
      assert.ok(await store.get('y'))
      await gc.flushed()
    })

    it('idleDelayMs holds a batch asked for from idle, not one queued behind a batch in flight', async () => {
      const store = env.store.sublevel('msg')
      const started: number[] = []
      const slow = {
        ...recording(store),
        batch: async (ops: any, o: any) => {
          started.push(performance.now())
          await new Promise((r) => setTimeout(r, 30)) // a slow disk: the batch stays in flight
          return store.batch(ops, o)
        },
      }
      const gc = new GroupCommit(slow, { idleDelayMs: 40 })
      const t0 = performance.now()
      const first = gc.write([{ type: 'put', key: 'a', value: v('1') }])
      await new Promise((r) => setTimeout(r, 20))
      assert.equal(started.length, 0, 'nothing written within the delay')
      const joined = gc.write([{ type: 'put', key: 'b', value: v('2') }])
      assert.equal(joined, first, 'a write during the delay joins the waiting batch')
      await new Promise((r) => setTimeout(r, 30)) // the batch is in flight now
      assert.equal(started.length, 1)
      assert.ok(started[0] - t0 >= 39, `the first batch waited ${started[0] - t0} ms`)
      const queued = gc.write([{ type: 'put', key: 'c', value: v('3') }])
      await Promise.all([first, queued])
      assert.equal(started.length, 2)
      assert.ok(started[1] - started[0] < 40 + 30, 'the queued batch followed the first at once')
      assert.ok(await store.get('c'))
    })
  })
}
