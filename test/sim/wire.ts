/** Reading consensus messages from the outside, for network filters, Byzantine nodes and traces. */
import { toHex } from '../../lib/encoding.js'
import { DEFAULT_LIMITS, decodeMessage } from '../../gateway/consensus/index.js'
import type { MessageInfo } from './scenarios.js'

export function describe(bytes: Uint8Array): MessageInfo {
  const d = decodeMessage(bytes, DEFAULT_LIMITS)
  if (!d.ok) return { kind: 'other', height: -1, round: -1 }
  if (d.value.kind === 'proposal')
    return { kind: 'proposal', height: d.value.proposal.height, round: d.value.proposal.round }
  const v = d.value.vote
  return {
    kind: 'vote',
    height: v.height,
    round: v.round,
    type: v.type,
    validatorIndex: v.validatorIndex,
    nil: v.blockHash === null,
  }
}

/** One line for a trace: `vote h3 r0 prevote v2 ab12cd34` and the like. */
export function summarise(bytes: Uint8Array): string {
  const d = decodeMessage(bytes, DEFAULT_LIMITS)
  if (!d.ok) return `junk(${bytes.length}B: ${d.error})`
  if (d.value.kind === 'proposal') {
    const p = d.value.proposal
    return `proposal h${p.height} r${p.round} vr${p.validRound} ops=${d.value.block.operations.length}`
  }
  const v = d.value.vote
  const value = v.blockHash === null ? 'nil' : toHex(v.blockHash).slice(0, 8)
  return `${v.type} h${v.height} r${v.round} v${v.validatorIndex} ${value}`
}
