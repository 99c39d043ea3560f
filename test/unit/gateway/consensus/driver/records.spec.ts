import assert from 'node:assert/strict'
import type { PersistRecord } from '../../../../../gateway/consensus/index.js'
import { decodeRecord, encodeRecord, recordKey } from '../../../../../gateway/consensus/driver/records.js'

const bytes = (n: number, size: number) => new Uint8Array(size).fill(n)

describe('consensus driver: persisted records', () => {
  const block = bytes(7, 300)
  const cases: PersistRecord[] = [
    { kind: 'vote', type: 'prevote', height: 12, round: 3, bytes: bytes(1, 150) },
    { kind: 'vote', type: 'precommit', height: 2 ** 40, round: 2 ** 31 - 1, bytes: bytes(2, 150) },
    { kind: 'proposal', height: 5, round: 0, bytes: bytes(3, 500) },
    { kind: 'lock', height: 5, lockedRound: 1, lockedBlock: block, validRound: 1, validBlock: block },
    { kind: 'lock', height: 5, lockedRound: -1, lockedBlock: null, validRound: 2, validBlock: bytes(4, 10) },
    { kind: 'lock', height: 5, lockedRound: 0, lockedBlock: bytes(5, 10), validRound: 2, validBlock: null },
  ]
  for (const r of cases) {
    it(`round-trips a ${r.kind} record`, () => {
      assert.deepEqual(decodeRecord(encodeRecord(r)), r)
    })
  }

  it('stores a lock whose locked and valid blocks are the same block once', () => {
    const [same, ,] = cases.slice(3)
    assert.ok(encodeRecord(same).length < 2 * block.length)
  })

  it('keys sort by height, then round, and a lock has one key per height', () => {
    const keys = [
      recordKey({ kind: 'vote', type: 'prevote', height: 10, round: 2, bytes: bytes(0, 1) }),
      recordKey({ kind: 'vote', type: 'prevote', height: 9, round: 11, bytes: bytes(0, 1) }),
      recordKey({ kind: 'proposal', height: 10, round: 10, bytes: bytes(0, 1) }),
    ]
    assert.deepEqual([...keys].sort(), [keys[1], keys[0], keys[2]])
    assert.equal(recordKey(cases[3]), recordKey(cases[4]))
  })

  it('returns null for damaged records, never throws', () => {
    const good = encodeRecord(cases[0])
    assert.equal(decodeRecord(good.subarray(0, good.length - 1)), null)
    assert.equal(decodeRecord(new Uint8Array([9, 1, 2])), null)
    assert.equal(decodeRecord(new Uint8Array()), null)
    for (let i = 0; i < 500; i++) {
      const junk = new Uint8Array(Math.floor(Math.random() * 64)).map(() => Math.floor(Math.random() * 256))
      decodeRecord(junk)
    }
  })
})
