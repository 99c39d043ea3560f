/**
 * Hashes that tie a block together: the block hash (over the header bytes), the operations
 * Merkle root, and the hash of the previous block's commit certificate.
 */
import { sha256 } from '../../lib/crypto.js'
import { encodeCertificate, encodeHeader } from './codec.js'
import type { BlockHeader, CommitCertificate, Hash } from './types.js'

export const ZERO_HASH: Hash = new Uint8Array(32)

const LEAF = new Uint8Array([0])
const NODE = new Uint8Array([1])

/**
 * Merkle tree hash of the operations, shaped as RFC 6962 section 2.1 (leaf and node prefixes,
 * split at the largest power of two), so an operation's inclusion can later be proven.
 */
export function operationsRoot(operations: readonly Uint8Array[]): Hash {
  if (operations.length === 0) return sha256()
  const mth = (lo: number, hi: number): Hash => {
    if (hi - lo === 1) return sha256(LEAF, operations[lo])
    let k = 1
    while (k * 2 < hi - lo) k *= 2
    return sha256(NODE, mth(lo, lo + k), mth(lo + k, hi))
  }
  return mth(0, operations.length)
}

/** The block hash: sha256 of the canonical header encoding (the id(v) of the paper). */
export function hashHeader(header: BlockHeader): Hash {
  return sha256(encodeHeader(header))
}

export function certificateHash(certificate: CommitCertificate | null): Hash {
  return certificate === null ? ZERO_HASH : sha256(encodeCertificate(certificate))
}
