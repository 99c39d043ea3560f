// Presence for nicks (component/presence.ts) over an in-memory Lattice: subscriptions approved
// at once, watch requests to the nick's home, availability fanned out to subscribers, probes.
import assert from 'node:assert/strict'
import { StoredAccounts } from '../../../component/accounts-store.js'
import { Jid } from '../../../component/jid.js'
import { PresenceService } from '../../../component/presence.js'
import { decodeRelay } from '../../../component/relay.js'
import type { Element } from '../../../component/xml.js'
import { MemoryStore } from '../../../lib/store/index.js'
import { FakeLattice } from './fake-lattice.js'
import { assertXml, parse } from './stanza-helpers.js'

const D = 'lattice.a.example'
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as any
const OTHER = 'ee'.repeat(32)

async function setup(store = new MemoryStore()) {
  const lattice = new FakeLattice()
  const accounts = StoredAccounts.inMemory(lattice)
  const sent: Element[] = []
  const presence = await PresenceService.open({
    domain: D,
    lattice,
    accounts,
    store,
    send: async (el) => void sent.push(el),
    log: silent,
  })
  return { lattice, accounts, presence, sent, store }
}

describe('component/presence', () => {
  it('[xmpp] a subscription to nick@D is approved, the home is asked to watch, and its availability reaches the subscriber', async () => {
    const { lattice, presence, sent } = await setup()
    lattice.bindings.set('bob', { nick: 'bob', home: OTHER, userNodeId: '01'.padStart(64, '0'), since: 1 })
    await presence.toNick(
      parse(`<presence type='subscribe' to='bob@${D}'/>`),
      Jid.parse('alice@a.example/x'),
      'bob',
    )
    assertXml(sent[0], `<presence type='subscribed' from='bob@${D}' to='alice@a.example'/>`)
    assert.equal(lattice.sent.length, 1)
    assert.equal(lattice.sent[0].to, OTHER)
    const watch = decodeRelay(lattice.sent[0].payload)
    assert.deepEqual([watch.stanza, watch.type, watch.toNick], ['presence', 'subscribe', 'bob'])

    // bob's home reports him available with a status; alice hears it from bob@D.
    const available = {
      ...watch,
      type: '',
      fromNick: 'bob',
      toNick: '',
      children: '<show>away</show><status>lunch</status>',
    }
    await presence.relayed(available, OTHER)
    assertXml(
      sent.at(-1),
      `<presence from='bob@${D}' to='alice@a.example'><show>away</show><status>lunch</status></presence>`,
    )
    // A probe is answered from what was heard; after unavailable, unavailable.
    await presence.toNick(parse(`<presence type='probe'/>`), Jid.parse('alice@a.example'), 'bob')
    assertXml(sent.at(-1), `<presence from='bob@${D}' to='alice@a.example'><show>away</show></presence>`)
    await presence.relayed({ ...available, type: 'unavailable', children: '' }, OTHER)
    assertXml(sent.at(-1), `<presence type='unavailable' from='bob@${D}' to='alice@a.example'/>`)
    // A stranger's probe gets nothing; unsubscribing is confirmed.
    const before = sent.length
    await presence.toNick(parse(`<presence type='probe'/>`), Jid.parse('eve@a.example'), 'bob')
    assert.equal(sent.length, before)
    await presence.toNick(parse(`<presence type='unsubscribe'/>`), Jid.parse('alice@a.example'), 'bob')
    assertXml(sent.at(-1), `<presence type='unsubscribed' from='bob@${D}' to='alice@a.example'/>`)
  })

  it('[xmpp] a subscription to an unknown nick is refused with unsubscribed', async () => {
    const { presence, sent } = await setup()
    await presence.toNick(parse(`<presence type='subscribe'/>`), Jid.parse('alice@a.example'), 'nobody')
    assertXml(sent[0], `<presence type='unsubscribed' from='nobody@${D}' to='alice@a.example'/>`)
  })

  it('[xmpp] at the home: a watcher gets the availability now and at every change of the user', async () => {
    const { lattice, accounts, presence, sent, store } = await setup()
    await accounts.register('bob@b.example', 'bob')
    const watchRelay = {
      version: 1,
      stanza: 'presence',
      fromNick: '',
      toNick: 'bob',
      type: 'subscribe',
      id: '',
      lang: '',
      children: '',
    }
    await presence.relayed(watchRelay, OTHER)
    assert.equal(decodeRelay(lattice.sent.at(-1)!.payload).type, 'unavailable')
    await presence.toService(
      parse(`<presence><show>dnd</show><priority>5</priority></presence>`),
      Jid.parse('bob@b.example/phone'),
    )
    const up = decodeRelay(lattice.sent.at(-1)!.payload)
    assert.deepEqual(
      [lattice.sent.at(-1)!.to, up.fromNick, up.type, up.children],
      [OTHER, 'bob', '', '<show>dnd</show>'],
    )
    await presence.toService(parse(`<presence type='unavailable'/>`), Jid.parse('bob@b.example/phone'))
    assert.equal(decodeRelay(lattice.sent.at(-1)!.payload).type, 'unavailable')
    // Presence from a JID with no nick here changes nothing; D answers subscriptions to itself.
    const n = lattice.sent.length
    await presence.toService(parse(`<presence/>`), Jid.parse('zed@b.example/x'))
    assert.equal(lattice.sent.length, n)
    await presence.toService(parse(`<presence type='subscribe'/>`), Jid.parse('zed@b.example/x'))
    assertXml(sent.at(-1), `<presence type='subscribed' from='${D}' to='zed@b.example'/>`)
    // Watchers survive a restart (they are in the store).
    const again = await PresenceService.open({
      domain: D,
      lattice,
      accounts,
      store,
      send: async () => {},
      log: silent,
    })
    assert.equal(again.status().watchers, 1)
  })
})
