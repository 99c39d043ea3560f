import assert from 'node:assert/strict'
import { OffHeapMap } from '../../../lib/offheap-map.js'

/** A seeded generator (mulberry32), so a failing case replays. */
function rng(seed: number) {
  let a = seed >>> 0
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
  }
}

const byteString = (int: (n: number) => number, length: number): string =>
  String.fromCharCode(...Array.from({ length }, () => int(256)))

describe('lib: off-heap map', () => {
  it('gets what was set, overwrites, deletes; empty keys and values are entries too', () => {
    const m = new OffHeapMap()
    assert.equal(m.get('a'), undefined)
    m.set('a', 'one')
    m.set('', '')
    m.set('\u0000\u00ff', 'x\u0000y')
    assert.equal(m.get('a'), 'one')
    assert.equal(m.get(''), '')
    assert.equal(m.get('\u0000\u00ff'), 'x\u0000y')
    assert.equal(m.size, 3)
    m.set('a', 'two') // same length: in place
    m.set('a', 'three!') // longer: appended
    assert.equal(m.get('a'), 'three!')
    assert.equal(m.size, 3)
    assert.equal(m.delete('a'), true)
    assert.equal(m.delete('a'), false)
    assert.equal(m.has('a'), false)
    assert.equal(m.size, 2)
    assert.deepEqual(
      new Map(m.entries()),
      new Map([
        ['', ''],
        ['\u0000\u00ff', 'x\u0000y'],
      ]),
    )
  })

  it('refuses keys and values that are not byte strings or too long, and keeps what it held', () => {
    const m = new OffHeapMap()
    m.set('k', 'v')
    assert.throws(() => m.set('\u0100', 'v'), RangeError)
    assert.throws(() => m.set('k', 'caf\u00e9\u20ac'), RangeError)
    assert.throws(() => m.set('x'.repeat(256), 'v'), RangeError)
    assert.throws(() => m.set('k', 'x'.repeat(65_536)), RangeError)
    m.set('x'.repeat(255), 'y'.repeat(65_535))
    assert.equal(m.get('x'.repeat(255))?.length, 65_535)
    assert.equal(m.get('k'), 'v')
    assert.equal(m.size, 2)
  })

  it('records that fill a chunk exactly, and one that does not fit its rest, start the next', () => {
    const m = new OffHeapMap()
    // 3 + 1 + 65,532 = 65,536 bytes: sixteen fill the first 1 MiB chunk to its last byte.
    const values = Array.from({ length: 40 }, (_, i) =>
      String.fromCharCode(i).repeat(i < 20 ? 65_532 : 50_000),
    )
    for (const [i, v] of values.entries()) m.set(String.fromCharCode(65 + i), v)
    for (const [i, v] of values.entries()) assert.equal(m.get(String.fromCharCode(65 + i)), v)
    assert.equal(m.size, 40)
  })

  it('agrees with a Map through 200,000 random sets, overwrites and deletes, across growth and compaction', () => {
    const int = rng(7)
    const m = new OffHeapMap()
    const ref = new Map<string, string>()
    // A small key space so that overwrites and deletes hit; values of varying length so that
    // records move and the arena compacts (it does once over 1 MiB is dead).
    const keys = Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? byteString(int, 32) : `nick${i}`))
    for (let step = 0; step < 200_000; step++) {
      const k = keys[int(keys.length)]
      const r = int(10)
      if (r < 6) {
        const v = byteString(int, int(3) === 0 ? int(200) : 40)
        m.set(k, v)
        ref.set(k, v)
      } else if (r < 9) {
        assert.equal(m.delete(k), ref.delete(k))
      } else {
        assert.equal(m.get(k), ref.get(k))
      }
    }
    assert.equal(m.size, ref.size)
    for (const k of keys) assert.equal(m.get(k), ref.get(k))
    assert.deepEqual(new Map(m.entries()), ref)
    // Compaction kept the arena near the live records.
    let live = 0
    for (const [k, v] of ref) live += 3 + k.length + v.length
    assert.ok(m.arenaBytes < live * 2 + (1 << 20), `arena ${m.arenaBytes} for ${live} live bytes`)
  })
})
