/**
 * Canonical, deterministic binary encoding of consensus messages (documented field by field in
 * docs/protocols/consensus.md). What is signed is the exact encoded bytes: a signed message is
 * `signBytes || signature(64)`, and receivers verify the bytes they received. Each value has one
 * encoding (fixed widths, flags 0 or 1, strictly increasing indices, no trailing bytes), so
 * re-encoding a decoded value yields the same bytes; that is what lets a certificate carry only
 * (index, signature) pairs. Decoders return `{ ok: false, error }`, never throw on input.
 */
import { compareBytes } from '../../lib/encoding.js'
import { Malformed, Reader, Writer } from './bytes.js'
import {
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type CommitSignature,
  HASH_LENGTH,
  type Limits,
  PUBLIC_KEY_LENGTH,
  type ProposalFields,
  SIGNATURE_LENGTH,
  type Validator,
  type Vote,
} from './types.js'

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string }

export const WIRE_VERSION = 1
export const KIND_PROPOSAL = 1
export const KIND_VOTE = 2
export const VOTE_PREVOTE = 1
export const VOTE_PRECOMMIT = 2
export const HEADER_LENGTH = 1 + HASH_LENGTH + 8 + 4 + PUBLIC_KEY_LENGTH + 6 * HASH_LENGTH
export const MAX_ROUND = 2 ** 31 - 1

function decoding<T>(bytes: Uint8Array, read: (r: Reader) => T): Decoded<T> {
  try {
    const r = new Reader(bytes)
    const value = read(r)
    r.end()
    return { ok: true, value }
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, error: err.message }
    return { ok: false, error: 'malformed' }
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Malformed(what)
}

function readRound(r: Reader): number {
  const round = r.u32()
  check(round <= MAX_ROUND, 'round out of range')
  return round
}

function readHeight(r: Reader): number {
  const height = r.u64()
  check(height >= 1, 'height must be at least 1')
  return height
}

// Headers ---------------------------------------------------------------------------------

export function writeHeader(w: Writer, h: BlockHeader): Writer {
  w.u8(WIRE_VERSION).raw(h.chainId).u64(h.height).u32(h.round).raw(h.proposer)
  w.raw(h.prevHash).raw(h.operationsHash).raw(h.stateRoot)
  return w.raw(h.validatorsHash).raw(h.nextValidatorsHash).raw(h.lastCommitHash)
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  return writeHeader(new Writer(HEADER_LENGTH), h).finish()
}

function readHeader(r: Reader): BlockHeader {
  check(r.u8() === WIRE_VERSION, 'unknown header version')
  return {
    chainId: r.fixed(HASH_LENGTH),
    height: readHeight(r),
    round: readRound(r),
    proposer: r.fixed(PUBLIC_KEY_LENGTH),
    prevHash: r.fixed(HASH_LENGTH),
    operationsHash: r.fixed(HASH_LENGTH),
    stateRoot: r.fixed(HASH_LENGTH),
    validatorsHash: r.fixed(HASH_LENGTH),
    nextValidatorsHash: r.fixed(HASH_LENGTH),
    lastCommitHash: r.fixed(HASH_LENGTH),
  }
}

export function decodeHeader(bytes: Uint8Array): Decoded<BlockHeader> {
  return decoding(bytes, readHeader)
}

// Certificates ----------------------------------------------------------------------------

function writeCertificate(w: Writer, c: CommitCertificate): Writer {
  w.u64(c.height).u32(c.round).raw(c.blockHash).u16(c.signatures.length)
  for (const s of c.signatures) w.u16(s.validatorIndex).raw(s.signature)
  return w
}

export function encodeCertificate(c: CommitCertificate): Uint8Array {
  return writeCertificate(new Writer(48 + 66 * c.signatures.length), c).finish()
}

function readCertificate(r: Reader, limits: Limits): CommitCertificate {
  const height = readHeight(r)
  const round = readRound(r)
  const blockHash = r.fixed(HASH_LENGTH)
  const count = r.u16()
  check(count >= 1 && count <= limits.maxValidators, 'signature count out of range')
  const signatures: CommitSignature[] = []
  let last = -1
  for (let i = 0; i < count; i++) {
    const validatorIndex = r.u16()
    check(validatorIndex > last, 'signatures not in strictly increasing index order')
    last = validatorIndex
    signatures.push({ validatorIndex, signature: r.fixed(SIGNATURE_LENGTH) })
  }
  return { height, round, blockHash, signatures }
}

export function decodeCertificate(bytes: Uint8Array, limits: Limits): Decoded<CommitCertificate> {
  return decoding(bytes, (r) => readCertificate(r, limits))
}

// Blocks ----------------------------------------------------------------------------------

export function encodeBlock(b: Block): Uint8Array {
  const w = writeHeader(new Writer(512), b.header)
  w.u32(b.operations.length)
  for (const op of b.operations) w.varBytes(op)
  if (b.lastCommit === null) return w.u8(0).finish()
  return writeCertificate(w.u8(1), b.lastCommit).finish()
}

/** A decoded block with the exact header bytes it arrived with (the block hash covers those). */
export interface DecodedBlock {
  block: Block
  headerBytes: Uint8Array
}

function readBlock(r: Reader, limits: Limits): Block {
  const header = readHeader(r)
  const count = r.u32()
  check(count <= limits.maxOperations, 'too many operations')
  const operations: Uint8Array[] = []
  for (let i = 0; i < count; i++) operations.push(r.varBytes(limits.maxOperationBytes))
  const flag = r.u8()
  check(flag === 0 || flag === 1, 'bad lastCommit flag')
  const lastCommit = flag === 1 ? readCertificate(r, limits) : null
  return { header, operations, lastCommit }
}

