import assert from 'node:assert/strict'
import {
  DEFAULT_LIMITS,
  encodeBlock,
  encodeCertificate,
  type Output,
  type PersistRecord,
  proposerIndex,
  verifyCommitCertificate,
} from '../../../../gateway/consensus/index.js'
import { buildBlock, certificate, proposal, setOf, signers, vote } from './fixtures.js'
import { Harness, hex, sentProposals, sentVotes, TIMEOUTS } from './harness.js'

const keys = signers(4)
const set = setOf(keys)
const P = (round: number) => proposerIndex(set, 1, round)

/** Validator 0, started, holding the proposal v of height 1, round 0. */
function proposed() {
  const t = new Harness(keys, set, 0)
  t.start()
  const v = buildBlock({ set, height: 1, round: 0 })
  t.propose(0, -1, v)
  return { t, v }
}

describe('consensus: core happy path', () => {
  it('consensus: proposes, prevotes, locks, precommits and decides with a verifiable certificate', () => {
    assert.deepEqual([P(0), P(1), P(2), P(3)], [1, 2, 3, 0])
    const t = new Harness(keys, set, 0)
    const started = t.start()
    assert.deepEqual(started.timers, [{ kind: 'propose', height: 1, round: 0, durationMs: 100 }])
    // The round is marked (made durable) before anything is signed in it.
    assert.deepEqual(started.persist, [{ kind: 'round', height: 1, round: 0 }])
    const v = buildBlock({ set, height: 1, round: 0 })
    let out = t.propose(0, -1, v)
    // Rule 1: prevote id(v); nothing more to persist, the round's mark covers it.
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      [hex(v.hash)],
    )
    assert.deepEqual(out.persist, [])
    t.vote(1, 'prevote', 0, v.hash)
    out = t.vote(2, 'prevote', 0, v.hash)
    // Rule 4: lock and precommit; the lock (with the polka behind it) is persisted first, and
    // with it the mark of the next height's round 0, so the commit needs no synced write.
    assert.deepEqual(
      out.persist.map((r) => (r.kind === 'round' ? `round ${r.height}/${r.round}` : r.kind)),
      ['lock', 'round 2/0'],
    )
    assert.equal((out.persist[0] as Extract<PersistRecord, { kind: 'lock' }>).polka.length, 3)
    assert.equal(t.core.lockedRound, 0)
    assert.deepEqual(
      sentVotes(out, 'precommit').map((x) => hex(x.blockHash)),
      [hex(v.hash)],
    )
    t.vote(1, 'precommit', 0, v.hash)
    out = t.vote(3, 'precommit', 0, v.hash)
    // Rule 7: decide; the certificate convinces anyone holding the set.
    assert.equal(out.commit.length, 1)
    const c = out.commit[0]
    assert.equal(c.height, 1)
    assert.deepEqual(c.blockHash, v.hash)
    assert.deepEqual(
      c.certificate.signatures.map((s) => s.validatorIndex),
      [0, 1, 3],
    )
    assert.equal(verifyCommitCertificate(set, c.block.header, c.certificate).ok, true)
    assert.equal(t.core.height, 2)
    assert.equal(t.core.lockedRound, -1)
    assert.deepEqual(out.timers, [{ kind: 'commit', height: 2, round: 0, durationMs: TIMEOUTS.commitMs }])
    // Round 0 of the next height was marked with the lock: nothing to persist with the commit.
    assert.deepEqual(out.persist, [])
  })

  it('consensus: deciding without a lock of its own, a validator marks the next round 0 with the commit', () => {
    const { t, v } = proposed()
    for (const i of [1, 2]) t.vote(i, 'precommit', 0, v.hash)
    const out = t.vote(3, 'precommit', 0, v.hash)
    assert.equal(out.commit.length, 1)
    assert.equal(t.core.lockedRound, -1)
    assert.deepEqual(out.persist, [{ kind: 'round', height: 2, round: 0 }])
  })

  it('consensus: the proposer of height 2 carries the certificate of height 1 and builds on it', () => {
    const me = proposerIndex(set, 2, 0)
    const t = new Harness(keys, set, me)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0 })
    const cert = certificate(keys, [0, 1, 2, 3], 1, 0, v.hash)
    t.step({ kind: 'committed', block: encodeBlock(v.block), certificate: encodeCertificate(cert) })
    const out = t.timeout('commit', 0)
    const [p] = sentProposals(out)
    assert.equal(p.proposal.height, 2)
    assert.deepEqual(p.block.header.prevHash, v.hash)
    assert.deepEqual(p.block.lastCommit, cert)
    assert.deepEqual(sentVotes(out, 'prevote').length, 1, 'the proposer prevotes its own valid block')
  })
})

