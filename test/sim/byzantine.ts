/**
 * Byzantine behaviours, applied to the messages a node's (otherwise correct) core sends:
 * - equivocate: as proposer, a second block to group B (sometimes an invalid one);
 * - double-vote: votes for the group's own block (or the honest value vs nil) per group;
 * - silent: sends nothing and serves no catch-up;
 * - bad-signature: corrupted signatures and votes claiming another validator's index;
 * - malformed: random, truncated, oversize and trailing-garbage messages alongside;
 * - twins: two nodes run with one key (they naturally sign conflicting messages);
 * - lock-attack: D of the classic lock schedule (scenarios.ts classicLockScenario).
 * Colluders share `Net.pairs` so double voters back the equivocator's two blocks.
 */
import { sha256 } from '../../lib/crypto.js'
import { concatBytes, equalBytes } from '../../lib/encoding.js'
import {
  decodeMessage,
  encodeBlock,
  encodeProposalSignBytes,
  encodeVoteSignBytes,
  type Hash,
  hashHeader,
  operationsRoot,
  TAG_PROPOSAL,
  TAG_VOTE,
  type Vote,
  type WireMessage,
} from '../../gateway/consensus/index.js'
import { OP_BAD, txOp } from './app.js'
import type { Net, SimNode } from './model.js'

type ProposalMessage = Extract<WireMessage, { kind: 'proposal' }>

export function byzantineSend(net: Net, node: SimNode, bytes: Uint8Array): void {
  const kinds = node.spec.byzantine
  if (kinds.includes('silent')) {
    net.fault('silent')
    return
  }
  if (kinds.includes('malformed') && net.rng.chance(0.3)) sendJunk(net, node, bytes)
  const d = decodeMessage(bytes, net.limits)
  if (!d.ok) {
    net.broadcast(node.id, bytes)
    return
  }
  const m = d.value
  const own = m.kind === 'proposal' || m.vote.validatorIndex === node.core?.myIndex
  if (kinds.includes('twins')) {
    net.fault('twins')
    net.broadcast(node.id, bytes)
    return
  }
  if (m.kind === 'proposal' && kinds.includes('equivocate') && m.proposal.validRound === -1) {
    equivocate(net, node, m, bytes)
    return
  }
  if (m.kind === 'vote' && own && kinds.includes('double-vote')) {
    doubleVote(net, node, m.vote, bytes)
    return
  }
  if (m.kind === 'vote' && own && kinds.includes('lock-attack')) {
    lockAttack(net, node, m.vote, bytes)
    return
  }
  if (kinds.includes('bad-signature')) {
    badSignatures(net, node, m, bytes)
    return
  }
  net.broadcast(node.id, bytes)
}

function inGroupA(net: Net, id: number): boolean {
  return !net.nodes[id].honest || net.groupA.has(id)
}

function signVote(node: SimNode, vote: Vote): Uint8Array {
  const key = `vote:${vote.type}:${vote.height}:${vote.round}:${vote.blockHash === null ? '-' : Buffer.from(vote.blockHash).toString('hex')}`
  let bytes = node.byzCache.get(key)
  if (bytes === undefined) {
    const signBytes = encodeVoteSignBytes(vote)
    bytes = concatBytes(signBytes, node.signer.sign(TAG_VOTE, signBytes))
    node.byzCache.set(key, bytes)
  }
  return bytes
}

const same = (a: Hash | null, b: Hash | null) => (a === null || b === null ? a === b : equalBytes(a, b))

