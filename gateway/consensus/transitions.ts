/**
 * The transitions of Algorithm 1: startRound, the proposal, votes, timers and the decision.
 * Each `enterX` states its precondition and ignores calls that do not meet it, so stale
 * timeouts and late messages cannot move the state backwards. Before anything is signed in a
 * round, a `round` record for it goes into `persist` (the driver makes it durable before that
 * output's or any later output's `send`): a validator restarted in the highest round it marked
 * re-signs there only what it can have signed already, so it never signs twice for one slot
 * (docs/protocols/consensus.md "What must be persisted: restarts").
 * References: arXiv:1807.04938 Algorithm 1; CometBFT internal/consensus/state.go (enterX).
 */
import { sha256 } from '../../lib/crypto.js'
import { concatBytes, toHex } from '../../lib/encoding.js'
import { decodeMessage, encodeCertificate, encodeProposalSignBytes, encodeVoteSignBytes } from './codec.js'
import { proposerIndex } from './proposer.js'
import { receiveMessage, storeProposal, storeVote } from './receive.js'
import { type CoreState, enterHeight, roundState, tipAfter, type Value } from './state.js'
import {
  type CommitCertificate,
  type CommitRecord,
  type Output,
  type PersistRecord,
  TAG_PROPOSAL,
  TAG_VOTE,
  type TimerKind,
  type ValidatorSet,
  type VoteType,
} from './types.js'
import { createBlock } from './validity.js'

/** timeoutX(round) = base + round · delta (commit: base only). */
function timeoutMs(s: CoreState, kind: TimerKind): number {
  const t = s.config.timeouts
  const r = s.round
  return kind === 'propose'
    ? t.proposeMs + r * t.proposeDeltaMs
    : kind === 'prevote'
      ? t.prevoteMs + r * t.prevoteDeltaMs
      : kind === 'precommit'
        ? t.precommitMs + r * t.precommitDeltaMs
        : t.commitMs
}

export function timer(s: CoreState, out: Output, kind: TimerKind, durationMs = timeoutMs(s, kind)): void {
  out.timers.push({ kind, height: s.height, round: s.round, durationMs })
}

/** startRound(r). Precondition: r is above the current round, or the height has not started. */
export function enterRound(s: CoreState, out: Output, r: number): void {
  if (!(s.step === 'newHeight' || r > s.round)) return
  s.round = r
  s.step = 'propose'
  roundState(s, r)
  markRound(s, out, r)
  if (s.myIndex >= 0 && proposerIndex(s.validators, s.height, r) === s.myIndex) propose(s, out)
  // Also armed for the proposer: a restored proposer may lack the polka its own re-proposal needs.
  timer(s, out, 'propose')
}

/** Records that we may sign in round `r` of this height (validators only, once per round). */
function markRound(s: CoreState, out: Output, r: number): void {
  if (s.myIndex < 0 || r <= s.marked) return
  s.marked = r
  out.persist.push({ kind: 'round', height: s.height, round: r })
}

/**
 * Marks round 0 of the next height, once per height, with rule 4's lock (the write a decision
 * usually follows), so the commit itself needs no synced write (see decide).
 */
export function markNextHeight(s: CoreState, out: Output): void {
  if (s.myIndex < 0 || s.nextMarked) return
  s.nextMarked = true
  out.persist.push({ kind: 'round', height: s.height + 1, round: 0 })
}

/** Precondition: we are proposer(height, round) in step propose. */
function propose(s: CoreState, out: Output): void {
  const k = `${s.round}:proposal`
  let bytes = s.own.get(k)
  if (bytes === undefined) {
    // The paper's proposal: validValue with validRound when set, else a new block. If the
    // application cannot build one (it broke the driver contract), the round just times out.
    let value: Value
    try {
      value = s.validValue ?? createBlock(s)
    } catch {
      return
    }
    const validRound = s.validValue === null ? -1 : s.validRound
    const fields = { chainId: s.config.chainId, height: s.height, round: s.round, validRound }
    const signBytes = encodeProposalSignBytes(fields, value.bytes)
    bytes = concatBytes(signBytes, s.config.signer.sign(TAG_PROPOSAL, signBytes))
    s.own.set(k, bytes)
  }
  out.send.push(bytes)
  const d = decodeMessage(bytes, s.config.limits)
  if (d.ok && d.value.kind === 'proposal') {
    const hash = sha256(d.value.headerBytes)
    if (!roundState(s, s.round).proposals.has(toHex(hash))) storeProposal(s, out, d.value, bytes, hash)
  }
}