describe('consensus: locking (targeted schedules)', () => {
  /** Round 0: validator 0 sees v and its polka, locks and precommits; the others precommit nil. */
  function lockedOnV() {
    const t = new Harness(keys, set, 0)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0 })
    t.propose(0, -1, v)
    t.vote(1, 'prevote', 0, v.hash)
    t.vote(2, 'prevote', 0, v.hash)
    assert.equal(t.core.lockedRound, 0)
    t.vote(1, 'precommit', 0, null)
    const out = t.vote(2, 'precommit', 0, null)
    assert.deepEqual(out.timers, [{ kind: 'precommit', height: 1, round: 0, durationMs: 50 }], 'rule 6')
    return { t, v }
  }

  it('consensus: the classic lock scenario: a locked validator prevotes nil for a new value', () => {
    const { t } = lockedOnV()
    t.timeout('precommit', 0)
    assert.equal(t.core.round, 1)
    const w = buildBlock({ set, height: 1, round: 1 })
    const out = t.propose(1, -1, w)
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      ['nil'],
    )
  })

  it('consensus: the classic lock scenario: the locked value itself is prevoted when re-proposed', () => {
    const { t, v } = lockedOnV()
    t.timeout('precommit', 0)
    const out = t.propose(1, 0, v)
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      [hex(v.hash)],
    )
  })

  it("consensus: rule 2's lockedRound <= vr escape: a newer polka releases the lock", () => {
    const { t } = lockedOnV()
    t.timeout('precommit', 0)
    // Round 1: we miss w's proposal and prevote nil; the others form a polka for w.
    t.timeout('propose', 1)
    const w = buildBlock({ set, height: 1, round: 1 })
    for (const i of [1, 2, 3]) t.vote(i, 'prevote', 1, w.hash)
    t.timeout('prevote', 1)
    for (const i of [1, 2]) t.vote(i, 'precommit', 1, null)
    t.timeout('precommit', 1)
    assert.equal(t.core.round, 2)
    assert.equal(t.core.lockedRound, 0)
    // Round 2: w re-proposed with vr = 1 >= lockedRound = 0.
    const out = t.propose(2, 1, w)
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      [hex(w.hash)],
    )
  })

  it('consensus: rule 2 keeps the lock when the polka is older than the lock', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    // Round 0: we miss w; the others form a polka for it; we precommit nil.
    const w = buildBlock({ set, height: 1, round: 0 })
    t.timeout('propose', 0)
    for (const i of [1, 2, 3]) t.vote(i, 'prevote', 0, w.hash)
    t.timeout('prevote', 0)
    for (const i of [1, 2]) t.vote(i, 'precommit', 0, null)
    t.timeout('precommit', 0)
    // Round 1: we lock on v.
    const v = buildBlock({ set, height: 1, round: 1 })
    t.propose(1, -1, v)
    t.vote(2, 'prevote', 1, v.hash)
    t.vote(3, 'prevote', 1, v.hash)
    assert.equal(t.core.lockedRound, 1)
    for (const i of [1, 2]) t.vote(i, 'precommit', 1, null)
    t.timeout('precommit', 1)
    // Round 2: w re-proposed with vr = 0 < lockedRound = 1: nil.
    const out = t.propose(2, 0, w)
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      ['nil'],
    )
  })

  it('consensus: rule 4 updates validValue after prevote, and the next proposal carries it', () => {
    const me = P(1)
    const t = new Harness(keys, set, me)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0 })
    t.timeout('propose', 0)
    const others = [0, 1, 2, 3].filter((i) => i !== me)
    for (const i of others) t.vote(i, 'prevote', 0, v.hash)
    t.timeout('prevote', 0)
    assert.equal(t.core.step, 'precommit')
    // The proposal arrives late: no lock (we already precommitted nil), but validValue moves.
    const out = t.propose(0, -1, v)
    assert.equal(t.core.lockedRound, -1)
    assert.equal(t.core.validRound, 0)
    const lock = out.persist.find((r) => r.kind === 'lock') as Extract<PersistRecord, { kind: 'lock' }>
    assert.deepEqual(lock.validBlock, v.bytes)
    for (const i of others.slice(0, 2)) t.vote(i, 'precommit', 0, null)
    const next = t.timeout('precommit', 0)
    const [p] = sentProposals(next)
    assert.equal(p.proposal.round, 1)
    assert.equal(p.proposal.validRound, 0)
    assert.deepEqual(p.blockBytes, v.bytes)
  })

  it('consensus: rule 8 skips to a round that a third of the weight has reached', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    t.vote(1, 'prevote', 3, null)
    assert.equal(t.core.round, 0)
    const out = t.vote(2, 'precommit', 3, null)
    assert.equal(t.core.round, 3)
    assert.deepEqual(
      out.timers,
      [
        { kind: 'propose', height: 1, round: 3, durationMs: 130 },
        // Validator 0 proposes round 3 and prevotes its own proposal: the prevote step's own timeout.
        { kind: 'prevote', height: 1, round: 3, durationMs: 130 + 65 },
      ],
      'timeouts grow per round',
    )
  })

  it('consensus: stale timeouts are ignored', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    t.timeout('propose', 0)
    assert.equal(t.core.step, 'prevote')
    const out = t.timeout('propose', 0)
    assert.deepEqual(out.send, [])
    assert.equal(t.timeout('prevote', 5).send.length, 0)
    assert.equal(t.timeout('precommit', 0, 7).send.length, 0)
    assert.equal(t.core.round, 0)
  })
})

