// The session table of the XEP-0050 handler (component/commands/sessions.ts): live, ended and
// foreign sessionids; bounds per requester and in all; expiry without timers.
import assert from 'node:assert/strict'
import { Sessions } from '../../../component/commands/sessions.js'
import { Jid } from '../../../component/jid.js'

const alice = Jid.parse('alice@a.example/phone')
const aliceLaptop = Jid.parse('alice@a.example/laptop')
const bob = Jid.parse('bob@b.example/tablet')

describe('component/commands/sessions', () => {
  it('[0.1.1] take returns a live session once; then its id is ended, never foreign', () => {
    const t = new Sessions()
    const sid = t.open(alice, 'register', { stage: 1 }, 'urn:f')
    const got = t.take(alice, 'register', sid)
    assert.equal(got.kind, 'live')
    assert.deepEqual(got.kind === 'live' && [got.session.state, got.session.formType], [
      { stage: 1 },
      'urn:f',
    ])
    assert.deepEqual(t.take(alice, 'register', sid), { kind: 'ended' })
    assert.deepEqual(t.take(alice, 'register', t.mint(alice, 'register')), { kind: 'ended' })
    assert.equal(t.size, 0)
  })

  it('[0.1.1] a sessionid is bound to the full JID and node: anyone else gets foreign and the session survives', () => {
    const t = new Sessions()
    const sid = t.open(alice, 'register', null, undefined)
    for (const [who, node] of [
      [bob, 'register'],
      [aliceLaptop, 'register'],
      [alice, 'neighbours'],
    ] as const) {
      assert.deepEqual(t.take(who, node, sid), { kind: 'foreign' })
    }
    for (const bogus of ['', '.', 'abc', `${sid}x`, `x${sid}`, sid.replace('.', ''), 'a'.repeat(5000)]) {
      assert.deepEqual(t.take(alice, 'register', bogus), { kind: 'foreign' }, bogus.slice(0, 20))
    }
    assert.equal(t.take(alice, 'register', sid).kind, 'live')
  })

  it('expires after the TTL; sweeping on open drops expired sessions without a timer', () => {
    let now = 0
    const t = new Sessions({ ttlMs: 1000, now: () => now })
    const old = t.open(alice, 'register', null, undefined)
    now = 999
    t.open(bob, 'register', null, undefined)
    now = 1000
    assert.deepEqual(t.take(alice, 'register', old), { kind: 'ended' })
    now = 2500
    t.open(alice, 'register', null, undefined)
    assert.equal(t.size, 1, "Bob's expired session was swept")
  })

  it('bounds: the oldest of the same bare JID gives way first, then the oldest overall', () => {
    const t = new Sessions({ max: 5, maxPerRequester: 3 })
    const b = t.open(bob, 'register', null, undefined)
    const a = Array.from({ length: 4 }, (_, i) =>
      t.open(i % 2 ? aliceLaptop : alice, 'register', null, undefined),
    )
    assert.equal(t.size, 4, 'three of Alice (both resources count) and one of Bob')
    assert.deepEqual(t.take(alice, 'register', a[0]), { kind: 'ended' })
    for (let i = 0; i < 2; i++) t.open(Jid.parse(`c${i}@c.example/r`), 'register', null, undefined)
    assert.equal(t.size, 5)
    assert.deepEqual(t.take(bob, 'register', b), { kind: 'ended' }, 'the oldest overall went')
    assert.equal(t.take(alice, 'register', a[2]).kind, 'live')
  })

  it('restore puts a taken session back with its id and expiry, but not past its TTL or a bound', () => {
    let now = 0
    const t = new Sessions({ ttlMs: 1000, now: () => now, maxPerRequester: 1 })
    const sid = t.open(alice, 'register', 'state', undefined)
    const got = t.take(alice, 'register', sid)
    assert.ok(got.kind === 'live')
    t.restore(sid, got.session)
    const again = t.take(alice, 'register', sid)
    assert.ok(again.kind === 'live')
    assert.equal(again.session.expires, 1000)
    t.open(alice, 'register', null, undefined) // Alice's one slot is taken meanwhile
    t.restore(sid, again.session)
    assert.deepEqual(t.take(alice, 'register', sid), { kind: 'ended' })
    now = 1000
    const late = t.open(bob, 'register', null, undefined)
    const l = t.take(bob, 'register', late)
    assert.ok(l.kind === 'live')
    now = 3000
    t.restore(late, l.session)
    assert.equal(t.size, 0)
  })

  it('open with the id of a session just taken keeps that id for the next stage', () => {
    const t = new Sessions()
    const sid = t.open(alice, 'register', 1, undefined)
    assert.ok(t.take(alice, 'register', sid).kind === 'live')
    assert.equal(t.open(alice, 'register', 2, undefined, sid), sid)
    const got = t.take(alice, 'register', sid)
    assert.ok(got.kind === 'live' && got.session.state === 2)
  })
})
