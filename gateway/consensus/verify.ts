/**
 * Commit certificate verification for outsiders (light clients, DHT record checkers, catch-up):
 * given the validator set of a height, a certificate is valid when its precommit signatures,
 * each over the canonical precommit bytes with tag `xlattice/bft/vote/v1`, come from distinct
 * members holding a quorum (3·w > 2·W) of the weight. Following membership changes, header h
 * carries `nextValidatorsHash`, so a certified header hands trust from one set to the next.
 * References: docs/protocols/consensus.md "Certificates"; CometBFT light client (sequential
 * verification via NextValidatorsHash).
 */
import { verifySignature } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import { hashHeader } from './blocks.js'
import { encodeVoteSignBytes } from './codec.js'
import { hasQuorum } from './quorum.js'
import { type BlockHeader, type CommitCertificate, type Hash, TAG_VOTE, type ValidatorSet } from './types.js'
import { validatorSetConsistent } from './validators.js'

export type VerifyFn = (
  tag: string,
  bytes: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
) => boolean

export type VerifyResult = { ok: true; weight: bigint } | { ok: false; reason: string }

/** What a certificate is checked against: a full header, or a bare (chainId, height, hash). */
export type CertificateTarget = BlockHeader | { chainId: Hash; height: number; blockHash: Hash }

export interface VerifyOptions {
  /** Signature check (the simulator injects a cached one). */
  verify?: VerifyFn
  /** Test hook: the weakened-quorum variant of the simulator. */
  quorum?: (weight: bigint, total: bigint) => boolean
}

/**
 * Checks a block's commit certificate against the validator set of its height. Never throws:
 * any malformed or forged input is `{ ok: false, reason }`.
 */
export function verifyCommitCertificate(
  set: ValidatorSet,
  target: CertificateTarget,
  certificate: CommitCertificate,
  options: VerifyOptions = {},
): VerifyResult {
  const verify = options.verify ?? verifySignature
  const quorum = options.quorum ?? hasQuorum
  try {
    let blockHash: Hash
    if ('blockHash' in target) {
      blockHash = target.blockHash
    } else {
      if (!equalBytes(target.validatorsHash, set.hash))
        return { ok: false, reason: 'header names another set' }
      blockHash = hashHeader(target)
    }
    if (certificate.height !== target.height) return { ok: false, reason: 'height mismatch' }
    if (!equalBytes(certificate.blockHash, blockHash)) return { ok: false, reason: 'block hash mismatch' }
    let weight = 0n
    let last = -1
    for (const { validatorIndex, signature } of certificate.signatures) {
      if (validatorIndex <= last) return { ok: false, reason: 'signatures not sorted by distinct index' }
      last = validatorIndex
      const v = set.validators[validatorIndex]
      if (v === undefined) return { ok: false, reason: 'unknown validator index' }
      const bytes = encodeVoteSignBytes({
        chainId: target.chainId,
        type: 'precommit',
        height: certificate.height,
        round: certificate.round,
        validatorIndex,
        blockHash,
      })
      if (!verify(TAG_VOTE, bytes, signature, v.publicKey)) {
        return { ok: false, reason: `bad signature from validator ${validatorIndex}` }
      }
      weight += v.weight
    }
    if (!quorum(weight, set.totalWeight)) return { ok: false, reason: 'signatures below quorum' }
    return { ok: true, weight }
  } catch {
    return { ok: false, reason: 'malformed certificate' }
  }
}

/** One membership change: the certified header of the height whose block changed the set. */
export interface ValidatorSetChange {
  header: BlockHeader
  certificate: CommitCertificate
  /** The set from header.height + 1 on; must hash to header.nextValidatorsHash. */
  nextValidators: ValidatorSet
}

export type ChainResult =
  | { ok: true; validators: ValidatorSet; fromHeight: number }
  | { ok: false; reason: string; at: number }

/**
 * Follows a chain of set changes from the genesis set, as a light client does: each change is
 * certified by the set before it, and its header names the next set. Optionally verifies a
 * target header and certificate with the resulting set. The result is the set in force from
 * `fromHeight`; like any light client the caller must trust the chain of changes to be complete
 * (a later change it was not shown would be detected only by the header's validatorsHash).
 */
export function verifyCertificateChain(
  genesis: ValidatorSet,
  changes: readonly ValidatorSetChange[],
  target?: { header: BlockHeader; certificate: CommitCertificate },
  options: VerifyOptions = {},
): ChainResult {
  if (!validatorSetConsistent(genesis)) return { ok: false, reason: 'genesis set hash mismatch', at: -1 }
  let current = genesis
  let fromHeight = 1
  for (let i = 0; i < changes.length; i++) {
    const { header, certificate, nextValidators } = changes[i]
    if (header.height < fromHeight) return { ok: false, reason: 'changes out of order', at: i }
    const r = verifyCommitCertificate(current, header, certificate, options)
    if (!r.ok) return { ok: false, reason: r.reason, at: i }
    if (
      !validatorSetConsistent(nextValidators) ||
      !equalBytes(nextValidators.hash, header.nextValidatorsHash)
    ) {
      return { ok: false, reason: 'next set does not match the certified header', at: i }
    }
    current = nextValidators
    fromHeight = header.height + 1
  }
  if (target !== undefined) {
    if (target.header.height < fromHeight) return { ok: false, reason: 'target precedes last change', at: -1 }
    const r = verifyCommitCertificate(current, target.header, target.certificate, options)
    if (!r.ok) return { ok: false, reason: r.reason, at: changes.length }
  }
  return { ok: true, validators: current, fromHeight }
}