describe('consensus: restart', () => {
  /** Every record a validator persisted, and the bytes of every message it sent. */
  function recorder(t: Harness) {
    const records: PersistRecord[] = []
    const sent: Uint8Array[] = []
    const step = (out: Output) => {
      records.push(...out.persist)
      sent.push(...out.send)
      return out
    }
    step(t.start())
    return { records, sent, step }
  }

  /** Validator 0 locks on v in round 0 (proposal and two prevotes), recorded. */
  function lockedOnVRecorded() {
    const t = new Harness(keys, set, 0)
    const d = recorder(t)
    const v = buildBlock({ set, height: 1, round: 0 })
    d.step(t.propose(0, -1, v))
    for (const i of [1, 2]) d.step(t.vote(i, 'prevote', 0, v.hash))
    return { t, d, v }
  }

  it('consensus: a restarted validator signs no proposal or prevote again in the round it marked, and re-signs its precommit byte for byte', () => {
    const t = new Harness(keys, set, 0)
    const d = recorder(t)
    d.step(t.timeout('propose', 0))
    for (const i of [1, 2]) d.step(t.vote(i, 'prevote', 0, null))
    const [precommit] = sentVotes({ send: d.sent } as Output, 'precommit')
    assert.equal(hex(precommit.blockHash), 'nil')

    const r = new Harness(keys, set, 0, d.records)
    assert.equal(r.core.round, 0)
    const resumed = r.start()
    assert.equal(r.core.step, 'precommit')
    assert.equal(r.signatures, 1, 'only the precommit is signed')
    const same = d.sent.filter((b) => resumed.send.some((x) => Buffer.compare(b, x) === 0))
    assert.equal(same.length, 1, 'the precommit it sent before the restart, byte for byte')
    // The proposal now arrives: a fresh core would prevote it; the restarted one must not.
    const v = buildBlock({ set, height: 1, round: 0 })
    for (const out of [r.propose(0, -1, v), r.step({ kind: 'gossip' }), r.timeout('propose', 0)])
      assert.deepEqual(sentVotes(out, 'prevote'), [])
    assert.equal(r.signatures, 1)
    // Rule 6 takes it on to round 1, marked before it signs there.
    for (const i of [1, 2]) r.vote(i, 'precommit', 0, null)
    const next = r.timeout('precommit', 0)
    assert.equal(r.core.round, 1)
    assert.deepEqual(next.persist, [{ kind: 'round', height: 1, round: 1 }])
  })

  it('consensus: a restarted validator keeps its lock; in a later marked round it precommits nil there', () => {
    const { t, d } = lockedOnVRecorded()
    for (const i of [1, 2]) d.step(t.vote(i, 'precommit', 0, null))
    d.step(t.timeout('precommit', 0))
    d.step(t.timeout('propose', 1))
    assert.equal(t.core.round, 1)

    const r = new Harness(keys, set, 0, d.records)
    assert.equal(r.core.round, 1)
    assert.equal(r.core.lockedRound, 0)
    const resumed = r.start()
    assert.deepEqual(
      sentVotes(resumed).map((x) => `${x.type} ${x.round} ${hex(x.blockHash)}`),
      ['precommit 1 nil'],
      'locked in round 0, so in round 1 it can only have precommitted nil',
    )
    for (const i of [1, 2]) r.vote(i, 'precommit', 1, null)
    r.timeout('precommit', 1)
    const out = r.propose(2, -1, buildBlock({ set, height: 1, round: 2 }))
    assert.deepEqual(
      sentVotes(out, 'prevote').map((x) => hex(x.blockHash)),
      ['nil'],
      'still locked on v',
    )
  })

  it('consensus: restarted in the round it locked in, it re-sends that precommit; as proposer later it re-proposes v with the polka it kept', () => {
    const { d, v } = lockedOnVRecorded()
    const [precommit] = sentVotes({ send: d.sent } as Output, 'precommit')
    assert.equal(hex(precommit.blockHash), hex(v.hash))

    const r = new Harness(keys, set, 0, d.records)
    const resumed = r.start()
    assert.deepEqual(
      sentVotes(resumed).map((x) => `${x.type} ${hex(x.blockHash)}`),
      [`precommit ${hex(v.hash)}`],
    )
    // Two validators in round 3 (a third of the weight): rule 8; validator 0 proposes round 3.
    assert.equal(P(3), 0)
    r.vote(1, 'prevote', 3, null)
    const out = r.vote(2, 'prevote', 3, null)
    const [p] = sentProposals(out)
    assert.equal(p.proposal.validRound, 0)
    assert.deepEqual(p.blockBytes, v.bytes)
    const polka = sentVotes(r.step({ kind: 'gossip' }), 'prevote').filter((x) => x.round === 0)
    assert.deepEqual(polka.map((x) => x.validatorIndex).sort(), [0, 1, 2])
  })

  it('consensus: a prevote step whose quorum never comes times out by itself into a nil precommit', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    const out = t.timeout('propose', 0)
    const backstop = TIMEOUTS.proposeMs + TIMEOUTS.prevoteMs
    assert.deepEqual(out.timers, [{ kind: 'prevote', height: 1, round: 0, durationMs: backstop }])
    const next = t.timeout('prevote', 0)
    assert.deepEqual(
      sentVotes(next).map((x) => `${x.type} ${hex(x.blockHash)}`),
      ['precommit nil'],
    )
  })
})

