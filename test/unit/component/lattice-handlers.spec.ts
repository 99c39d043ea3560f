// Registration (XEP-0077, chat with D) and nick messaging through the real dispatch table, over
// an in-memory Lattice: the XMPP side's rules without servers (the processes test runs them for real).
import assert from 'node:assert/strict'
import { StoredAccounts } from '../../../component/accounts-store.js'
import { HANDLERS } from '../../../component/handlers/index.js'
import { RegistryOpeningError } from '../../../component/lattice.js'
import { decodeRelay, encodeRelay } from '../../../component/relay.js'
import { type RelayInboundOptions, startRelayInbound } from '../../../component/relay-inbound.js'
import { ignorePresence } from '../../../component/presence.js'
import { Router } from '../../../component/router.js'
import type { Element } from '../../../component/xml.js'
import { FakeLattice } from './fake-lattice.js'
import { assertXml, parse } from './stanza-helpers.js'

const D = 'lattice.a.example'
const ALICE = 'alice@a.example/phone'
const BOB = 'bob@a.example/laptop'
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as any

function setup() {
  const lattice = new FakeLattice()
  const accounts = StoredAccounts.inMemory(lattice)
  const sent: Element[] = []
  const router = new Router({
    handlers: HANDLERS,
    services: {
      domain: D,
      software: { name: 'x', version: '0' },
      nicks: { lookup: async () => undefined },
      lattice,
      accounts,
      presence: ignorePresence,
    },
    send: async (el) => {
      sent.push(el)
    },
    rate: { perSec: 1e6, burst: 1e6 },
  })
  const one = async (text: string): Promise<Element> => {
    const before = sent.length
    await router.handle(parse(text))
    assert.equal(sent.length - before, 1, `one reply to ${text}`)
    return sent[sent.length - 1]
  }
  const register = (from: string, nick: string, id = 'r1') =>
    one(
      `<iq type='set' id='${id}' from='${from}' to='${D}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>jabber:iq:register</value></field><field var='nick'><value>${nick}</value></field></x></query></iq>`,
    )
  return { lattice, accounts, router, sent, one, register }
}

/** A relay consumer over the fake lattice, with bob registered here; it delivers into `delivered`. */
async function relaySetup(opts: Partial<RelayInboundOptions> = {}) {
  const s = setup()
  await s.register(BOB, 'bob')
  const delivered: Element[] = []
  const inbound = startRelayInbound({
    domain: D,
    lattice: s.lattice,
    accounts: s.accounts,
    delivery: { deliver: async (el) => void delivered.push(el) },
    maxStanzaBytes: 1 << 18,
    log: silent,
    ...opts,
  })
  return { ...s, delivered, inbound, home: 'cc'.repeat(32) }
}

