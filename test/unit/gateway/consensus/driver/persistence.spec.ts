/**
 * The driver's safety duty: a signed message goes out only after the record behind it is
 * durable, so a validator killed at any point and restarted never signs two different messages
 * for one (height, round, type) (TENDERMINT.md, "Voting twice after a restart").
 */
import assert from 'node:assert/strict'
import { toHex } from '../../../../../lib/encoding.js'
import type { BatchOp } from '../../../../../lib/store/index.js'
import { Frame } from '../../../../../gateway/consensus/driver/bft.pb.js'
import { decodeRecord } from '../../../../../gateway/consensus/driver/records.js'
import { DEFAULT_LIMITS, decodeMessage } from '../../../../../gateway/consensus/index.js'
import { setOf, signers } from '../fixtures.js'
import { committed, Hub, type Member, startMember, until } from './cluster.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const keys = signers(4, 'persist')
const genesis = setOf(keys)

/** Own signed messages in a frame: slot `height/round/kind` -> hex of the signed bytes. */
function ownMessages(frame: Uint8Array, index: number): [string, string][] {
  const out: [string, string][] = []
  for (const bytes of Frame.decode(frame).consensus) {
    const d = decodeMessage(bytes, DEFAULT_LIMITS)
    if (!d.ok) continue
    const m = d.value
    if (m.kind === 'vote' && m.vote.validatorIndex === index) {
      out.push([`${m.vote.height}/${m.vote.round}/${m.vote.type}`, toHex(bytes)])
    }
    if (m.kind === 'proposal' && toHex(m.block.header.proposer) === toHex(keys[index].publicKey)) {
      out.push([`${m.proposal.height}/${m.proposal.round}/proposal`, toHex(bytes)])
    }
  }
  return out
}

/** The signed messages inside a batch's record writes (votes and proposals). */
function recordsIn(ops: BatchOp[]): string[] {
  const out: string[] = []
  for (const op of ops) {
    if (op.type !== 'put' || !op.key.startsWith('r/')) continue
    const r = decodeRecord(op.value)
    if (r !== null && r.kind !== 'lock') out.push(toHex(r.bytes))
  }
  return out
}

describe('consensus driver: persist before send', () => {
  let members: Member[] = []
  afterEach(async () => {
    for (const m of members) await m.driver.stop()
    members = []
  })

  it('[bft] every own vote and proposal on the wire was in a synced batch before it was sent', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const durable = new Set<string>()
    members[0].store.onBatch = (ops) => {
      for (const r of recordsIn(ops)) durable.add(r)
    }
    let checked = 0
    const early: string[] = []
    hub.tap = (s) => {
      if (s.from !== members[0].peerId) return
      for (const [slot, bytes] of ownMessages(s.frame, 0)) {
        if (!durable.has(bytes)) early.push(slot)
        checked++
      }
    }
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => members[i % 4].driver.submissions.submit(utf8(`op${i}`))),
    )
    assert.deepEqual(early, [], 'sent before their records were durable')
    assert.ok(checked > 10, `checked ${checked} own messages`)
  })

  it('[bft] killed between the synced write and the send, a restarted validator re-sends the same vote, never another', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const victim = members[2]
    // Stop the victim the moment a batch holding one of its precommits is durable, before the
    // driver hears back from the disk: the vote is persisted and never sent.
    let persisted: string | undefined
    victim.store.onBatch = (ops) => {
      if (persisted !== undefined || victim.driver.chain.height < 3) return
      const precommit = ops.find((op) => op.type === 'put' && op.key.endsWith('/precommit'))
      if (precommit === undefined) return
      persisted = recordsIn([precommit])[0]
      victim.driver.abort()
      hub.handlers.delete(victim.peerId)
    }
    const load = Array.from({ length: 40 }, (_, i) =>
      members[(i % 2) * 3].driver.submissions.submit(utf8(`x${i}`)),
    )
    await until('the victim to be stopped mid-step', () => persisted !== undefined)
    const sentBefore = hub.sent
      .filter((s) => s.from === victim.peerId)
      .flatMap((s) => ownMessages(s.frame, 2))
    assert.ok(!sentBefore.some(([, b]) => b === persisted), 'the persisted precommit never went out')
    await Promise.all(load)

    const mark = hub.sent.length
    members[2] = await startMember(hub, genesis, victim.key, victim.data)
    await until('the restarted validator to re-send its persisted precommit', () =>
      hub.sent
        .slice(mark)
        .some((s) => s.from === victim.peerId && ownMessages(s.frame, 2).some(([, b]) => b === persisted)),
    )
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => members[i % 4].driver.submissions.submit(utf8(`y${i}`))),
    )
    await until(
      'all four at one height',
      () => committed(members) >= members[0].driver.chain.height - 1 && committed(members),
    )

    const slots = new Map<string, Set<string>>()
    for (const s of hub.sent) {
      if (s.from !== victim.peerId) continue
      for (const [slot, bytes] of ownMessages(s.frame, 2))
        slots.set(slot, (slots.get(slot) ?? new Set()).add(bytes))
    }
    for (const [slot, variants] of slots) assert.equal(variants.size, 1, `two different messages for ${slot}`)
  })
})
