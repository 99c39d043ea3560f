// The relay payload between home nodes (component/relay.ts) and the bounded parse on arrival.
import assert from 'node:assert/strict'
import { decodeRelay, encodeRelay, RelayError, relayedStanza } from '../../../component/relay.js'
import { Relay } from '../../../component/relay.pb.js'
import { parse } from './stanza-helpers.js'

const MAX = 256 * 1024

describe('component/relay', () => {
  it('[0.1.4] a message round-trips: envelope rebuilt, unknown children byte-identical and in order', () => {
    const children =
      "<body>hi &amp; bye</body><request xmlns='urn:xmpp:receipts'/>" +
      "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='2'>AAA=</key></header><payload>Zm9v</payload></encrypted>" +
      "<x xmlns='urn:example:unknown' a='&lt;1'><deep>t</deep></x>"
    const original = parse(
      `<message from='alice@a.example/phone' to='bob@lattice.a' type='chat' id='m1' xml:lang='en'>${children}</message>`,
    )
    const relay = decodeRelay(encodeRelay(original, 'alice', 'bob'))
    assert.equal(relay.fromNick, 'alice')
    assert.equal(relay.toNick, 'bob')
    const out = relayedStanza(relay, 'alice@lattice.b', 'bob@b.example', MAX)
    assert.equal(out.attrs.from, 'alice@lattice.b')
    assert.equal(out.attrs.to, 'bob@b.example')
    assert.equal(out.attrs.type, 'chat')
    assert.equal(out.attrs.id, 'm1')
    assert.equal(out.attrs['xml:lang'], 'en')
    assert.deepEqual(
      out.children.map((c) => c.toString()),
      original.children.map((c) => c.toString()),
    )
  })

  it('[0.1.4] a relay cannot smuggle a second stanza, malformed XML, or oversize children', () => {
    const relay = (children: string) =>
      Relay.decode(
        Relay.encode({
          version: 1,
          stanza: 'message',
          fromNick: 'a',
          toNick: 'b',
          type: 'chat',
          id: '',
          lang: '',
          children,
        }),
      )
    for (const bad of [
      "</message><iq type='set' to='b.example'><query xmlns='jabber:iq:roster'/></iq><message>",
      '<body>unclosed',
      '<body>&bogus;</body>',
      '<!-- comment --><body/>',
      '<![CDATA[x]]></message><message>',
      `<body>${'x'.repeat(300 * 1024)}</body>`,
      '<a>'.repeat(100) + '</a>'.repeat(100),
    ]) {
      assert.throws(() => relayedStanza(relay(bad), 'a@d', 'b@e', MAX), RelayError, bad.slice(0, 40))
    }
  })

  it('[0.1.4] payloads that are not relays are refused with RelayError', () => {
    assert.throws(() => decodeRelay(new Uint8Array([0xff, 0xff, 0xff])), RelayError)
    const v2 = Relay.encode({
      version: 2,
      stanza: 'message',
      fromNick: 'a',
      toNick: 'b',
      type: '',
      id: '',
      lang: '',
      children: '',
    })
    assert.throws(() => decodeRelay(v2), /version 2/)
    const iq = Relay.encode({
      version: 1,
      stanza: 'iq',
      fromNick: 'a',
      toNick: 'b',
      type: '',
      id: '',
      lang: '',
      children: '',
    })
    assert.throws(() => decodeRelay(iq), /kind/)
  })

  it('attributes are escaped, not spliced: a hostile id cannot add attributes', () => {
    const relay = Relay.decode(
      Relay.encode({
        version: 1,
        stanza: 'message',
        fromNick: 'a',
        toNick: 'b',
        type: 'chat',
        id: "x' to='evil@x",
        lang: '',
        children: '<body>b</body>',
      }),
    )
    const out = relayedStanza(relay, 'a@d', 'b@e', MAX)
    assert.equal(out.attrs.to, 'b@e')
    assert.equal(out.attrs.id, "x' to='evil@x")
  })
})
