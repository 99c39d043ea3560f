/**
 * Consensus data types: validators, blocks, votes, proposals, commit certificates, and the
 * inputs and outputs of the pure state machine in `core.ts`.
 *
 * References: Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus" (arXiv:1807.04938),
 * Algorithm 1; CometBFT's header (`AppHash` lags one block, `NextValidatorsHash`).
 */

/** A SHA-256 digest (32 bytes). */
export type Hash = Uint8Array

export const HASH_LENGTH = 32
export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

/** Signing domains: every signature is `sign(tag || 0x00 || bytes)` (lib/crypto.ts). */
export const TAG_PROPOSAL = 'xlattice/bft/proposal/v1'
export const TAG_VOTE = 'xlattice/bft/vote/v1'

export interface Validator {
  readonly publicKey: Uint8Array
  /** A positive integer; quorums are computed on weights, never on head counts. */
  readonly weight: bigint
}

/** Validators sorted by public key (the canonical order that vote indices refer to). */
export interface ValidatorSet {
  readonly validators: readonly Validator[]
  readonly totalWeight: bigint
  /** sha256 of the canonical encoding (codec.ts `encodeValidatorList`). */
  readonly hash: Hash
}

export interface BlockHeader {
  chainId: Hash
  height: number
  /** The round in which this block was first proposed (a re-proposal keeps it). */
  round: number
  /** Public key of proposer(height, round). */
  proposer: Uint8Array
  prevHash: Hash
  /** Merkle root (RFC 6962 shape) of the operations. */
  operationsHash: Hash
  /** Application state root after the previous block, like CometBFT's AppHash. */
  stateRoot: Hash
  /** Hash of the set that votes on this height. */
  validatorsHash: Hash
  /** Hash of the set for height + 1: how an outsider follows membership changes. */
  nextValidatorsHash: Hash
  /** Hash of `lastCommit` (zero at height 1). */
  lastCommitHash: Hash
}

export interface Block {
  header: BlockHeader
  /** Opaque application operations. */
  operations: Uint8Array[]
  /** Commit certificate of block height - 1 (null at height 1). */
  lastCommit: CommitCertificate | null
}

export interface CommitSignature {
  validatorIndex: number
  signature: Uint8Array
}

/** Precommits of a quorum for one block: what any holder of the validator set can verify. */
export interface CommitCertificate {
  height: number
  round: number
  blockHash: Hash
  /** Sorted by strictly increasing validator index. */
  signatures: CommitSignature[]
}

export type VoteType = 'prevote' | 'precommit'

export interface Vote {
  chainId: Hash
  type: VoteType
  height: number
  round: number
  validatorIndex: number
  /** null is a vote for nil. */
  blockHash: Hash | null
}

export interface ProposalFields {
  chainId: Hash
  height: number
  round: number
  /** -1, or the round of a polka for this block (rule 2). */
  validRound: number
}

/** Decode and size bounds; every inbound byte string is checked against these. */
export interface Limits {
  maxMessageBytes: number
  maxBlockBytes: number
  maxOperations: number
  maxOperationBytes: number
  maxValidators: number
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 1024 * 1024 + 1024,
  maxBlockBytes: 1024 * 1024,
  maxOperations: 4096,
  maxOperationBytes: 64 * 1024,
  maxValidators: 1024,
}

/** `timeoutX(round) = baseMs + round · deltaMs` (the paper's growing timeouts). */
export interface Timeouts {
  proposeMs: number
  proposeDeltaMs: number
  prevoteMs: number
  prevoteDeltaMs: number
  precommitMs: number
  precommitDeltaMs: number
  /** Wait after a decision before round 0 of the next height (CometBFT timeout_commit). */
  commitMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
}

export type TimerKind = 'propose' | 'prevote' | 'precommit' | 'commit'

/** A timer request (an output); the driver feeds it back as `{ kind: 'timeout', timer }`. */
export interface Timer {
  kind: TimerKind
  height: number
  round: number
  durationMs: number
}

/**
 * What the driver must write durably (synced) BEFORE sending the step's messages, or any later
 * step's. A `round` record marks a round this validator may sign in: a restarted validator
 * resumes at the round after the highest one marked, so it never signs twice for one (height,
 * round, type) without keeping every vote. A `lock` holds the locked and valid values and the
 * polka behind the valid one, so a restarted proposer can still re-propose it.
 */
export type PersistRecord =
  | { kind: 'round'; height: number; round: number }
  | {
      kind: 'lock'
      height: number
      lockedRound: number
      lockedBlock: Uint8Array | null
      validRound: number
      validBlock: Uint8Array | null
      /** The prevotes for the valid block at validRound (its polka), as signed. */
      polka: Uint8Array[]
    }

/** A decided block (rule 7 or catch-up). The driver stores it before anything else. */
export interface CommitRecord {
  height: number
  block: Block
  blockHash: Hash
  blockBytes: Uint8Array
  certificate: CommitCertificate
  certificateBytes: Uint8Array
  /** The set that decided this height, and the set for height + 1. */
  validators: ValidatorSet
  nextValidators: ValidatorSet
}

/** Two conflicting signed messages from one validator for one (height, round, step). */
export interface Evidence {
  kind: 'vote' | 'proposal'
  height: number
  round: number
  validatorIndex: number
  first: Uint8Array
  second: Uint8Array
}

export type Input =
  /** Begin (or resume after restart) at the state given to createCore. */
  | { kind: 'start' }
  /** Raw bytes from a peer; malformed, oversize or wrongly signed ones are dropped and counted. */
  | { kind: 'message'; bytes: Uint8Array }
  | { kind: 'timeout'; timer: Timer }
  /** Re-send this round's own messages and the polka behind validValue (gossip, reconnect). */
  | { kind: 'gossip' }
  /** A committed block and its certificate fetched from a peer (catch-up). */
  | { kind: 'committed'; block: Uint8Array; certificate: Uint8Array }

export interface Output {
  /** Signed wire messages to broadcast to every validator, after `persist` is durable. */
  send: Uint8Array[]
  persist: PersistRecord[]
  commit: CommitRecord[]
  timers: Timer[]
  evidence: Evidence[]
  /** The highest height a peer claimed; the driver may fetch committed blocks up to it. */
  behind: number
}

export type DropReason =
  | 'oversize'
  | 'malformed'
  | 'wrongChain'
  | 'stale'
  | 'future'
  | 'unknownValidator'
  | 'badSignature'
  | 'duplicate'
  | 'redundant'
  | 'conflicting'
  | 'badCertificate'

export interface ConsensusStats {
  received: number
  dropped: Record<DropReason, number>
  equivocations: number
}
