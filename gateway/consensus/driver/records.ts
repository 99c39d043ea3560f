/**
 * The storage encoding of the core's PersistRecords (own votes, own proposals, locks) and their
 * keys. Keys sort by height then round, so the records of one height are one range scan.
 * A lock record stores its block once when the locked and valid blocks are the same, which is
 * the usual case and halves the synced bytes of rule 4 for large blocks.
 */
import { Malformed, Reader, Writer } from '../bytes.js'
import type { PersistRecord, VoteType } from '../types.js'

const KIND_VOTE = 1
const KIND_PROPOSAL = 2
const KIND_LOCK = 3
const MAX_RECORD_BYTES = 8 * 1024 * 1024

export const pad = (n: number): string => String(n).padStart(16, '0')

export const recordPrefix = (height: number): string => `r/${pad(height)}/`

export function recordKey(r: PersistRecord): string {
  if (r.kind === 'lock') return `${recordPrefix(r.height)}lock`
  const what = r.kind === 'vote' ? r.type : 'proposal'
  return `${recordPrefix(r.height)}${String(r.round).padStart(10, '0')}/${what}`
}

function optionalBlock(w: Writer, block: Uint8Array | null): void {
  if (block === null) w.u8(0)
  else w.u8(1).varBytes(block)
}

export function encodeRecord(r: PersistRecord): Uint8Array {
  const w = new Writer(64 + (r.kind === 'lock' ? (r.lockedBlock?.length ?? 0) : r.bytes.length))
  switch (r.kind) {
    case 'vote':
      return w
        .u8(KIND_VOTE)
        .u8(r.type === 'prevote' ? 1 : 2)
        .u64(r.height)
        .u32(r.round)
        .varBytes(r.bytes)
        .finish()
    case 'proposal':
      return w.u8(KIND_PROPOSAL).u64(r.height).u32(r.round).varBytes(r.bytes).finish()
    case 'lock': {
      w.u8(KIND_LOCK).u64(r.height).i32(r.lockedRound).i32(r.validRound)
      optionalBlock(w, r.lockedBlock)
      const same = r.validBlock !== null && r.validBlock === r.lockedBlock
      if (same) return w.u8(2).finish()
      optionalBlock(w, r.validBlock)
      return w.finish()
    }
  }
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
    if (kind === KIND_VOTE) {
      const t = r.u8()
      if (t !== 1 && t !== 2) return null
      const type: VoteType = t === 1 ? 'prevote' : 'precommit'
      record = { kind: 'vote', type, height: r.u64(), round: r.u32(), bytes: r.varBytes(MAX_RECORD_BYTES) }
    } else if (kind === KIND_PROPOSAL) {
      record = { kind: 'proposal', height: r.u64(), round: r.u32(), bytes: r.varBytes(MAX_RECORD_BYTES) }
    } else if (kind === KIND_LOCK) {
      const height = r.u64()
      const lockedRound = r.i32()
      const validRound = r.i32()
      const lockedBlock = readOptional(r)
      const validBlock = readOptional(r, lockedBlock)
      record = { kind: 'lock', height, lockedRound, lockedBlock, validRound, validBlock }
    } else {
      return null
    }
    r.end()
    return record
  } catch {
    return null
  }
}
