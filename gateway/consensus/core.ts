/**
 * Tendermint as a pure state machine: `step(state, input) -> output`, with no clock, socket or
 * disk. Timers are outputs that come back as inputs; `persist` must be durable before `send`
 * goes out; `commit` carries each decided block with its certificate. The transitions live in
 * transitions.ts, the "upon" rules in rules.ts, message intake in receive.ts.
 * References: Buchman, Kwon, Milosevic, arXiv:1807.04938, Algorithm 1; etcd-io/raft (the
 * Ready/Step shape); CometBFT internal/consensus/state.go.
 */
import { checkCommitted, receiveMessage } from './receive.js'
import { progress } from './rules.js'
import {
  type ChainTip,
  type CoreConfig,
  type CoreState,
  createState,
  newOutput,
  valueFromBytes,
} from './state.js'
import { decide, enterPrecommit, enterPrevote, enterRound, resumeMarkedRound } from './transitions.js'
import type { Input, Output, PersistRecord, Timer } from './types.js'

export function step(s: CoreState, input: Input): Output {
  const out = newOutput()
  switch (input.kind) {
    case 'start':
      start(s, out)
      break
    case 'message':
      s.stats.received++
      receiveMessage(s, out, input.bytes)
      break
    case 'timeout':
      onTimeout(s, out, input.timer)
      break
    case 'gossip':
      gossip(s, out)
      break
    case 'committed': {
      s.stats.received++
      const c = checkCommitted(s, input.block, input.certificate)
      if (c !== null) decide(s, out, c.value, c.certificate, c.next, false)
      break
    }
  }
  progress(s, out)
  return out
}

/**
 * Creates a validator's state at `tip`, restoring the records persisted for that height (rounds
 * marked for signing, the lock). Feed `{ kind: 'start' }` next. A restarted validator resumes
 * in the highest round it marked, where it may have signed without keeping what: see start.
 */
export function createCore(
  config: CoreConfig,
  tip: ChainTip,
  records: readonly PersistRecord[] = [],
): CoreState {
  const s = createState(config, tip)
  const sink = newOutput()
  let marked = -1
  for (const r of records) {
    if (r.height !== tip.height) continue
    if (r.kind === 'round') {
      marked = Math.max(marked, r.round)
      continue
    }
    s.lockedRound = r.lockedRound
    s.lockedValue = r.lockedBlock === null ? null : valueFromBytes(r.lockedBlock, s.config.limits)
    s.validRound = r.validRound
    s.validValue = r.validBlock === null ? null : valueFromBytes(r.validBlock, s.config.limits)
    marked = Math.max(marked, r.lockedRound, r.validRound)
    // The polka behind validValue, checked like any received vote, for a re-proposal of it.
    for (const bytes of r.polka) receiveMessage(s, sink, bytes)
  }
  if (marked >= 0) {
    s.round = marked
    s.marked = marked
  }
  return s
}

function start(s: CoreState, out: Output): void {
  // Precondition: not started yet (a fresh or restored state waits in newHeight).
  if (s.step !== 'newHeight') return
  if (s.marked === s.round) resumeMarkedRound(s, out)
  else enterRound(s, out, s.round)
}

function onTimeout(s: CoreState, out: Output, t: Timer): void {
  if (t.height !== s.height) return
  if (t.kind === 'commit') {
    if (s.step === 'newHeight') enterRound(s, out, 0)
  } else if (t.round === s.round) {
    if (t.kind === 'propose' && s.step === 'propose') enterPrevote(s, out, null)
    else if (t.kind === 'prevote' && s.step === 'prevote') enterPrecommit(s, out, null)
    else if (t.kind === 'precommit' && s.step !== 'newHeight') enterRound(s, out, t.round + 1)
  }
}

/**
 * Re-sends our own messages of this round and the previous one, and the polka behind
 * validValue. After losses or a partition every correct validator must eventually see what
 * the others saw: one that moved on to round r + 1 may still owe round r's votes to those
 * that did not (rule 8 moves them only once a third of the weight is ahead), and rule 2 at a
 * re-proposal needs the polka of its validRound.
 */
function gossip(s: CoreState, out: Output): void {
  if (s.step === 'newHeight') return
  for (const round of s.round > 0 ? [s.round - 1, s.round] : [s.round]) {
    for (const kind of ['proposal', 'prevote', 'precommit']) {
      const bytes = s.own.get(`${round}:${kind}`)
      if (bytes !== undefined) out.send.push(bytes)
    }
  }
  if (s.validValue === null) return
  const polka = s.rounds.get(s.validRound)
  if (polka !== undefined)
    for (const [, bytes] of polka.prevotes.votesFor(s.validValue.key)) out.send.push(bytes)
}
