import assert from 'node:assert/strict'
import type { PersistRecord } from '../../../../../gateway/consensus/index.js'
import { Writer } from '../../../../../gateway/consensus/bytes.js'
import { decodeRecord, encodeRecord, recordKey } from '../../../../../gateway/consensus/driver/records.js'

const bytes = (n: number, size: number) => new Uint8Array(size).fill(n)

describe('consensus driver: persisted records', () => {
  const block = bytes(7, 300)
  const polka = [bytes(1, 150), bytes(2, 150), bytes(3, 150)]
  const cases: PersistRecord[] = [
    { kind: 'round', height: 12, round: 3 },
    { kind: 'round', height: 2 ** 40, round: 2 ** 31 - 1 },
    { kind: 'lock', height: 5, lockedRound: 1, lockedBlock: block, validRound: 1, validBlock: block, polka },
    {
      kind: 'lock',
      height: 5,
      lockedRound: -1,
      lockedBlock: null,
      validRound: 2,
      validBlock: bytes(4, 10),
      polka,
    },
    {
      kind: 'lock',
      height: 5,
      lockedRound: 0,
      lockedBlock: bytes(5, 10),
      validRound: 2,
      validBlock: null,
      polka: [],
    },
  ]
  for (const r of cases) {
    it(`round-trips a ${r.kind} record`, () => {
      assert.deepEqual(decodeRecord(encodeRecord(r)), r)
    })
  }

  it('stores a lock whose locked and valid blocks are the same block once', () => {
    const once = encodeRecord(cases[2]).length
    const twice = encodeRecord({ ...cases[2], validBlock: block.slice() } as PersistRecord).length
    assert.ok(twice - once > block.length, `${twice} - ${once}`)
  })

  it('keys sort by height, then round, and a lock has one key per height', () => {
    const keys = [
      recordKey({ kind: 'round', height: 10, round: 2 }),
      recordKey({ kind: 'round', height: 9, round: 11 }),
      recordKey({ kind: 'round', height: 10, round: 10 }),
    ]
    assert.deepEqual([...keys].sort(), [keys[1], keys[0], keys[2]])
    assert.equal(recordKey(cases[2]), recordKey(cases[3]))
  })

  it('reads records written before rounds were marked: a kept vote or proposal marks its round', () => {
    const vote = new Writer().u8(1).u8(2).u64(7).u32(4).varBytes(bytes(1, 150)).finish()
    const proposal = new Writer().u8(2).u64(7).u32(5).varBytes(bytes(2, 500)).finish()
    assert.deepEqual(decodeRecord(vote), { kind: 'round', height: 7, round: 4 })
    assert.deepEqual(decodeRecord(proposal), { kind: 'round', height: 7, round: 5 })
    const lock = new Writer().u8(3).u64(7).i32(1).i32(1).u8(1).varBytes(block).u8(2).finish()
    assert.deepEqual(decodeRecord(lock), {
      kind: 'lock',
      height: 7,
      lockedRound: 1,
      lockedBlock: block,
      validRound: 1,
      validBlock: block,
      polka: [],
    })
  })

  it('returns null for damaged records, never throws', () => {
    const good = encodeRecord(cases[2])
    assert.equal(decodeRecord(good.subarray(0, good.length - 1)), null)
    assert.equal(decodeRecord(new Uint8Array([9, 1, 2])), null)
    assert.equal(decodeRecord(new Uint8Array()), null)
    for (let i = 0; i < 500; i++) {
      const junk = new Uint8Array(Math.floor(Math.random() * 64)).map(() => Math.floor(Math.random() * 256))
      decodeRecord(junk)
    }
  })
})