function equivocate(net: Net, node: SimNode, m: ProposalMessage, bytes: Uint8Array): void {
  const { height, round } = m.proposal
  const key = `proposal:${height}:${round}`
  let alt = node.byzCache.get(key)
  if (alt === undefined) {
    const invalid = net.rng.chance(0.25)
    const extra = invalid ? new Uint8Array([OP_BAD]) : txOp(`evil:${height}:${round}`)
    const operations = [...m.block.operations, extra]
    const block = {
      ...m.block,
      header: { ...m.block.header, operationsHash: operationsRoot(operations) },
      operations,
    }
    const signBytes = encodeProposalSignBytes(m.proposal, encodeBlock(block))
    alt = concatBytes(signBytes, node.signer.sign(TAG_PROPOSAL, signBytes))
    node.byzCache.set(key, alt)
    net.pairs.set(`${height}:${round}`, { a: sha256(m.headerBytes), b: hashHeader(block.header) })
    if (invalid) net.fault('invalid-block')
  }
  for (const n of net.nodes)
    if (n.id !== node.id) net.sendTo(node.id, n.id, inGroupA(net, n.id) ? bytes : alt)
  net.fault('equivocation')
}

function doubleVote(net: Net, node: SimNode, vote: Vote, bytes: Uint8Array): void {
  const pair = net.pairs.get(`${vote.height}:${vote.round}`)
  const forA = pair ? pair.a : vote.blockHash
  const forB = pair ? pair.b : null
  if (same(forA, forB)) {
    net.broadcast(node.id, bytes)
    return
  }
  const bytesA = same(forA, vote.blockHash) ? bytes : signVote(node, { ...vote, blockHash: forA })
  const bytesB = same(forB, vote.blockHash) ? bytes : signVote(node, { ...vote, blockHash: forB })
  for (const n of net.nodes)
    if (n.id !== node.id) net.sendTo(node.id, n.id, inGroupA(net, n.id) ? bytesA : bytesB)
  net.fault('double-vote')
}

/** D of the classic lock schedule: v to those who must lock, nil to those who must not. */
function lockAttack(net: Net, node: SimNode, vote: Vote, bytes: Uint8Array): void {
  const roles = node.spec.attack!
  if (vote.height !== 1 || vote.round !== 0) {
    net.broadcast(node.id, bytes)
    return
  }
  const nil = signVote(node, { ...vote, blockHash: null })
  for (const n of net.nodes) {
    if (n.id === node.id) continue
    const honest = vote.type === 'prevote' ? n.id !== roles.c : n.id === roles.a
    net.sendTo(node.id, n.id, honest ? bytes : nil)
  }
  net.fault('double-vote')
}

function badSignatures(net: Net, node: SimNode, m: WireMessage, bytes: Uint8Array): void {
  for (const n of net.nodes) {
    if (n.id === node.id) continue
    if (!net.rng.chance(0.5)) {
      net.sendTo(node.id, n.id, bytes)
      continue
    }
    const bad = new Uint8Array(bytes)
    if (m.kind === 'vote' && net.rng.chance(0.5)) {
      // Impersonation: another validator's index under our signature. Index sits at byte 47.
      const count = node.core?.validators.validators.length ?? 1
      const other = (m.vote.validatorIndex + 1 + net.rng.int(0, Math.max(0, count - 2))) % count
      bad[47] = other >> 8
      bad[48] = other & 0xff
    } else {
      bad[bad.length - 1 - net.rng.int(0, 63)] ^= 1 << net.rng.int(0, 7)
    }
    net.sendTo(node.id, n.id, bad)
    net.fault('bad-signature')
  }
}

function sendJunk(net: Net, node: SimNode, bytes: Uint8Array): void {
  const rng = net.rng
  let junk: Uint8Array
  switch (rng.int(0, 4)) {
    case 0:
      junk = new Uint8Array(rng.int(1, 200)).map(() => rng.int(0, 255))
      break
    case 1:
      junk = bytes.slice(0, rng.int(0, bytes.length - 1))
      break
    case 2:
      junk = new Uint8Array(net.limits.maxMessageBytes + 1 + rng.int(0, 100))
      break
    case 3:
      junk = concatBytes(bytes, new Uint8Array([rng.int(0, 255)]))
      break
    default:
      junk = new Uint8Array(bytes)
      junk[0] = 9
  }
  const others = net.nodes.filter((n) => n.id !== node.id)
  net.sendTo(node.id, rng.pick(others).id, junk)
  net.fault('malformed')
}