describe('component: registration and nick messaging over a Lattice', () => {
  it('[0.1.1] XEP-0077: form, registration, <registered/>, remove', async () => {
    const { one, register, lattice, accounts } = setup()
    const form = await one(
      `<iq type='get' id='g1' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    assertXml(
      form,
      `<iq type='result' id='g1'><query xmlns='jabber:iq:register'><instructions/><nick/><x xmlns='jabber:x:data' type='form'/></query></iq>`,
    )
    assertXml(await register(ALICE, 'Alice'), `<iq type='result' id='r1' from='${D}' to='${ALICE}'/>`)
    assert.equal(lattice.bindings.get('alice')?.home, lattice.nodeId())
    assert.equal(accounts.of('alice@a.example')?.nick, 'alice')
    const again = await one(
      `<iq type='get' id='g2' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    assertXml(again, `<iq type='result' id='g2'><query><registered/><username>alice</username></query></iq>`)
    // Legacy fields work too, and the same nick again is idempotent.
    assertXml(
      await one(
        `<iq type='set' id='r2' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><username>alice</username></query></iq>`,
      ),
      `<iq type='result' id='r2'/>`,
    )
    assertXml(
      await one(
        `<iq type='set' id='rm' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
      ),
      `<iq type='result' id='rm'/>`,
    )
    assert.equal(lattice.bindings.has('alice'), false)
    assert.equal(accounts.of('alice@a.example'), undefined)
    assertXml(
      await one(
        `<iq type='set' id='rm2' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
      ),
      `<iq type='error' id='rm2'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></iq>`,
    )
  })

  it('[0.1.2] XEP-0077 refusals: invalid (with why), taken, a second nick, no nick, a form of the wrong type, no cluster', async () => {
    const { one, register, lattice } = setup()
    const bad = await register(ALICE, 'K\u212Ate')
    assertXml(
      bad,
      `<iq type='error'><error type='modify'><not-acceptable xmlns='${STANZAS}'/><text xmlns='${STANZAS}'/></error></iq>`,
    )
    assert.match(bad.getChild('error')!.getChildText('text', STANZAS)!, /1 to 32 of a-z/)
    await register(BOB, 'bob')
    assertXml(
      await register(ALICE, 'bob'),
      `<iq type='error'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`,
    )
    await register(ALICE, 'alice')
    assertXml(
      await register(ALICE, 'alice2'),
      `<iq type='error'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(
      await one(`<iq type='set' id='e1' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'/></iq>`),
      `<iq type='error' id='e1'><error type='modify'><bad-request xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(
      await one(
        `<iq type='set' id='e2' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field><field var='nick'><value>z</value></field></x></query></iq>`,
      ),
      `<iq type='error' id='e2'><error type='modify'><bad-request xmlns='${STANZAS}'/></error></iq>`,
    )
    lattice.registerNick = async (nick) => ({ nick, accepted: false, reason: 'no-cluster', userNodeId: null })
    assertXml(
      await register('carol@a.example/x', 'carol'),
      `<iq type='error'><error type='wait'><remote-server-not-found xmlns='${STANZAS}'/></error></iq>`,
    )
  })

  it('[0.1.2] two registrations of one nick at once: exactly one wins, the other gets conflict', async () => {
    const { router, sent, lattice } = setup()
    let open!: () => void
    lattice.gate = new Promise((r) => {
      open = r
    })
    const iq = (from: string, id: string) =>
      parse(
        `<iq type='set' id='${id}' from='${from}' to='${D}'><query xmlns='jabber:iq:register'><nick>contested</nick></query></iq>`,
      )
    const both = Promise.all([router.handle(iq(ALICE, 'ra')), router.handle(iq(BOB, 'rb'))])
    open()
    await both
    assert.equal(sent.length, 2)
    assert.deepEqual(sent.map((s) => s.attrs.type).sort(), ['error', 'result'])
    assertXml(
      sent.find((s) => s.attrs.type === 'error'),
      `<iq><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`,
    )
  })

  it('[0.1.1] registration by chat with D', async () => {
    const { router, sent, lattice } = setup()
    await router.handle(
      parse(`<message type='chat' id='c1' from='${ALICE}' to='${D}'><body>register Alice</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='chat' from='${D}' to='${ALICE}'><body>You are alice@${D}.</body></message>`,
    )
    assert.ok(lattice.bindings.has('alice'))
    await router.handle(
      parse(`<message type='chat' id='c2' from='${BOB}' to='${D}'><body>register alice</body></message>`),
    )
    assert.match(sent.at(-1)!.getChildText('body')!, /^Not done: the nick alice is taken/)
    const before = sent.length
    await router.handle(
      parse(
        `<message type='chat' from='${BOB}' to='${D}'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
      ),
    )
    assert.equal(sent.length, before, 'a chat state gets no answer')
    await router.handle(parse(`<message type='chat' from='${BOB}' to='${D}'><body>what?</body></message>`))
    assert.match(sent.at(-1)!.getChildText('body')!, /register <nick>/)
  })

  it('[0.1.3] a message to nick@D is queued for the nick home node with both nicks; refusals are bounced', async () => {
    const { router, sent, lattice, register } = setup()
    await register(ALICE, 'alice')
    lattice.bindings.set('bob', {
      nick: 'bob',
      home: 'bb'.repeat(32),
      userNodeId: '02'.padStart(64, '0'),
      since: 2,
    })
    await router.handle(
      parse(
        `<message type='chat' id='m1' from='${ALICE}' to='Bob@${D}'><body>hi</body><x xmlns='urn:u'/></message>`,
      ),
    )
    assert.equal(lattice.sent.length, 1)
    assert.equal(lattice.sent[0].to, 'bb'.repeat(32))
    const relay = decodeRelay(lattice.sent[0].payload)
    assert.deepEqual(
      [relay.fromNick, relay.toNick, relay.id, relay.children],
      ['alice', 'bob', 'm1', '<body>hi</body><x xmlns="urn:u"/>'],
    )

    await router.handle(
      parse(`<message type='chat' id='m2' from='${ALICE}' to='nobody@${D}'><body>?</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='error' id='m2' from='nobody@${D}'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></message>`,
    )
    await router.handle(
      parse(`<message type='chat' id='m3' from='${ALICE}' to='other.bob@${D}'><body>?</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='error' id='m3'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></message>`,
    )
    await router.handle(
      parse(`<message type='chat' id='m4' from='${BOB}' to='alice@${D}'><body>?</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='error' id='m4'><error type='auth'><registration-required xmlns='${STANZAS}'/></error></message>`,
    )
    lattice.send = async () => {
      throw new Error('the outbox holds 100000 messages')
    }
    await router.handle(
      parse(`<message type='chat' id='m5' from='${ALICE}' to='bob@${D}'><body>?</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='error' id='m5'><error type='wait'><resource-constraint xmlns='${STANZAS}'/></error></message>`,
    )
    assert.equal(lattice.sent.length, 1)

    // A restarted node whose registry is not open yet cannot say "no such nick": try later.
    lattice.opening = true
    await router.handle(
      parse(`<message type='chat' id='m6' from='${ALICE}' to='bob@${D}'><body>?</body></message>`),
    )
    assertXml(
      sent.at(-1),
      `<message type='error' id='m6' from='bob@${D}'><error type='wait'><recipient-unavailable xmlns='${STANZAS}'/></error></message>`,
    )
    assert.equal(lattice.sent.length, 1)
  })

  it('[0.1.4] arriving relays go to the real JID from sender@D; forged senders, unknown nicks and bad payloads are dropped', async () => {
    const { lattice, delivered, inbound, home } = await relaySetup()
    lattice.bindings.set('alice', { nick: 'alice', home, userNodeId: '09'.padStart(64, '0'), since: 3 })
    const msg = parse(`<message to='bob@lattice.c' type='chat' id='x1'><body>hello</body></message>`)
    await lattice.deliver({ from: home, payload: encodeRelay(msg, 'alice', 'bob') })
    assertXml(
      delivered[0],
      `<message from='alice@${D}' to='bob@a.example' type='chat' id='x1'><body>hello</body></message>`,
    )
    // Another node speaking for alice, a nick nobody holds here, junk.
    await lattice.deliver({ from: 'dd'.repeat(32), payload: encodeRelay(msg, 'alice', 'bob') })
    await lattice.deliver({ from: home, payload: encodeRelay(msg, 'alice', 'zed') })
    await lattice.deliver({ from: home, payload: new Uint8Array([1, 2, 3]) })
    assert.equal(delivered.length, 1)
    assert.deepEqual(inbound.stats().dropped, { 'forged-sender': 1, 'unknown-nick': 1, 'not-a-relay': 1 })
    // A sender this registry does not know yet is waited for briefly (it may have registered a
    // moment ago at another member), then dropped; the queue is never held.
    const t0 = Date.now()
    await lattice.deliver({ from: home, payload: encodeRelay(msg, 'newcomer', 'bob') })
    assert.ok(Date.now() - t0 >= 2500, 'waited for the registry')
    assert.equal(inbound.stats().dropped['unknown-sender'], 1)
    const t1 = Date.now()
    await lattice.deliver({ from: home, payload: encodeRelay(msg, 'other', 'bob') })
    assert.ok(Date.now() - t1 < 500, 'one wait per 30 s')
    assert.equal(inbound.stats().dropped['unknown-sender'], 2)
    inbound.stop()
  })

  it("[0.1.4] a new user's first messages, arriving together before the registry knows the user, all wait for it", async () => {
    const { lattice, delivered, inbound, home } = await relaySetup()
    const relay = (id: string) =>
      encodeRelay(parse(`<message type='chat' id='${id}'><body>hi</body></message>`), 'dora', 'bob')
    const three = Promise.all(
      ['d1', 'd2', 'd3'].map((id) => lattice.deliver({ from: home, payload: relay(id) })),
    )
    // Dora's registration reaches this member's registry a moment later.
    setTimeout(() => {
      lattice.bindings.set('dora', { nick: 'dora', home, userNodeId: '0d'.padStart(64, '0'), since: 5 })
    }, 200)
    await three
    assert.deepEqual(
      delivered.map((m) => m.attrs.id),
      ['d1', 'd2', 'd3'],
    )
    assert.deepEqual(inbound.stats().dropped, {})
    inbound.stop()
  })

  it('[0.1.4] relays kept across a restart wait for the registry to open: delivered, not dropped as from unknown senders', async () => {
    const { lattice, delivered, inbound, home } = await relaySetup({
      registryWaitMs: 1000,
      unknownSenderWaitMs: 100,
    })
    lattice.bindings.set('alice', { nick: 'alice', home, userNodeId: '09'.padStart(64, '0'), since: 3 })
    lattice.opening = true
    const relay = (id: string) =>
      encodeRelay(parse(`<message type='chat' id='${id}'><body>kept</body></message>`), 'alice', 'bob')
    // Two at once, as a restarted node's queue hands them over. Judged before the registry
    // opens, alice would be unknown: waited for as a new user (100 ms here), then dropped.
    const both = Promise.all(['k1', 'k2'].map((id) => lattice.deliver({ from: home, payload: relay(id) })))
    setTimeout(() => {
      lattice.opening = false
    }, 300)
    await both
    assert.deepEqual(
      delivered.map((m) => m.attrs.id),
      ['k1', 'k2'],
    )
    assert.deepEqual(inbound.stats().dropped, {})
    // A registry that does not open in time: the relay is refused, not dropped, so the node's
    // queue keeps it and offers it again after a backoff.
    lattice.opening = true
    await assert.rejects(lattice.deliver({ from: home, payload: relay('k3') }), RegistryOpeningError)
    assert.equal(delivered.length, 2)
    assert.deepEqual(inbound.stats().dropped, {})
    inbound.stop()
  })

  it('[0.1.2] XEP-0077 with the user own key: the form says what to sign against; all three fields or none; a bound key cannot be released by the node', async () => {
    const { one, lattice, accounts } = setup()
    const form = await one(
      `<iq type='get' id='g1' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    const fields = form.getChild('query')!.getChild('x')!.getChildren('field')
    const value = (v: string) => fields.find((f) => f.attrs.var === v)?.getChildText('value')
    assert.equal(value('home'), lattice.signingContext()!.home)
    assert.equal(value('chain-id'), lattice.signingContext()!.chainId)
    assert.equal(value('seq'), '0')
    const b64 = (n: number, fill: number) => Buffer.alloc(n, fill).toString('base64url')
    const submit = (id: string, extra: string) =>
      one(
        `<iq type='set' id='${id}' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='nick'><value>alice</value></field>${extra}</x></query></iq>`,
      )
    const f = (v: string, x: string) => `<field var='${v}'><value>${x}</value></field>`
    assertXml(
      await submit('k1', f('signing-key', b64(32, 1))),
      `<iq type='error' id='k1'><error type='modify'><not-acceptable xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(
      await submit(
        'k2',
        f('signing-key', 'not base64!') + f('agreement-key', b64(32, 2)) + f('signature', b64(64, 3)),
      ),
      `<iq type='error' id='k2'><error type='modify'><not-acceptable xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(
      await submit(
        'k3',
        f('signing-key', b64(32, 1)) + f('agreement-key', b64(32, 2)) + f('signature', b64(64, 3)),
      ),
      `<iq type='result' id='k3'/>`,
    )
    assert.deepEqual(lattice.signedKeys.get('alice'), new Uint8Array(32).fill(1))
    assert.equal(accounts.of('alice@a.example')?.ownKey, true)
    assertXml(
      await one(
        `<iq type='set' id='rm' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
      ),
      `<iq type='error' id='rm'><error type='cancel'><not-allowed xmlns='${STANZAS}'/></error></iq>`,
    )
  })
})
