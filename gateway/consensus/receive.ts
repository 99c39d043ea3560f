/**
 * Intake of wire messages and fetched committed blocks. Every input is bounded, decoded,
 * checked against this height's validator set and signature-verified before it can touch the
 * vote sets; anything else is dropped and counted in `stats.dropped`, never thrown.
 * References: arXiv:1807.04938 Algorithm 1 (messages are from the proposer / from validators);
 * docs/protocols/consensus.md "Receiving".
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes, toHex } from '../../lib/encoding.js'
import { decodeCertificate, decodeMessage, type WireMessage } from './codec.js'
import { proposerIndex } from './proposer.js'
import { NIL } from './quorum.js'
import {
  type CoreState,
  drop,
  noteRound,
  type ProposalEntry,
  roundState,
  type Value,
  valueFromBytes,
  voteSet,
} from './state.js'
import { type CommitCertificate, type Output, TAG_PROPOSAL, TAG_VOTE, type ValidatorSet } from './types.js'
import { structuralNextSet } from './validity.js'
import { verifyCommitCertificate } from './verify.js'

/** Messages for rounds further ahead only count towards rule 8; gossip re-sends them later. */
export const ROUND_WINDOW = 8
/** Bounds on buffered messages for the next height (count, and bytes in maximal messages). */
export const MAX_FUTURE = 1024
export const MAX_FUTURE_BYTES_FACTOR = 4
/** Bound on proposals kept per round (more than one means the proposer equivocated). */
export const MAX_PROPOSALS_PER_ROUND = 4

const valueKey = (hash: Uint8Array | null) => (hash === null ? NIL : toHex(hash))

type VoteMessage = Extract<WireMessage, { kind: 'vote' }>
type ProposalMessage = Extract<WireMessage, { kind: 'proposal' }>

/** Returns true when the message was stored (or buffered for the next height). */
export function receiveMessage(s: CoreState, out: Output, bytes: Uint8Array): boolean {
  const limits = s.config.limits
  if (bytes.length > limits.maxMessageBytes) return drop(s, 'oversize')
  const d = decodeMessage(bytes, limits)
  if (!d.ok) return drop(s, 'malformed')
  const m = d.value
  const f = m.kind === 'vote' ? m.vote : m.proposal
  if (!equalBytes(f.chainId, s.config.chainId)) return drop(s, 'wrongChain')
  if (f.height < s.height) {
    if (m.kind === 'vote') checkLatePrecommit(s, m)
    return drop(s, 'stale')
  }
  if (f.height > s.height) {
    // Signatures of later heights cannot be checked before we know their set: buffer h + 1 only.
    out.behind = Math.max(out.behind, f.height)
    const full =
      s.future.length >= MAX_FUTURE ||
      s.futureBytes + bytes.length > MAX_FUTURE_BYTES_FACTOR * limits.maxMessageBytes
    if (f.height !== s.height + 1 || full) return drop(s, 'future')
    s.future.push(bytes)
    s.futureBytes += bytes.length
    return true
  }
  return m.kind === 'vote' ? receiveVote(s, out, m, bytes) : receiveProposal(s, out, m, bytes)
}

function receiveVote(s: CoreState, out: Output, m: VoteMessage, bytes: Uint8Array): boolean {
  const v = m.vote
  const validator = s.validators.validators[v.validatorIndex]
  if (validator === undefined) return drop(s, 'unknownValidator')
  const far = v.round > s.round + ROUND_WINDOW
  if (!far) {
    const set = voteSet(roundState(s, v.round), v.type)
    const key = valueKey(v.blockHash)
    // A vote already counted (a gossip re-send) is dropped before paying for a signature check.
    if (set.has(v.validatorIndex, key)) return drop(s, 'duplicate')
    // So is a first vote for a block that already has a quorum in this set: the rules that
    // read the set fired on that quorum, and certificates and polka gossip carry the quorum's
    // votes. (With four validators, the last prevote of every height.)
    if (key !== NIL && set.quorumValue() === key && set.get(v.validatorIndex) === undefined) {
      return drop(s, 'redundant')
    }
  }
  if (!s.config.verify(TAG_VOTE, m.signBytes, m.signature, validator.publicKey))
    return drop(s, 'badSignature')
  noteRound(s, v.validatorIndex, v.round)
  return far || storeVote(s, out, m, bytes)
}

/**
 * A precommit for the block we have just decided that our own certificate lacks (with four
 * validators, the last of every height) is checked although it counts for nothing: the next
 * proposer's certificate for that block, which the next proposal carries and every validator
 * must verify, may well include it. Checked now, while the cluster waits for the next proposal,
 * it is a cache hit then, on the path every later operation waits on (config.verify is the
 * driver's cache of good signatures; the simulator's verifier is a plain check). The result is
 * not used: certificates are verified entry by entry when they arrive. One check per validator
 * and height, so stale junk cannot buy signature checks.
 */
