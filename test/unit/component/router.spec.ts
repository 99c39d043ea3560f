// The router with a fake connection: literal stanzas in, literal replies out. Every IQ get/set
// gets exactly one answer; results, errors and error messages none.
import assert from 'node:assert/strict'
import type { Handler } from '../../../component/handler.js'
import { HANDLERS } from '../../../component/handlers/index.js'
import { StanzaError } from '../../../component/errors.js'
import { xml } from '../../../component/xml.js'
import { ALICE, D, errorOf, STANZAS, setup } from './router-fixture.js'
import { assertXml, parse } from './stanza-helpers.js'

describe('component/router', () => {
  describe('[xmpp] errors per RFC 6120', () => {
    const { one, exchange } = setup()

    it('§8.4: an unknown namespace, a known one at the wrong target or type, is service-unavailable', async () => {
      for (const stanza of [
        `<iq type='get' id='u1' from='${ALICE}' to='${D}'><query xmlns='urn:example:unknown'/></iq>`,
        `<iq type='set' id='u1' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:version'/></iq>`,
        `<iq type='get' id='u1' from='${ALICE}' to='alice@${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
        `<iq type='get' id='u1' from='${ALICE}' to='#rust@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
        `<iq type='get' id='u1' from='${ALICE}' to='${D}'><ping/></iq>`,
      ]) {
        assertXml(
          await one(stanza),
          `<iq type='error' id='u1'>${errorOf('service-unavailable', 'cancel')}</iq>`,
        )
      }
    })

    it('§8.2.3: an IQ without id, with a bad type, or without exactly one child is bad-request', async () => {
      for (const stanza of [
        `<iq type='get' id='b1' from='${ALICE}' to='${D}'/>`,
        `<iq type='get' id='b1' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>`,
        `<iq type='fetch' id='b1' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
        `<iq id='b1' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      ]) {
        assertXml(await one(stanza), `<iq type='error' id='b1'>${errorOf('bad-request', 'modify')}</iq>`)
      }
      const noId = await one(`<iq type='get' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`)
      assertXml(noId, `<iq type='error'>${errorOf('bad-request', 'modify')}</iq>`)
      assert.equal(noId.attrs.id, undefined)
    })

    it('§8.3.3.8 / §8.3.3.7: a malformed to is jid-malformed; other domains and non-nicks are item-not-found', async () => {
      const cases: [string, string][] = [
        ['al ice@' + D, 'jid-malformed'],
        ['@' + D, 'jid-malformed'],
        ['alice@other.example', 'item-not-found'],
        ['a.b.c@' + D, 'item-not-found'],
        [`${'x'.repeat(40)}@${D}`, 'item-not-found'],
      ]
      for (const [to, condition] of cases) {
        const reply = await one(
          `<iq type='get' id='t1' from='${ALICE}' to='${to}'><ping xmlns='urn:xmpp:ping'/></iq>`,
        )
        // Sent from D: an address we do not serve cannot be the sender.
        assertXml(
          reply,
          `<iq type='error' id='t1' from='${D}' to='${ALICE}'><error><${condition} xmlns='${STANZAS}'/></error></iq>`,
        )
      }
    })

    it('§8.2.3: IQ results and errors are never answered, whatever they hold', async () => {
      assert.deepEqual(await exchange(`<iq type='result' id='r1' from='${ALICE}' to='${D}'/>`), [])
      assert.deepEqual(
        await exchange(`<iq type='error' id='r2' from='${ALICE}' to='${D}'><bogus xmlns='x'/></iq>`),
        [],
      )
    })

    it('§8.3.1: error messages are never answered; messages nobody takes are service-unavailable', async () => {
      assert.deepEqual(
        await exchange(`<message type='error' from='${ALICE}' to='bob@${D}'><body>x</body></message>`),
        [],
      )
      assert.deepEqual(
        await exchange(`<message type='headline' from='${ALICE}' to='bob@${D}'><body>x</body></message>`),
        [],
      )
      // Channels have no message handler yet.
      const reply = await one(
        `<message type='groupchat' id='m1' from='${ALICE}' to='#room@${D}'><body>hi</body></message>`,
      )
      assertXml(
        reply,
        `<message type='error' id='m1' from='#room@${D}' to='${ALICE}'>${errorOf('service-unavailable', 'cancel')}</message>`,
      )
      assert.equal(reply.getChild('body'), undefined, 'the body is not echoed')
    })

    it('RFC 6121 §8.5.2: presence for nobody is ignored', async () => {
      assert.deepEqual(await exchange(`<presence from='${ALICE}' to='bob@${D}'/>`), [])
      assert.deepEqual(await exchange(`<presence type='subscribe' from='${ALICE}' to='${D}'/>`), [])
    })

    it('stanzas without a usable from, or from D itself, are dropped (nobody to answer; no loops)', async () => {
      const { exchange: ex, router } = setup()
      for (const from of [undefined, '', 'not a jid', '@x', `${D}`, `bob@${D}/r`]) {
        const attrs = from === undefined ? '' : `from='${from}'`
        assert.deepEqual(
          await ex(`<iq type='get' id='f1' ${attrs} to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`),
          [],
        )
      }
      assert.deepEqual(await ex(`<handshake/>`), [])
      assert.deepEqual(router.stats().dropped, { 'bad-from': 4, 'from-own-domain': 2, 'not-a-stanza': 1 })
    })
  })

  describe('[xmpp] handler outcomes become envelopes', () => {
    const NS = 'urn:example:test'
    const handler = (handle: Handler['handle']): Handler => ({
      kind: 'iq',
      type: 'get',
      ns: NS,
      element: 'q',
      targets: ['service'],
      handle: handle as any,
    })
    const ask = `<iq type='get' id='h1' from='${ALICE}' to='${D}'><q xmlns='${NS}'/></iq>`

    it('a payload becomes the result child', async () => {
      const { one } = setup({ handlers: [handler(() => xml('q', { xmlns: NS }, xml('answer', {}, '42')))] })
      assertXml(await one(ask), `<iq type='result' id='h1'><q xmlns='${NS}'><answer>42</answer></q></iq>`)
    })

    it('a StanzaError keeps its condition, type and text', async () => {
      const { one } = setup({
        handlers: [
          handler(() => Promise.reject(new StanzaError('not-allowed', 'members only', { type: 'auth' }))),
        ],
      })
      assertXml(
        await one(ask),
        `<iq type='error' id='h1'><error type='auth'><not-allowed xmlns='${STANZAS}'/><text xmlns='${STANZAS}'>members only</text></error></iq>`,
      )
    })

    it('any other throw is internal-server-error, without its message', async () => {
      const log = { error() {}, warn() {}, debug() {} } as any
      const { one } = setup({
        log,
        handlers: [
          handler(() => {
            throw new Error('secret internals')
          }),
        ],
      })
      const reply = await one(ask)
      assertXml(reply, `<iq type='error' id='h1'>${errorOf('internal-server-error', 'cancel')}</iq>`)
      assert.doesNotMatch(reply.toString(), /secret/)
    })

    it('a handler that never settles is remote-server-timeout', async () => {
      const log = { error() {}, warn() {}, debug() {} } as any
      const { one } = setup({
        log,
        handlerTimeoutMs: 20,
        handlers: [handler(() => new Promise<undefined>(() => {}))],
      })
      assertXml(await one(ask), `<iq type='error' id='h1'>${errorOf('remote-server-timeout', 'wait')}</iq>`)
    })

    it('two handlers for one key are a dispatch table bug', () => {
      assert.throws(() => setup({ handlers: [...HANDLERS, HANDLERS[0]] }), /two handlers/)
    })

    it('message and presence handlers slot into the same table', async () => {
      const seen: string[] = []
      const handlers: Handler[] = [
        { kind: 'message', targets: ['nick'], handle: ({ to }) => void seen.push(`msg ${to}`) },
        {
          kind: 'message',
          ns: 'urn:xmpp:receipts',
          element: 'request',
          targets: ['nick'],
          handle: () => {
            throw new StanzaError('feature-not-implemented')
          },
        },
        {
          kind: 'presence',
          targets: ['channel/occupant'],
          feature: 'http://jabber.org/protocol/muc',
          handle: ({ to }) => void seen.push(`join ${to}`),
        },
      ]
      const { exchange, router } = setup({ handlers })
      assert.deepEqual(
        await exchange(`<message type='chat' from='${ALICE}' to='bob@${D}'><body>hi</body></message>`),
        [],
      )
      assert.deepEqual(await exchange(`<presence from='${ALICE}' to='#rust@${D}/alice'/>`), [])
      const [err] = await exchange(
        `<message id='m2' from='${ALICE}' to='bob@${D}'><body>x</body><request xmlns='urn:xmpp:receipts'/></message>`,
      )
      assertXml(
        err,
        `<message type='error' id='m2'>${errorOf('feature-not-implemented', 'cancel')}</message>`,
      )
      assert.deepEqual(seen, [`msg bob@${D}`, `join #rust@${D}/alice`])
      assert.deepEqual(router.features('channel/occupant'), ['http://jabber.org/protocol/muc'])
    })

    it('a failed send is counted, not thrown', async () => {
      const { router } = setup({ send: () => Promise.reject(new Error('offline')) })
      await router.handle(
        parse(`<iq type='get' id='s1' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`),
      )
      assert.equal(router.stats().dropped['send-failed'], 1)
    })
  })

  describe('[xmpp] limits', () => {
    const ping = (id: string, from = ALICE) =>
      `<iq type='get' id='${id}' from='${from}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`

    it('per-sender token bucket: resource-constraint past the burst, tokens come back with time', async () => {
      let now = 0
      const { one, exchange } = setup({ rate: { perSec: 2, burst: 3 }, now: () => now })
      for (const id of ['1', '2', '3']) assert.equal((await one(ping(id))).attrs.type, 'result')
      assertXml(
        await one(ping('4')),
        `<iq type='error' id='4'>${errorOf('resource-constraint', 'wait')}</iq>`,
      )
      // Another resource of the same account shares the bucket; another account has its own.
      assert.equal((await one(ping('5', 'alice@a.example/laptop'))).attrs.type, 'error')
      assert.equal((await one(ping('6', 'bob@a.example/x'))).attrs.type, 'result')
      // Presence shares the IQ bucket and is dropped over it, never answered.
      assert.deepEqual(await exchange(`<presence type='subscribe' from='${ALICE}' to='x@${D}'/>`), [])
      // Messages have a bucket of their own; past it each is answered resource-constraint, so a
      // chat message never vanishes unnoticed.
      const chat = (id: string) =>
        `<message type='chat' id='${id}' from='${ALICE}' to='x@${D}'><body>b</body></message>`
      for (const id of ['m1', 'm2', 'm3'])
        assertXml(
          await one(chat(id)),
          `<message type='error' id='${id}'>${errorOf('registration-required', 'auth')}</message>`,
        )
      assertXml(
        await one(chat('m4')),
        `<message type='error' id='m4'>${errorOf('resource-constraint', 'wait')}</message>`,
      )
      now += 500
      assert.equal((await one(ping('7'))).attrs.type, 'result')
    })

    it('too many IQs in flight are resource-constraint', async () => {
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      const slow: Handler = {
        kind: 'iq',
        type: 'get',
        ns: 'urn:x',
        element: 'q',
        targets: ['service'],
        handle: async () => {
          await gate
          return undefined
        },
      }
      const { router, sent } = setup({ maxInFlight: 2, handlers: [slow] })
      const ask = (id: string) =>
        router.handle(parse(`<iq type='get' id='${id}' from='${ALICE}' to='${D}'><q xmlns='urn:x'/></iq>`))
      const pending = [ask('a'), ask('b'), ask('c')]
      await new Promise((r) => setImmediate(r))
      assert.equal(router.stats().inFlight, 2)
      release()
      await Promise.all(pending)
      assert.deepEqual(
        sent.map((s) => `${s.attrs.id}:${s.attrs.type}`),
        ['c:error', 'a:result', 'b:result'],
      )
      assertXml(sent[0], `<iq>${errorOf('resource-constraint', 'wait')}</iq>`)
    })
  })
})