/**
 * Signs (once per height, round and type) and sends our vote. If a vote for this slot was
 * already signed, that same vote is re-sent whatever `value` is now.
 */
function castVote(s: CoreState, out: Output, type: VoteType, value: Value | null): void {
  if (s.myIndex < 0) return
  const k = `${s.round}:${type}`
  let bytes = s.own.get(k)
  if (bytes === undefined) {
    const vote = {
      chainId: s.config.chainId,
      type,
      height: s.height,
      round: s.round,
      validatorIndex: s.myIndex,
      blockHash: value === null ? null : value.hash,
    }
    const signBytes = encodeVoteSignBytes(vote)
    bytes = concatBytes(signBytes, s.config.signer.sign(TAG_VOTE, signBytes))
    s.own.set(k, bytes)
  }
  out.send.push(bytes)
  const d = decodeMessage(bytes, s.config.limits)
  if (d.ok && d.value.kind === 'vote') storeVote(s, out, d.value, bytes)
}

/**
 * Precondition: step propose. Besides rule 3's timeoutPrevote (on a quorum of prevotes), a
 * longer one is armed now: a validator restarted in this round sends no prevote here (see
 * resumeMarkedRound), so a quorum of prevotes may never come; the nil precommits this timeout
 * yields are what moves such a round on (rule 6). Timeouts only ever produce nil votes, so
 * this cannot touch safety; it grows per round like the others.
 */
export function enterPrevote(s: CoreState, out: Output, value: Value | null): void {
  if (s.step !== 'propose') return
  castVote(s, out, 'prevote', value)
  s.step = 'prevote'
  timer(s, out, 'prevote', timeoutMs(s, 'propose') + timeoutMs(s, 'prevote'))
}

/**
 * Start of a validator restarted in round r of this height, the highest it marked: it may have
 * proposed and prevoted in r without keeping the messages, so it signs neither again there. Its
 * precommit in r can only have been for the value it locked in r (the lock is durable before
 * such a precommit goes out) or nil, so that one it signs now: Ed25519 signatures are
 * deterministic, so a precommit it sent before the crash is re-sent byte for byte. Its
 * precommit lets the others reach rule 6's quorum and move on.
 */
export function resumeMarkedRound(s: CoreState, out: Output): void {
  roundState(s, s.round)
  s.step = 'prevote'
  enterPrecommit(s, out, s.lockedRound === s.round ? s.lockedValue : null)
}

/** Precondition: step prevote. */
export function enterPrecommit(s: CoreState, out: Output, value: Value | null): void {
  if (s.step !== 'prevote') return
  castVote(s, out, 'precommit', value)
  s.step = 'precommit'
}

/** The lock, the valid value and the polka behind it: what rule 4 must make durable. */
export function lockRecord(s: CoreState): PersistRecord {
  const polka =
    s.validValue === null
      ? []
      : (s.rounds
          .get(s.validRound)
          ?.prevotes.votesFor(s.validValue.key)
          .map(([, bytes]) => bytes) ?? [])
  return {
    kind: 'lock',
    height: s.height,
    lockedRound: s.lockedRound,
    lockedBlock: s.lockedValue?.bytes ?? null,
    validRound: s.validRound,
    validBlock: s.validValue?.bytes ?? null,
    polka,
  }
}

/**
 * Decides `value` at the current height and moves to the next (step newHeight). A live decision
 * also marks round 0 of the next height, unless our lock at this height did already (rule 4),
 * so the next proposal never waits for that record; a fetched block (catch-up) leaves it to
 * enterRound.
 */
export function decide(
  s: CoreState,
  out: Output,
  value: Value,
  certificate: CommitCertificate,
  next: ValidatorSet,
  live: boolean,
): void {
  const record: CommitRecord = {
    height: s.height,
    block: value.block,
    blockHash: value.hash,
    blockBytes: value.bytes,
    certificate,
    certificateBytes: encodeCertificate(certificate),
    validators: s.validators,
    nextValidators: next,
  }
  out.commit.push(record)
  const future = s.future
  const nextMarked = s.nextMarked
  enterHeight(s, tipAfter(record))
  if (nextMarked && s.myIndex >= 0) s.marked = 0
  else if (live) markRound(s, out, 0)
  timer(s, out, 'commit')
  for (const bytes of future) receiveMessage(s, out, bytes)
}
