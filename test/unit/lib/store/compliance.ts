/**
 * The Store compliance suite: every implementation of lib/store's interface runs it
 * (as js-libp2p's interface-compliance-tests do for its interfaces).
 */
import assert from 'node:assert/strict'
import type { Store } from '../../../../lib/store/index.js'

const b = (s: string) => new TextEncoder().encode(s)
const s = (v: Uint8Array | undefined) => (v === undefined ? undefined : new TextDecoder().decode(v))

async function keys(store: Store, range = {}): Promise<string[]> {
  const out: string[] = []
  for await (const [k] of store.entries(range)) out.push(k)
  return out
}

export function storeCompliance(
  name: string,
  open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>,
) {
  describe(`Store compliance: ${name}`, () => {
    let store: Store
    let reopen: (() => Promise<Store>) | undefined
    beforeEach(async () => {
      ;({ store, reopen } = await open())
    })
    afterEach(() => store.close())

    it('get of a missing key is undefined; put then get returns a copy of the bytes', async () => {
      assert.equal(await store.get('nope'), undefined)
      const value = b('v1')
      await store.put('k', value)
      value[0] = 0
      assert.equal(s(await store.get('k')), 'v1')
    })

    it('del removes; batch applies puts and dels together', async () => {
      await store.put('a', b('1'))
      await store.put('b', b('2'))
      await store.del('a')
      assert.equal(await store.get('a'), undefined)
      await store.batch([
        { type: 'put', key: 'c', value: b('3') },
        { type: 'del', key: 'b' },
        { type: 'put', key: 'd', value: b('4') },
      ])
      assert.deepEqual(await keys(store), ['c', 'd'])
    })

    it('entries iterate in key order with gt/gte/lt/lte, reverse and limit', async () => {
      for (const k of ['b', 'a', 'd', 'c', 'e']) await store.put(k, b(k))
      assert.deepEqual(await keys(store), ['a', 'b', 'c', 'd', 'e'])
      assert.deepEqual(await keys(store, { gte: 'b', lt: 'd' }), ['b', 'c'])
      assert.deepEqual(await keys(store, { gt: 'b', lte: 'd' }), ['c', 'd'])
      assert.deepEqual(await keys(store, { reverse: true, limit: 2 }), ['e', 'd'])
    })

    it('sublevels are disjoint key spaces and nest', async () => {
      const x = store.sublevel('x')
      const y = store.sublevel('y')
      await x.put('k', b('in x'))
      await y.put('k', b('in y'))
      await x.sublevel('inner').put('k', b('in x/inner'))
      assert.equal(s(await x.get('k')), 'in x')
      assert.equal(s(await y.get('k')), 'in y')
      assert.equal(s(await x.sublevel('inner').get('k')), 'in x/inner')
      assert.deepEqual(await keys(y), ['k'])
    })

    it('a batch through a nested sublevel puts and deletes there only', async () => {
      const outer = store.sublevel('o')
      const inner = outer.sublevel('i')
      await outer.put('a', b('outer a'))
      await inner.put('gone', b('to delete'))
      await inner.batch(
        [
          { type: 'put', key: 'a', value: b('inner a') },
          { type: 'put', key: 'b', value: b('inner b') },
          { type: 'del', key: 'gone' },
        ],
        { sync: true },
      )
      assert.equal(s(await inner.get('a')), 'inner a')
      assert.equal(s(await inner.get('gone')), undefined)
      assert.deepEqual(await keys(inner), ['a', 'b'])
      assert.equal(s(await outer.get('a')), 'outer a')
      assert.equal(s(await outer.get('b')), undefined)
      assert.equal(s(await store.get('a')), undefined)
    })

    it('rejects sublevel names that could alias other key spaces', () => {
      assert.throws(() => store.sublevel('a!b'), TypeError)
      assert.throws(() => store.sublevel(''), TypeError)
    })

    it('synced writes survive closing and reopening', async function () {
      if (reopen === undefined) this.skip()
      await store.sublevel('m').put('durable', b('yes'), { sync: true })
      await store.batch([{ type: 'put', key: 'batched', value: b('too') }], { sync: true })
      await store.close()
      store = await reopen!()
      assert.equal(s(await store.sublevel('m').get('durable')), 'yes')
      assert.equal(s(await store.get('batched')), 'too')
    })
  })
}
