/**
 * valid(v) of the paper, and building a new block when we are the proposer. Structural checks
 * (chain, height, proposer, parent, hashes, the previous block's certificate, the next set) are
 * the core's; `app.validateBlock` adds the application's. Evaluated once per block hash.
 * References: arXiv:1807.04938 section 3 (valid()); CometBFT ValidateBlock.
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes, toHex } from '../../lib/encoding.js'
import { certificateHash, operationsRoot } from './blocks.js'
import { encodeBlock, HEADER_LENGTH } from './codec.js'
import { proposerIndex } from './proposer.js'
import type { CoreState, Value } from './state.js'
import type { Block, ValidatorSet } from './types.js'
import { verifyCommitCertificate } from './verify.js'

function attempt<T>(f: () => T): T | null {
  try {
    return f()
  } catch {
    return null
  }
}

/** The set for height + 1 if `block` fits our chain at this height, else null. */
export function structuralNextSet(s: CoreState, block: Block): ValidatorSet | null {
  const h = block.header
  const c = s.config
  if (!equalBytes(h.chainId, c.chainId) || h.height !== s.height) return null
  const proposer = s.validators.validators[proposerIndex(s.validators, h.height, h.round)]
  if (!equalBytes(h.proposer, proposer.publicKey)) return null
  if (!equalBytes(h.prevHash, s.lastBlockHash) || !equalBytes(h.validatorsHash, s.validators.hash))
    return null
  if (!equalBytes(h.operationsHash, operationsRoot(block.operations))) return null
  if (!equalBytes(h.lastCommitHash, certificateHash(block.lastCommit))) return null
  if (block.lastCommit === null) {
    if (s.height !== 1) return null
  } else {
    // The certificate of block h-1 travels in block h; it must convince any holder of the set.
    if (s.lastValidators === null) return null
    const target = { chainId: c.chainId, height: s.height - 1, blockHash: s.lastBlockHash }
    const r = verifyCommitCertificate(s.lastValidators, target, block.lastCommit, {
      verify: c.verify,
      quorum: c.rule.quorum,
    })
    if (!r.ok) return null
  }
  const next = attempt(() => c.app.nextValidatorSet(h.height, s.validators, block.operations))
  if (next === null || !equalBytes(next.hash, h.nextValidatorsHash)) return null
  return next
}

export function isValid(s: CoreState, v: Value): boolean {
  const cached = s.validity.get(v.key)
  if (cached !== undefined) return cached !== null
  let next = structuralNextSet(s, v.block)
  if (next !== null && attempt(() => s.config.app.validateBlock(v.block)) !== true) next = null
  s.validity.set(v.key, next)
  return next !== null
}

/** A fresh block from the mempool, trimmed to the configured limits. */
export function createBlock(s: CoreState): Value {
  const c = s.config
  const lastCommit = s.lastCertificate
  const budget = c.limits.maxBlockBytes - HEADER_LENGTH - 16 - 66 * s.validators.validators.length - 48
  const operations: Uint8Array[] = []
  let size = 0
  for (const op of attempt(() => c.app.getOperations(s.height)) ?? []) {
    if (operations.length >= c.limits.maxOperations) break
    if (op.length > c.limits.maxOperationBytes || size + op.length + 4 > budget) continue
    operations.push(op)
    size += op.length + 4
  }
  const next = c.app.nextValidatorSet(s.height, s.validators, operations)
  const block: Block = {
    header: {
      chainId: c.chainId,
      height: s.height,
      round: s.round,
      proposer: c.signer.publicKey,
      prevHash: s.lastBlockHash,
      operationsHash: operationsRoot(operations),
      stateRoot: c.app.stateRoot(s.height - 1),
      validatorsHash: s.validators.hash,
      nextValidatorsHash: next.hash,
      lastCommitHash: certificateHash(lastCommit),
    },
    operations,
    lastCommit,
  }
  const bytes = encodeBlock(block)
  const hash = sha256(bytes.subarray(0, HEADER_LENGTH))
  const key = toHex(hash)
  s.validity.set(key, next)
  return { block, hash, key, bytes }
}
