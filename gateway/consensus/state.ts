/**
 * The consensus state of one validator and its construction, fresh or restored from the
 * records a driver persisted (rounds marked for signing, the lock) for the current height.
 * References: arXiv:1807.04938 Algorithm 1 (state variables); docs/protocols/consensus.md.
 */
import { sha256, verifySignature } from '../../lib/crypto.js'
import { toHex } from '../../lib/encoding.js'
import { ZERO_HASH } from './blocks.js'
import { decodeBlock } from './codec.js'
import { ConsensusConfigError } from './errors.js'
import { type QuorumRule, TWO_THIRDS, VoteSet } from './quorum.js'
import {
  type Block,
  type CommitCertificate,
  type CommitRecord,
  type ConsensusStats,
  DEFAULT_LIMITS,
  DEFAULT_TIMEOUTS,
  type DropReason,
  type Hash,
  HASH_LENGTH,
  type Limits,
  type Output,
  type Timeouts,
  type ValidatorSet,
  type VoteType,
} from './types.js'
import { indexOfKey } from './validators.js'
import type { VerifyFn } from './verify.js'

/** Anything that signs `tag || 0x00 || bytes`; lib/crypto.ts `Signer` fits. */
export interface ConsensusSigner {
  readonly publicKey: Uint8Array
  sign(tag: string, bytes: Uint8Array): Uint8Array
}

/**
 * Application hooks, called synchronously inside `step`. They must be deterministic functions
 * of the committed chain: the driver applies every `commit` output before its next input.
 */
export interface ConsensusApp {
  /** Operations for a new block (the mempool). */
  getOperations(height: number): Uint8Array[]
  /** Application state root after block `height` (0: genesis). */
  stateRoot(height: number): Hash
  /** Application-level validity of a proposed block (the paper's valid(v)). */
  validateBlock(block: Block): boolean
  /** The set for height + 1 once `operations` are committed at `height` (membership changes). */
  nextValidatorSet(height: number, current: ValidatorSet, operations: readonly Uint8Array[]): ValidatorSet
}

export interface CoreConfig {
  /** 32 bytes naming the chain (e.g. the genesis hash); in every signed message. */
  chainId: Hash
  signer: ConsensusSigner
  app: ConsensusApp
  timeouts?: Partial<Timeouts>
  limits?: Partial<Limits>
  /** Signature check; defaults to lib/crypto verifySignature (the simulator caches it). */
  verify?: VerifyFn
  /** Test hook only: the simulator's checker-bites test weakens the quorum here. */
  quorumRule?: QuorumRule
}

export interface ResolvedConfig {
  chainId: Hash
  signer: ConsensusSigner
  app: ConsensusApp
  timeouts: Timeouts
  limits: Limits
  verify: VerifyFn
  rule: QuorumRule
}

/** Where the chain stands: the next height to decide and what it builds on. */
export interface ChainTip {
  height: number
  validators: ValidatorSet
  lastValidators: ValidatorSet | null
  lastBlockHash: Hash
  lastCertificate: CommitCertificate | null
}

export function genesisTip(validators: ValidatorSet): ChainTip {
  return { height: 1, validators, lastValidators: null, lastBlockHash: ZERO_HASH, lastCertificate: null }
}

export function tipAfter(commit: CommitRecord): ChainTip {
  return {
    height: commit.height + 1,
    validators: commit.nextValidators,
    lastValidators: commit.validators,
    lastBlockHash: commit.blockHash,
    lastCertificate: commit.certificate,
  }
}

/** A proposed value with its hash (id(v)), hex key and canonical bytes. */
export interface Value {
  block: Block
  hash: Hash
  key: string
  bytes: Uint8Array
}

export function valueFromBytes(bytes: Uint8Array, limits: Limits): Value | null {
  const d = decodeBlock(bytes, limits)
  if (!d.ok) return null
  const hash = sha256(d.value.headerBytes)
  return { block: d.value.block, hash, key: toHex(hash), bytes }
}

export interface ProposalEntry {
  value: Value
  validRound: number
  bytes: Uint8Array
}

export const RULE3 = 1
export const RULE4 = 2
export const RULE6 = 4

export interface RoundState {
  round: number
  /** Proposals from proposer(height, round) by block key (more than one is equivocation). */
  proposals: Map<string, ProposalEntry>
  /** The first proposal received: the one rules 1 and 2 act on. */
  first: ProposalEntry | null
  prevotes: VoteSet<Uint8Array>
  precommits: VoteSet<Uint8Array>
  /** "For the first time" flags of rules 3, 4 and 6. */
  fired: number
}

export type Step = 'newHeight' | 'propose' | 'prevote' | 'precommit'

