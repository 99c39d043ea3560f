import assert from 'node:assert/strict'
import { Mempool, opKey } from '../../../../../gateway/consensus/driver/index.js'

const op = (n: number, size = 10) => new Uint8Array(size).fill(n)

describe('consensus driver: mempool', () => {
  it('keeps arrival order and de-duplicates by hash', () => {
    const m = new Mempool()
    assert.equal(m.add(op(1)).kind, 'added')
    assert.equal(m.add(op(2)).kind, 'added')
    assert.equal(m.add(op(1)).kind, 'duplicate')
    assert.deepEqual(m.take(10, 1 << 20), [op(1), op(2)])
    assert.equal(m.size, 2)
    assert.equal(m.bytes, 20)
  })

  it('is bounded by count and by bytes, and refuses empty or oversize operations', () => {
    const byCount = new Mempool({ maxOps: 2 })
    byCount.add(op(1))
    byCount.add(op(2))
    assert.equal(byCount.add(op(3)).kind, 'full')
    const byBytes = new Mempool({ maxBytes: 25 })
    byBytes.add(op(1))
    byBytes.add(op(2))
    assert.equal(byBytes.add(op(3)).kind, 'full')
    const m = new Mempool({ maxOpBytes: 8 })
    assert.equal(m.add(op(1, 9)).kind, 'tooLarge')
    assert.equal(m.add(new Uint8Array()).kind, 'tooLarge')
  })

  it('takes at most the count and bytes a block allows (with 4-byte length prefixes)', () => {
    const m = new Mempool()
    for (let i = 0; i < 10; i++) m.add(op(i, 100))
    assert.equal(m.take(3, 1 << 20).length, 3)
    assert.equal(m.take(100, 3 * 104).length, 3)
    assert.equal(m.take(100, 3 * 104 - 1).length, 2)
  })

  it('drops committed operations and remembers them so a late copy is not proposed again', () => {
    const m = new Mempool({ recentCommitted: 2 })
    m.add(op(1))
    m.add(op(2))
    assert.deepEqual(m.committed([op(1), op(9)], 7), [opKey(op(1)), opKey(op(9))])
    assert.equal(m.size, 1)
    assert.equal(m.bytes, 10)
    assert.deepEqual(m.add(op(1)), { kind: 'committed', key: opKey(op(1)), height: 7 })
    m.committed([op(5)], 8)
    assert.equal(m.add(op(1)).kind, 'added', 'the oldest memory is forgotten past the bound')
  })
})