function checkLatePrecommit(s: CoreState, m: VoteMessage): void {
  const v = m.vote
  const cert = s.lastCertificate
  if (v.type !== 'precommit' || v.blockHash === null || cert === null || s.lastValidators === null) return
  if (v.height !== cert.height || v.round !== cert.round || !equalBytes(v.blockHash, cert.blockHash)) return
  const validator = s.lastValidators.validators[v.validatorIndex]
  if (validator === undefined || s.lateChecked.has(v.validatorIndex)) return
  if (cert.signatures.some((c) => c.validatorIndex === v.validatorIndex)) return
  s.lateChecked.add(v.validatorIndex)
  s.config.verify(TAG_VOTE, m.signBytes, m.signature, validator.publicKey)
}

/**
 * Adds a verified (or our own) vote. A second, different vote from one validator is evidence
 * (counted as `conflicting`); it still counts for its own value when that value is nil or a
 * proposed block (see VoteSet in quorum.ts for why).
 */
export function storeVote(s: CoreState, out: Output, m: VoteMessage, bytes: Uint8Array): boolean {
  const v = m.vote
  const set = voteSet(roundState(s, v.round), v.type)
  const weight = s.validators.validators[v.validatorIndex].weight
  const key = valueKey(v.blockHash)
  const r = set.add(v.validatorIndex, weight, key, bytes, key === NIL || s.proposed.has(key))
  if (r === 'duplicate') return drop(s, 'duplicate')
  if (r === 'conflict') return drop(s, 'conflicting')
  if (r === 'equivocation') {
    s.stats.equivocations++
    const first = set.get(v.validatorIndex)!.vote
    out.evidence.push({
      kind: 'vote',
      height: v.height,
      round: v.round,
      validatorIndex: v.validatorIndex,
      first,
      second: bytes,
    })
    return drop(s, 'conflicting')
  }
  return true
}

function receiveProposal(s: CoreState, out: Output, m: ProposalMessage, bytes: Uint8Array): boolean {
  const p = m.proposal
  const header = m.block.header
  // A fresh block carries the round it is proposed in; a re-proposed one is no newer than its polka.
  if (p.validRound === -1 ? header.round !== p.round : header.round > p.validRound)
    return drop(s, 'malformed')
  const index = proposerIndex(s.validators, s.height, p.round)
  const far = p.round > s.round + ROUND_WINDOW
  const hash = sha256(m.headerBytes)
  if (!far) {
    const rs = roundState(s, p.round)
    if (rs.proposals.has(toHex(hash))) return drop(s, 'duplicate')
    if (rs.proposals.size >= MAX_PROPOSALS_PER_ROUND) return drop(s, 'conflicting')
  }
  const publicKey = s.validators.validators[index].publicKey
  if (!s.config.verify(TAG_PROPOSAL, m.signBytes, m.signature, publicKey)) return drop(s, 'badSignature')
  noteRound(s, index, p.round)
  if (!far) storeProposal(s, out, m, bytes, hash)
  return true
}

export function storeProposal(
  s: CoreState,
  out: Output,
  m: ProposalMessage,
  bytes: Uint8Array,
  hash = sha256(m.headerBytes),
): void {
  const rs = roundState(s, m.proposal.round)
  const value: Value = { block: m.block, hash, key: toHex(hash), bytes: m.blockBytes }
  const entry: ProposalEntry = { value, validRound: m.proposal.validRound, bytes }
  if (rs.first !== null) {
    s.stats.equivocations++
    const validatorIndex = proposerIndex(s.validators, s.height, rs.round)
    out.evidence.push({
      kind: 'proposal',
      height: s.height,
      round: rs.round,
      validatorIndex,
      first: rs.first.bytes,
      second: bytes,
    })
  } else {
    rs.first = entry
  }
  rs.proposals.set(value.key, entry)
  s.proposed.add(value.key)
}

/** A fetched committed block for our height, checked against our chain and its certificate. */
export function checkCommitted(
  s: CoreState,
  blockBytes: Uint8Array,
  certificateBytes: Uint8Array,
): { value: Value; certificate: CommitCertificate; next: ValidatorSet } | null {
  const value = valueFromBytes(blockBytes, s.config.limits)
  const cert = decodeCertificate(certificateBytes, s.config.limits)
  if (value === null || !cert.ok) {
    drop(s, 'malformed')
    return null
  }
  if (value.block.header.height !== s.height) {
    drop(s, value.block.header.height < s.height ? 'stale' : 'future')
    return null
  }
  const next = structuralNextSet(s, value.block)
  const target = { chainId: s.config.chainId, height: s.height, blockHash: value.hash }
  const options = { verify: s.config.verify, quorum: s.config.rule.quorum }
  if (next === null || !verifyCommitCertificate(s.validators, target, cert.value, options).ok) {
    drop(s, 'badCertificate')
    return null
  }
  return { value, certificate: cert.value, next }
}
