/**
 * The "upon" rules of Algorithm 1, re-evaluated after every input until none fires. Rule
 * numbers follow /work/shared/TENDERMINT.md (1, 2: prevote on a proposal; 3: arm
 * timeoutPrevote; 4: lock on a polka; 5: precommit nil; 6: arm timeoutPrecommit; 7: decide;
 * 8: skip to a later round).
 * References: arXiv:1807.04938 Algorithm 1.
 */
import { NIL, roundWithThird } from './quorum.js'
import { type CoreState, RULE3, RULE4, RULE6, type RoundState, roundState } from './state.js'
import {
  decide,
  enterPrecommit,
  enterPrevote,
  enterRound,
  lockRecord,
  markNextHeight,
  timer,
} from './transitions.js'
import type { Output } from './types.js'
import { isValid } from './validity.js'

/** Fires every rule whose condition holds, until none does (each firing changes the state). */
export function progress(s: CoreState, out: Output): void {
  for (let guard = 0; guard < 10_000; guard++) {
    // Rules wait for the commit timeout so the application has applied the previous block.
    if (s.step === 'newHeight') return
    if (tryDecide(s, out)) return
    if (trySkipRound(s, out)) continue
    const rs = roundState(s, s.round)
    if (s.step === 'propose' && tryPrevote(s, out, rs)) continue
    // Rule 3: a quorum of prevotes of any value arms timeoutPrevote, once per round.
    if (s.step === 'prevote' && !(rs.fired & RULE3) && rs.prevotes.hasQuorumAny()) {
      rs.fired |= RULE3
      timer(s, out, 'prevote')
    }
    if (s.step !== 'propose' && !(rs.fired & RULE4) && tryPolka(s, out, rs)) continue
    // Rule 5: a quorum of nil prevotes.
    if (s.step === 'prevote' && rs.prevotes.hasQuorumFor(NIL)) {
      enterPrecommit(s, out, null)
      continue
    }
    // Rule 6: a quorum of precommits of any value arms timeoutPrecommit, once per round.
    if (!(rs.fired & RULE6) && rs.precommits.hasQuorumAny()) {
      rs.fired |= RULE6
      timer(s, out, 'precommit')
    }
    return
  }
}

/** Rules 1 and 2, on the first proposal of the current round. */
function tryPrevote(s: CoreState, out: Output, rs: RoundState): boolean {
  const p = rs.first
  if (p === null) return false
  const v = p.value
  if (p.validRound === -1) {
    // Rule 1: a locked validator prevotes only its locked value.
    const ok = isValid(s, v) && (s.lockedRound === -1 || s.lockedValue?.key === v.key)
    enterPrevote(s, out, ok ? v : null)
    return true
  }
  const polka = s.rounds.get(p.validRound)
  if (polka === undefined || !polka.prevotes.hasQuorumFor(v.key)) return false
  // Rule 2: a polka at vr >= lockedRound releases the lock (needed for liveness, not safety).
  const ok = isValid(s, v) && (s.lockedRound <= p.validRound || s.lockedValue?.key === v.key)
  enterPrevote(s, out, ok ? v : null)
  return true
}

/** Rule 4: proposal + a quorum of prevotes for it, in step prevote or later, once per round. */
function tryPolka(s: CoreState, out: Output, rs: RoundState): boolean {
  const key = rs.prevotes.quorumValue()
  if (key === undefined) return false
  const p = rs.proposals.get(key)
  if (p === undefined || !isValid(s, p.value)) return false
  rs.fired |= RULE4
  const lock = s.step === 'prevote'
  if (lock) {
    s.lockedValue = p.value
    s.lockedRound = s.round
  }
  // validValue moves even when we already precommitted: the next proposer needs it (liveness).
  s.validValue = p.value
  s.validRound = s.round
  out.persist.push(lockRecord(s))
  if (lock) {
    markNextHeight(s, out)
    enterPrecommit(s, out, p.value)
  }
  return true
}

/** Rule 8: validators holding a third of the weight are in a later round: skip to it. */
function trySkipRound(s: CoreState, out: Output): boolean {
  if (!s.highestChanged) return false
  s.highestChanged = false
  const weightOf = (i: number) => s.validators.validators[i].weight
  const r = roundWithThird(s.highest, weightOf, s.validators.totalWeight, s.config.rule)
  if (r <= s.round) return false
  enterRound(s, out, r)
  return true
}

/** Rule 7: in any round, a proposal with a quorum of precommits for it decides the height. */
function tryDecide(s: CoreState, out: Output): boolean {
  for (const rs of s.rounds.values()) {
    const key = rs.precommits.quorumValue()
    if (key === undefined) continue
    const p = rs.proposals.get(key)
    if (p === undefined || !isValid(s, p.value)) continue
    const signatures = rs.precommits.votesFor(key).map(([validatorIndex, bytes]) => ({
      validatorIndex,
      signature: bytes.subarray(bytes.length - 64),
    }))
    const certificate = { height: s.height, round: rs.round, blockHash: p.value.hash, signatures }
    decide(s, out, p.value, certificate, s.validity.get(key)!, true)
    return true
  }
  return false
}
