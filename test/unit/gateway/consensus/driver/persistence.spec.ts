/**
 * The driver's safety duty: a signed message goes out only after the record behind it is
 * durable (its round's mark; for a precommit of a block, the lock), so a validator killed at
 * any point and restarted never signs two different messages for one (height, round, type)
 * (TENDERMINT.md, "Voting twice after a restart"; docs/protocols/consensus.md "Restarts").
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

interface Own {
  slot: string
  height: number
  round: number
  /** Hex of the block hash a precommit is for; null otherwise. */
  precommitFor: string | null
  bytes: string
}

/** Own signed messages in a frame. */
function ownMessages(frame: Uint8Array, index: number): Own[] {
  const out: Own[] = []
  for (const bytes of Frame.decode(frame).consensus) {
    const d = decodeMessage(bytes, DEFAULT_LIMITS)
    if (!d.ok) continue
    const m = d.value
    if (m.kind === 'vote' && m.vote.validatorIndex === index) {
      const v = m.vote
      const precommitFor = v.type === 'precommit' && v.blockHash !== null ? toHex(v.blockHash) : null
      const slot = `${v.height}/${v.round}/${v.type}`
      out.push({ slot, height: v.height, round: v.round, precommitFor, bytes: toHex(bytes) })
    }
    if (m.kind === 'proposal' && toHex(m.block.header.proposer) === toHex(keys[index].publicKey)) {
      const p = m.proposal
      const slot = `${p.height}/${p.round}/proposal`
      out.push({ slot, height: p.height, round: p.round, precommitFor: null, bytes: toHex(bytes) })
    }
  }
  return out
}

/** Rounds marked (`h/r`) and locks (`h/r`) in a batch's record writes. */
function recordsIn(ops: BatchOp[]): { rounds: string[]; locks: string[] } {
  const rounds: string[] = []
  const locks: string[] = []
  for (const op of ops) {
    if (op.type !== 'put' || !op.key.startsWith('r/')) continue
    const r = decodeRecord(op.value)
    if (r?.kind === 'round') rounds.push(`${r.height}/${r.round}`)
    if (r?.kind === 'lock' && r.lockedRound >= 0) locks.push(`${r.height}/${r.lockedRound}`)
  }
  return { rounds, locks }
}

describe('consensus driver: persist before send', () => {
  let members: Member[] = []
  afterEach(async () => {
    for (const m of members) await m.driver.stop()
    members = []
  })

  it('[bft] every own message on the wire followed a synced mark of its round, and a precommit of a block its lock', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const rounds = new Set<string>()
    const locks = new Set<string>()
    members[0].store.onBatch = (ops, synced) => {
      if (!synced) return
      const r = recordsIn(ops)
      for (const x of r.rounds) rounds.add(x)
      for (const x of r.locks) locks.add(x)
    }
    let checked = 0
    let precommits = 0
    const early: string[] = []
    hub.tap = (s) => {
      if (s.from !== members[0].peerId) return
      for (const m of ownMessages(s.frame, 0)) {
        const at = `${m.height}/${m.round}`
        // The restart marks of the first height were written before the hook was set.
        if (m.height > 1 && !rounds.has(at)) early.push(`${m.slot} before its round's mark`)
        if (m.precommitFor !== null && m.height > 1) {
          precommits++
          if (!locks.has(at)) early.push(`${m.slot} before its lock`)
        }
        checked++
      }
    }
    // Six waves, so there are several heights to check.
    for (let w = 0; w < 6; w++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => members[i % 4].driver.submissions.submit(utf8(`op${w}/${i}`))),
      )
    }
    assert.deepEqual(early, [], 'sent before their records were durable')
    assert.ok(checked > 10 && precommits >= 5, `checked ${checked} own messages, ${precommits} precommits`)
  })

  it('[bft] killed between its lock and its precommit, a restarted validator sends that very precommit, and never two messages for one slot', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const victim = members[2]
    // Stop the victim the moment a batch holding its lock is durable, before the driver hears
    // back from the disk: the precommit behind the lock is signed and never sent.
    let lockedAt: string | undefined
    victim.store.onBatch = (ops) => {
      if (lockedAt !== undefined || victim.driver.chain.height < 3) return
      const [lock] = recordsIn(ops).locks
      if (lock === undefined) return
      lockedAt = lock
      victim.driver.abort()
      hub.handlers.delete(victim.peerId)
    }
    const load = Array.from({ length: 40 }, (_, i) =>
      members[(i % 2) * 3].driver.submissions.submit(utf8(`x${i}`)),
    )
    await until('the victim to be stopped mid-step', () => lockedAt !== undefined)
    const precommitAt = (s: { from: string; frame: Uint8Array }) =>
      s.from === victim.peerId &&
      ownMessages(s.frame, 2).some((m) => m.precommitFor !== null && `${m.height}/${m.round}` === lockedAt)
    assert.ok(!hub.sent.some(precommitAt), 'the precommit behind the lock never went out')
    await Promise.all(load)

    const mark = hub.sent.length
    members[2] = await startMember(hub, genesis, victim.key, victim.data)
    await until('the restarted validator to send the precommit of its lock', () =>
      hub.sent.slice(mark).some(precommitAt),
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
      for (const m of ownMessages(s.frame, 2))
        slots.set(m.slot, (slots.get(m.slot) ?? new Set()).add(m.bytes))
    }
    for (const [slot, variants] of slots) assert.equal(variants.size, 1, `two different messages for ${slot}`)
  })
})
