/** Helpers for the consensus specs: deterministic keys, a test application, signed messages. */
import { ed25519FromSeed, Signer, sha256 } from '../../../../lib/crypto.js'
import { compareBytes, concatBytes, toHex } from '../../../../lib/encoding.js'
import {
  type Block,
  type CommitCertificate,
  type ConsensusApp,
  certificateHash,
  encodeBlock,
  encodeCertificate,
  encodeProposalSignBytes,
  encodeVoteSignBytes,
  type Hash,
  hashHeader,
  makeValidatorSet,
  operationsRoot,
  proposerIndex,
  TAG_PROPOSAL,
  TAG_VOTE,
  type ValidatorSet,
  type VoteType,
  ZERO_HASH,
} from '../../../../gateway/consensus/index.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

export const CHAIN: Hash = sha256(utf8('xlattice/test/chain'))

/** n signers in public-key order, so signer i is validator i of a set over all of them. */
export function signers(n: number, tag = 'k'): Signer[] {
  return Array.from({ length: n }, (_, i) => ed25519FromSeed(sha256(utf8(`xlattice/test/${tag}/${i}`))))
    .sort((a, b) => compareBytes(a.publicKey, b.publicKey))
    .map((k) => new Signer(k))
}

export function setOf(keys: readonly Signer[], weights: readonly number[] = keys.map(() => 1)): ValidatorSet {
  return makeValidatorSet(keys.map((k, i) => ({ publicKey: k.publicKey, weight: weights[i] })))
}

export const rootAfter = (height: number): Hash => sha256(utf8(`root/${height}`))

/** A stateless application: roots depend on the height only; blocks can be marked invalid. */
export class TestApp implements ConsensusApp {
  readonly invalid = new Set<string>()
  next: (height: number, current: ValidatorSet) => ValidatorSet = (_h, current) => current
  #n = 0

  getOperations(height: number): Uint8Array[] {
    return [utf8(`op/${height}/${this.#n++}`)]
  }

  stateRoot(height: number): Hash {
    return rootAfter(height)
  }

  validateBlock(block: Block): boolean {
    const h = block.header
    return compareBytes(h.stateRoot, rootAfter(h.height - 1)) === 0 && !this.invalid.has(toHex(hashHeader(h)))
  }

  nextValidatorSet(height: number, current: ValidatorSet): ValidatorSet {
    return this.next(height, current)
  }
}

export interface BuiltBlock {
  block: Block
  bytes: Uint8Array
  hash: Hash
}

/** A block as proposer(height, round) of `set` would build it on the given chain position. */
export function buildBlock(o: {
  set: ValidatorSet
  height: number
  round: number
  prevHash?: Hash
  lastCommit?: CommitCertificate | null
  operations?: Uint8Array[]
  nextSet?: ValidatorSet
  stateRoot?: Hash
}): BuiltBlock {
  const operations = o.operations ?? [utf8(`block/${o.height}/${o.round}`)]
  const lastCommit = o.lastCommit ?? null
  const block: Block = {
    header: {
      chainId: CHAIN,
      height: o.height,
      round: o.round,
      proposer: o.set.validators[proposerIndex(o.set, o.height, o.round)].publicKey,
      prevHash: o.prevHash ?? ZERO_HASH,
      operationsHash: operationsRoot(operations),
      stateRoot: o.stateRoot ?? rootAfter(o.height - 1),
      validatorsHash: o.set.hash,
      nextValidatorsHash: (o.nextSet ?? o.set).hash,
      lastCommitHash: certificateHash(lastCommit),
    },
    operations,
    lastCommit,
  }
  return { block, bytes: encodeBlock(block), hash: hashHeader(block.header) }
}

export function vote(
  signer: Signer,
  index: number,
  type: VoteType,
  height: number,
  round: number,
  blockHash: Hash | null,
): Uint8Array {
  const signBytes = encodeVoteSignBytes({
    chainId: CHAIN,
    type,
    height,
    round,
    validatorIndex: index,
    blockHash,
  })
  return concatBytes(signBytes, signer.sign(TAG_VOTE, signBytes))
}

export function proposal(
  signer: Signer,
  height: number,
  round: number,
  validRound: number,
  b: BuiltBlock,
): Uint8Array {
  const signBytes = encodeProposalSignBytes({ chainId: CHAIN, height, round, validRound }, b.bytes)
  return concatBytes(signBytes, signer.sign(TAG_PROPOSAL, signBytes))
}

/** A certificate from the precommits of `indices`. */
export function certificate(
  keys: readonly Signer[],
  indices: readonly number[],
  height: number,
  round: number,
  blockHash: Hash,
): CommitCertificate {
  const signatures = [...indices]
    .sort((a, b) => a - b)
    .map((i) => {
      const bytes = vote(keys[i], i, 'precommit', height, round, blockHash)
      return { validatorIndex: i, signature: bytes.subarray(bytes.length - 64) }
    })
  return { height, round, blockHash, signatures }
}

export { encodeCertificate }