describe('consensus: hostile input', () => {
  it('consensus: malformed, oversize, wrongly signed and foreign messages are dropped and counted', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    // A genuine nil prevote of validator 3, and damaged copies of it.
    const valid = (() => {
      const v = new Harness(keys, set, 3)
      v.start()
      return v.timeout('propose', 0).send[0]
    })()
    const flipped = new Uint8Array(valid)
    flipped[flipped.length - 5] ^= 1
    const impersonated = new Uint8Array(valid)
    impersonated[48] = 2
    const unknown = new Uint8Array(valid)
    unknown[48] = 9
    const foreign = new Uint8Array(valid)
    foreign[5] ^= 1
    const cases: Array<[string, Uint8Array]> = [
      ['oversize', new Uint8Array(DEFAULT_LIMITS.maxMessageBytes + 1)],
      ['malformed', new Uint8Array([1, 2, 3])],
      ['malformed', valid.subarray(0, valid.length - 1)],
      ['malformed', new Uint8Array([...valid, 0])],
      ['malformed', Uint8Array.of(9, ...valid.subarray(1))],
      ['badSignature', flipped],
      ['badSignature', impersonated],
      ['unknownValidator', unknown],
      ['wrongChain', foreign],
    ]
    for (const [reason, bytes] of cases) {
      const before = t.core.stats.dropped[reason as keyof typeof t.core.stats.dropped]
      const out = t.msg(bytes)
      assert.deepEqual(out.send, [], reason)
      assert.equal(t.core.stats.dropped[reason as keyof typeof t.core.stats.dropped], before + 1, reason)
    }
    assert.equal(t.core.rounds.get(0)!.prevotes.size, 0, 'nothing was counted')
    assert.equal(t.msg(valid).send.length, 0)
    assert.equal(t.core.rounds.get(0)!.prevotes.size, 1, 'the genuine vote still counts')
    assert.equal(t.msg(valid).send.length, 0)
    assert.equal(t.core.stats.dropped.duplicate, 1)
  })

  it('consensus: a proposal signed by anyone but the round proposer is dropped', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0 })
    const out = t.msg(proposal(keys[2], 1, 0, -1, v))
    assert.equal(t.core.stats.dropped.badSignature, 1)
    assert.deepEqual(sentVotes(out), [])
  })

  it('consensus: two different votes from one validator are evidence, and count once', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0 })
    t.vote(1, 'prevote', 0, v.hash)
    const out = t.vote(1, 'prevote', 0, null)
    assert.equal(out.evidence.length, 1)
    assert.equal(out.evidence[0].validatorIndex, 1)
    assert.equal(t.core.stats.equivocations, 1)
    assert.equal(t.core.rounds.get(0)!.prevotes.votedWeight, 1n)
  })

  it('consensus: a first vote for a block that already has a quorum is not worth a signature check', () => {
    const { t, v } = proposed()
    for (const i of [1, 2]) t.vote(i, 'prevote', 0, v.hash)
    assert.equal(t.core.lockedRound, 0, 'the polka: own prevote and two others')
    // Validator 3's prevote for v, signed by someone else: dropped before any check, unstored.
    const forged = vote(keys[1], 3, 'prevote', 1, 0, v.hash)
    t.msg(forged)
    assert.equal(t.core.stats.dropped.redundant, 1)
    assert.equal(t.core.stats.dropped.badSignature, 0)
    assert.equal(t.core.rounds.get(0)!.prevotes.votedWeight, 3n)
    // A vote for another value is still checked (it could be evidence, or count for nil).
    t.msg(vote(keys[1], 3, 'prevote', 1, 0, null))
    assert.equal(t.core.stats.dropped.badSignature, 1)
    t.vote(3, 'prevote', 0, null)
    assert.equal(t.core.rounds.get(0)!.prevotes.votedWeight, 4n)
  })

  it('consensus: a late precommit for the decided block is checked once, for the next certificate', () => {
    const { t, v } = proposed()
    for (const i of [1, 2]) t.vote(i, 'prevote', 0, v.hash)
    for (const i of [1, 2]) t.vote(i, 'precommit', 0, v.hash)
    assert.equal(t.core.height, 2)
    assert.deepEqual(
      t.core.lastCertificate!.signatures.map((x) => x.validatorIndex),
      [0, 1, 2],
    )
    const checks = () => t.verifications
    const before = checks()
    // Validator 3's precommit arrives after the decision: stale, but its signature is checked
    // (the next proposer's certificate may carry it), once.
    t.msg(vote(keys[3], 3, 'precommit', 1, 0, v.hash))
    assert.equal(checks(), before + 1)
    t.msg(vote(keys[3], 3, 'precommit', 1, 0, v.hash))
    t.msg(vote(keys[1], 3, 'precommit', 1, 0, v.hash)) // junk signature: not another check
    assert.equal(checks(), before + 1)
    // Nothing else that is stale is worth a check: a signer already in our certificate, a
    // precommit for another block or round, a prevote.
    t.msg(vote(keys[1], 1, 'precommit', 1, 0, v.hash))
    t.msg(vote(keys[3], 3, 'precommit', 1, 1, v.hash))
    t.msg(vote(keys[3], 3, 'precommit', 1, 0, null))
    t.msg(vote(keys[3], 3, 'prevote', 1, 0, v.hash))
    assert.equal(checks(), before + 1)
    assert.equal(t.core.stats.dropped.stale, 7)
    assert.equal(t.core.rounds.size, 0, 'nothing stored for the new height')
  })

  it('consensus: random mutations of valid messages never throw', () => {
    const t = new Harness(keys, set, 0)
    t.start()
    const seeds = [
      ...new Harness(keys, set, 1).start().send,
      ...new Harness(keys, set, 2).timeout('propose', 0).send,
      encodeBlock(buildBlock({ set, height: 1, round: 0 }).block),
    ]
    let x = 12345
    const rand = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return x % n
    }
    for (let i = 0; i < 3000; i++) {
      const base = seeds[rand(seeds.length)]
      const bytes = new Uint8Array(base.subarray(0, base.length - rand(3) * rand(base.length)))
      for (let k = rand(4); k >= 0; k--) if (bytes.length > 0) bytes[rand(bytes.length)] = rand(256)
      assert.doesNotThrow(() => t.msg(bytes))
      assert.doesNotThrow(() => t.step({ kind: 'committed', block: bytes, certificate: bytes }))
    }
    assert.ok(t.core.stats.received >= 6000)
  })
})

