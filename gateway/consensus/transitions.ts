/**
 * The transitions of Algorithm 1: startRound, the proposal, votes, timers and the decision.
 * Each `enterX` states its precondition and ignores calls that do not meet it, so stale
 * timeouts and late messages cannot move the state backwards. Every signed message is put in
 * `persist` as well as `send`: the driver makes it durable before it goes out.
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

export function timer(s: CoreState, out: Output, kind: TimerKind): void {
  const t = s.config.timeouts
  const r = s.round
  const durationMs =
    kind === 'propose'
      ? t.proposeMs + r * t.proposeDeltaMs
      : kind === 'prevote'
        ? t.prevoteMs + r * t.prevoteDeltaMs
        : kind === 'precommit'
          ? t.precommitMs + r * t.precommitDeltaMs
          : t.commitMs
  out.timers.push({ kind, height: s.height, round: r, durationMs })
}

/** startRound(r). Precondition: r is above the current round, or the height has not started. */
export function enterRound(s: CoreState, out: Output, r: number): void {
  if (!(s.step === 'newHeight' || r > s.round)) return
  s.round = r
  s.step = 'propose'
  roundState(s, r)
  if (s.myIndex >= 0 && proposerIndex(s.validators, s.height, r) === s.myIndex) propose(s, out)
  // Also armed for the proposer: a restored proposer may lack the polka its own re-proposal needs.
  timer(s, out, 'propose')
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
    out.persist.push({ kind: 'proposal', height: s.height, round: s.round, bytes })
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
 * already signed, possibly before a restart, that same vote is re-sent whatever `value` is now.
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
    out.persist.push({ kind: 'vote', height: s.height, round: s.round, type, bytes })
  }
  out.send.push(bytes)
  const d = decodeMessage(bytes, s.config.limits)
  if (d.ok && d.value.kind === 'vote') storeVote(s, out, d.value, bytes)
}

/** Precondition: step propose. */
export function enterPrevote(s: CoreState, out: Output, value: Value | null): void {
  if (s.step !== 'propose') return
  castVote(s, out, 'prevote', value)
  s.step = 'prevote'
}

/** Precondition: step prevote. */
export function enterPrecommit(s: CoreState, out: Output, value: Value | null): void {
  if (s.step !== 'prevote') return
  castVote(s, out, 'precommit', value)
  s.step = 'precommit'
}

export function lockRecord(s: CoreState): PersistRecord {
  return {
    kind: 'lock',
    height: s.height,
    lockedRound: s.lockedRound,
    lockedBlock: s.lockedValue?.bytes ?? null,
    validRound: s.validRound,
    validBlock: s.validValue?.bytes ?? null,
  }
}

/** Decides `value` at the current height and moves to the next (step newHeight). */
export function decide(
  s: CoreState,
  out: Output,
  value: Value,
  certificate: CommitCertificate,
  next: ValidatorSet,
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
  enterHeight(s, tipAfter(record))
  timer(s, out, 'commit')
  for (const bytes of future) receiveMessage(s, out, bytes)
}