export function decodeBlock(bytes: Uint8Array, limits: Limits): Decoded<DecodedBlock> {
  if (bytes.length > limits.maxBlockBytes) return { ok: false, error: 'block over limit' }
  const d = decoding(bytes, (r) => readBlock(r, limits))
  return d.ok ? { ok: true, value: { block: d.value, headerBytes: bytes.subarray(0, HEADER_LENGTH) } } : d
}

// Votes and proposals ---------------------------------------------------------------------

/** The bytes a validator signs for a vote; a certificate's signatures are over these too. */
export function encodeVoteSignBytes(v: Vote): Uint8Array {
  const w = new Writer(86).u8(WIRE_VERSION).u8(KIND_VOTE).raw(v.chainId)
  w.u8(v.type === 'prevote' ? VOTE_PREVOTE : VOTE_PRECOMMIT)
    .u64(v.height)
    .u32(v.round)
    .u16(v.validatorIndex)
  return (v.blockHash === null ? w.u8(0) : w.u8(1).raw(v.blockHash)).finish()
}

export function encodeProposalSignBytes(p: ProposalFields, blockBytes: Uint8Array): Uint8Array {
  const w = new Writer(64 + blockBytes.length).u8(WIRE_VERSION).u8(KIND_PROPOSAL).raw(p.chainId)
  return w.u64(p.height).u32(p.round).i32(p.validRound).varBytes(blockBytes).finish()
}

export type WireMessage =
  | { kind: 'vote'; vote: Vote; signBytes: Uint8Array; signature: Uint8Array }
  | {
      kind: 'proposal'
      proposal: ProposalFields
      block: Block
      blockBytes: Uint8Array
      headerBytes: Uint8Array
      signBytes: Uint8Array
      signature: Uint8Array
    }

function readVoteBody(r: Reader): Vote {
  const chainId = r.fixed(HASH_LENGTH)
  const t = r.u8()
  check(t === VOTE_PREVOTE || t === VOTE_PRECOMMIT, 'unknown vote type')
  const height = readHeight(r)
  const round = readRound(r)
  const validatorIndex = r.u16()
  const flag = r.u8()
  check(flag === 0 || flag === 1, 'bad block flag')
  const blockHash = flag === 1 ? r.fixed(HASH_LENGTH) : null
  return {
    chainId,
    type: t === VOTE_PREVOTE ? 'prevote' : 'precommit',
    height,
    round,
    validatorIndex,
    blockHash,
  }
}

/** Decodes a signed proposal or vote; the caller checks `limits.maxMessageBytes` first. */
export function decodeMessage(bytes: Uint8Array, limits: Limits): Decoded<WireMessage> {
  if (bytes.length > limits.maxMessageBytes) return { ok: false, error: 'message over limit' }
  if (bytes.length < 2 + SIGNATURE_LENGTH) return { ok: false, error: 'truncated' }
  const signBytes = bytes.subarray(0, bytes.length - SIGNATURE_LENGTH)
  const signature = bytes.subarray(bytes.length - SIGNATURE_LENGTH)
  if (signBytes[0] !== WIRE_VERSION) return { ok: false, error: 'unknown version' }
  if (signBytes[1] === KIND_VOTE) {
    const d = decoding(signBytes.subarray(2), readVoteBody)
    return d.ok ? { ok: true, value: { kind: 'vote', vote: d.value, signBytes, signature } } : d
  }
  if (signBytes[1] !== KIND_PROPOSAL) return { ok: false, error: 'unknown message kind' }
  let blockBytes: Uint8Array = new Uint8Array(0)
  const p = decoding(signBytes.subarray(2), (r) => {
    const chainId = r.fixed(HASH_LENGTH)
    const height = readHeight(r)
    const round = readRound(r)
    const validRound = r.i32()
    check(validRound >= -1 && validRound < round, 'validRound out of range')
    blockBytes = r.varBytes(limits.maxBlockBytes)
    return { chainId, height, round, validRound }
  })
  if (!p.ok) return p
  const b = decodeBlock(blockBytes, limits)
  if (!b.ok) return b
  return {
    ok: true,
    value: {
      kind: 'proposal',
      proposal: p.value,
      block: b.value.block,
      blockBytes,
      headerBytes: b.value.headerBytes,
      signBytes,
      signature,
    },
  }
}

// Validator sets --------------------------------------------------------------------------

/** Canonical list encoding: u16 count, then (public key, u64 weight) by increasing key. */
export function encodeValidatorList(validators: readonly Validator[]): Uint8Array {
  const w = new Writer(2 + 40 * validators.length).u16(validators.length)
  for (const v of validators) w.raw(v.publicKey).u64big(v.weight)
  return w.finish()
}

export function decodeValidatorList(bytes: Uint8Array, limits: Limits): Decoded<Validator[]> {
  return decoding(bytes, (r) => {
    const count = r.u16()
    check(count >= 1 && count <= limits.maxValidators, 'validator count out of range')
    const out: Validator[] = []
    for (let i = 0; i < count; i++) {
      const publicKey = r.fixed(PUBLIC_KEY_LENGTH)
      const weight = r.u64big()
      check(weight >= 1n, 'weight must be positive')
      check(i === 0 || compareBytes(out[i - 1].publicKey, publicKey) < 0, 'keys not strictly increasing')
      out.push({ publicKey, weight })
    }
    return out
  })
}