describe('consensus: membership change', () => {
  it('consensus: a set chosen by the application takes effect at the next height, with its weights', () => {
    const next = setOf(keys, [3, 1, 1, 1])
    const me = [1, 2, 3].find((i) => i !== proposerIndex(set, 1, 0) && i !== proposerIndex(next, 2, 0))!
    const t = new Harness(keys, set, me)
    t.app.next = (height, current) => (height === 1 ? next : current)
    t.start()
    const v = buildBlock({ set, height: 1, round: 0, nextSet: next })
    t.propose(0, -1, v)
    const others = [0, 1, 2, 3].filter((i) => i !== me)
    for (const i of others) t.vote(i, 'prevote', 0, v.hash)
    let out = t.vote(others[0], 'precommit', 0, v.hash)
    out = t.vote(others[1], 'precommit', 0, v.hash)
    assert.equal(out.commit.length, 1)
    assert.deepEqual(out.commit[0].nextValidators.hash, next.hash)
    assert.deepEqual(t.core.validators.hash, next.hash)
    const cert = out.commit[0].certificate
    t.timeout('commit', 0)

    // Height 2 runs under the new set: a block naming the old one is invalid.
    const stale = buildBlock({ set, height: 2, round: 0, prevHash: v.hash, lastCommit: cert })
    assert.deepEqual(
      sentVotes(t.propose(0, -1, stale), 'prevote').map((x) => hex(x.blockHash)),
      ['nil'],
    )
    // Our nil and two weight-1 prevotes are 3 of 6: under the old equal weights 3 of 4 was a quorum.
    const w = buildBlock({ set: next, height: 2, round: 0, prevHash: v.hash, lastCommit: cert })
    t.propose(0, -1, w)
    for (const i of [1, 2, 3].filter((i) => i !== me)) t.vote(i, 'prevote', 0, w.hash)
    assert.equal(t.core.rounds.get(0)!.prevotes.hasQuorumAny(), false)
    out = t.vote(0, 'prevote', 0, w.hash)
    assert.deepEqual(
      sentVotes(out, 'precommit').map((x) => hex(x.blockHash)),
      [hex(w.hash)],
      'weight 5 of 6',
    )
  })
})