export interface CoreState {
  readonly config: ResolvedConfig
  height: number
  round: number
  step: Step
  lockedValue: Value | null
  lockedRound: number
  validValue: Value | null
  validRound: number
  validators: ValidatorSet
  lastValidators: ValidatorSet | null
  lastBlockHash: Hash
  lastCertificate: CommitCertificate | null
  /** Validators whose late precommit for the last block was checked (one check each). */
  lateChecked: Set<number>
  /** Our index in `validators`, -1 when we only observe this height. */
  myIndex: number
  rounds: Map<number, RoundState>
  /** Highest round each validator sent a message for at this height (rule 8). */
  highest: Map<number, number>
  highestChanged: boolean
  /** Own signed messages at this height, keyed `${round}:${proposal|prevote|precommit}`. */
  own: Map<string, Uint8Array>
  /** Highest round of this height with a `round` record out (we may sign up to it); -1: none. */
  marked: number
  /** Round 0 of the next height is marked already (with our lock at this height). */
  nextMarked: boolean
  /** Keys of every block proposed at this height: conflicting votes for these still count. */
  proposed: Set<string>
  /** Block key -> next validator set if valid, null if not (valid(v) is evaluated once). */
  validity: Map<string, ValidatorSet | null>
  /** Raw messages for height + 1, replayed once we get there. */
  future: Uint8Array[]
  futureBytes: number
  stats: ConsensusStats
}

function resolve(config: CoreConfig): ResolvedConfig {
  if (config.chainId.length !== HASH_LENGTH) throw new ConsensusConfigError('chainId must be 32 bytes')
  return {
    chainId: config.chainId,
    signer: config.signer,
    app: config.app,
    timeouts: { ...DEFAULT_TIMEOUTS, ...config.timeouts },
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    verify: config.verify ?? verifySignature,
    rule: config.quorumRule ?? TWO_THIRDS,
  }
}

function emptyStats(): ConsensusStats {
  const reasons: DropReason[] = [
    'oversize',
    'malformed',
    'wrongChain',
    'stale',
    'future',
    'unknownValidator',
    'badSignature',
    'duplicate',
    'redundant',
    'conflicting',
    'badCertificate',
  ]
  return {
    received: 0,
    dropped: Object.fromEntries(reasons.map((r) => [r, 0])) as ConsensusStats['dropped'],
    equivocations: 0,
  }
}

/** Moves to the first round of `tip.height`: locks, valid values and round state reset. */
export function enterHeight(s: CoreState, tip: ChainTip): void {
  s.height = tip.height
  s.round = 0
  s.step = 'newHeight'
  s.lockedValue = null
  s.lockedRound = -1
  s.validValue = null
  s.validRound = -1
  s.validators = tip.validators
  s.lastValidators = tip.lastValidators
  s.lastBlockHash = tip.lastBlockHash
  s.lastCertificate = tip.lastCertificate
  s.lateChecked = new Set()
  s.myIndex = indexOfKey(tip.validators, s.config.signer.publicKey)
  s.rounds = new Map()
  s.highest = new Map()
  s.highestChanged = false
  s.own = new Map()
  s.marked = -1
  s.nextMarked = false
  s.validity = new Map()
  s.proposed = new Set()
  s.future = []
  s.futureBytes = 0
}

export function createState(config: CoreConfig, tip: ChainTip): CoreState {
  const s = { config: resolve(config), stats: emptyStats() } as CoreState
  enterHeight(s, tip)
  return s
}

export function roundState(s: CoreState, round: number): RoundState {
  let rs = s.rounds.get(round)
  if (rs === undefined) {
    const total = s.validators.totalWeight
    rs = {
      round,
      proposals: new Map(),
      first: null,
      prevotes: new VoteSet(total, s.config.rule),
      precommits: new VoteSet(total, s.config.rule),
      fired: 0,
    }
    s.rounds.set(round, rs)
  }
  return rs
}

export function voteSet(rs: RoundState, type: VoteType): VoteSet<Uint8Array> {
  return type === 'prevote' ? rs.prevotes : rs.precommits
}

export function noteRound(s: CoreState, index: number, round: number): void {
  if (round > (s.highest.get(index) ?? -1)) {
    s.highest.set(index, round)
    if (round > s.round) s.highestChanged = true
  }
}

/** Counts a dropped input; returns false so intake functions can `return drop(...)`. */
export function drop(s: CoreState, reason: DropReason): false {
  s.stats.dropped[reason]++
  return false
}

export function newOutput(): Output {
  return { send: [], persist: [], commit: [], timers: [], evidence: [], behind: 0 }
}
