/**
 * The mempool's ring of committed operation hashes (gateway/consensus/driver/recent-keys.ts)
 * against the Map it replaces: the same answers through long random runs, with hashes made to
 * share their table home (long probe runs, wrap-around at the table's end) and the ring
 * turning many times over.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { RecentKeys } from '../../../../../gateway/consensus/driver/recent-keys.js'
import { rng } from '../../../../helpers/rng.js'

/** Hash number i; with `crowded`, only a few distinct leading bytes, so homes collide. */
function hash(i: number, crowded: boolean): Uint8Array {
  const h = createHash('sha256').update(String(i)).digest()
  if (crowded) {
    h[0] = i % 3 === 0 ? 0xff : 0
    h.fill(0, 1, 4)
    h[3] = i % 5
  }
  return new Uint8Array(h)
}

/** The behaviour replaced: a Map in insertion order, trimmed from the front to `capacity`. */
class Reference {
  readonly map = new Map<string, number>()
  constructor(readonly capacity: number) {}
  add(h: Uint8Array, height: number): void {
    const k = Buffer.from(h).toString('hex')
    if (this.map.has(k)) return
    this.map.set(k, height)
    for (const key of this.map.keys()) {
      if (this.map.size <= this.capacity) break
      this.map.delete(key)
    }
  }
  get(h: Uint8Array): number | undefined {
    return this.map.get(Buffer.from(h).toString('hex'))
  }
}

describe('RecentKeys: the last committed operation hashes, outside the heap', () => {
  for (const capacity of [1, 2, 3, 7, 64, 1000])
    for (const crowded of [false, true])
      it(`answers as the Map did (capacity ${capacity}${crowded ? ', colliding homes' : ''})`, () => {
        const random = rng(capacity * 2 + (crowded ? 1 : 0) + 1)
        const ours = new RecentKeys(capacity)
        const ref = new Reference(capacity)
        const universe = capacity * 3 + 5
        for (let step = 0; step < 20_000; step++) {
          const h = hash(random.int(universe), crowded)
          if (random.int(2) === 0) {
            const height = step
            ours.add(h, height)
            ref.add(h, height)
          }
          assert.equal(ours.get(h), ref.get(h), `step ${step}`)
          assert.equal(ours.size, ref.map.size)
        }
        for (let i = 0; i < universe; i++) assert.equal(ours.get(hash(i, crowded)), ref.get(hash(i, crowded)))
      })

  it('keeps the first height of a hash added twice, and refuses what is not a 32-byte hash', () => {
    const r = new RecentKeys(4)
    r.add(hash(1, false), 10)
    r.add(hash(1, false), 11)
    assert.equal(r.get(hash(1, false)), 10)
    assert.equal(r.size, 1)
    assert.equal(r.get(new Uint8Array(31)), undefined)
    assert.throws(() => r.add(new Uint8Array(33), 1), RangeError)
    assert.throws(() => new RecentKeys(0), RangeError)
  })
})
