/**
 * The storage encoding of the core's PersistRecords (rounds marked for signing, locks) and
 * their keys. Keys sort by height then round, so the records of one height are one range scan.
 * A lock record stores its block once when the locked and valid blocks are the same, which is
 * the usual case and halves the synced bytes of rule 4 for large blocks, then the polka behind
 * the valid block. Records of kinds 1 and 2 (own votes and proposals, written before rounds
 * were marked instead) still read back, as marks of their rounds.
 */
import { Malformed, Reader, Writer } from '../bytes.js'
import type { PersistRecord } from '../types.js'

const KIND_VOTE = 1
const KIND_PROPOSAL = 2
const KIND_LOCK = 3
const KIND_ROUND = 4
const MAX_RECORD_BYTES = 8 * 1024 * 1024
const MAX_POLKA_VOTES = 0xffff

export const pad = (n: number): string => String(n).padStart(16, '0')

export const recordPrefix = (height: number): string => `r/${pad(height)}/`

export function recordKey(r: PersistRecord): string {
  if (r.kind === 'lock') return `${recordPrefix(r.height)}lock`
  return `${recordPrefix(r.height)}${String(r.round).padStart(10, '0')}/round`
}

function optionalBlock(w: Writer, block: Uint8Array | null): void {
  if (block === null) w.u8(0)
  else w.u8(1).varBytes(block)
}

export function encodeRecord(r: PersistRecord): Uint8Array {
  if (r.kind === 'round') return new Writer(16).u8(KIND_ROUND).u64(r.height).u32(r.round).finish()
  const polkaBytes = r.polka.reduce((n, v) => n + v.length + 4, 0)
  const w = new Writer(64 + (r.lockedBlock?.length ?? 0) + polkaBytes)
  w.u8(KIND_LOCK).u64(r.height).i32(r.lockedRound).i32(r.validRound)
  optionalBlock(w, r.lockedBlock)
  const same = r.validBlock !== null && r.validBlock === r.lockedBlock
  if (same) w.u8(2)
  else optionalBlock(w, r.validBlock)
  if (r.polka.length > MAX_POLKA_VOTES) throw new RangeError('polka too large to store')
  w.u16(r.polka.length)
  for (const vote of r.polka) w.varBytes(vote)
  return w.finish()
}

/** Flag 0: none, 1: bytes follow, 2 (valid block only): the same block as the locked one. */
function readOptional(r: Reader, locked: Uint8Array | null = null): Uint8Array | null {
  const flag = r.u8()
  if (flag === 0) return null
  if (flag === 2 && locked !== null) return locked
  if (flag !== 1) throw new Malformed('bad flag')
  return r.varBytes(MAX_RECORD_BYTES)
}

/** Decodes a stored record; null for anything damaged (the caller logs and skips it). */
export function decodeRecord(bytes: Uint8Array): PersistRecord | null {
  try {
    const r = new Reader(bytes)
    const kind = r.u8()
    let record: PersistRecord
    if (kind === KIND_ROUND) {
      record = { kind: 'round', height: r.u64(), round: r.u32() }
    } else if (kind === KIND_VOTE || kind === KIND_PROPOSAL) {
      if (kind === KIND_VOTE && ![1, 2].includes(r.u8())) return null
      record = { kind: 'round', height: r.u64(), round: r.u32() }
      r.varBytes(MAX_RECORD_BYTES)
    } else if (kind === KIND_LOCK) {
      const height = r.u64()
      const lockedRound = r.i32()
      const validRound = r.i32()
      const lockedBlock = readOptional(r)
      const validBlock = readOptional(r, lockedBlock)
      const polka: Uint8Array[] = []
      // A lock written before polkas were kept ends here.
      const count = r.remaining === 0 ? 0 : r.u16()
      for (let i = 0; i < count; i++) polka.push(r.varBytes(MAX_RECORD_BYTES))
      record = { kind: 'lock', height, lockedRound, lockedBlock, validRound, validBlock, polka }
    } else {
      return null
    }
    r.end()
    return record
  } catch {
    return null
  }
}
