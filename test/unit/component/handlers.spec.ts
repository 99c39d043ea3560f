// The handlers of the dispatch table (component/handlers/), through the router: discovery at D
// (XEP-0030), ping (XEP-0199), version (XEP-0092), disco#info on nicks.
import assert from 'node:assert/strict'
import { featureOf } from '../../../component/handler.js'
import { HANDLERS } from '../../../component/handlers/index.js'
import { ALICE, D, errorOf, setup } from './router-fixture.js'
import { assertXml } from './stanza-helpers.js'

describe('component/handlers', () => {
  describe('[xmpp] discovery and basics at D', () => {
    const { router, one } = setup()

    it('XEP-0030: disco#info at D lists both identities and the features generated from the dispatch table', async () => {
      const reply = await one(`
        <iq type='get' id='i1' from='${ALICE}' to='${D}'>
          <query xmlns='http://jabber.org/protocol/disco#info'/>
        </iq>`)
      assertXml(
        reply,
        `<iq type='result' id='i1' from='${D}' to='${ALICE}'>
           <query xmlns='http://jabber.org/protocol/disco#info'>
             <identity category='conference' type='text'/>
             <identity category='gateway' type='xlattice'/>
           </query>
         </iq>`,
      )
      // Computed here from the table itself, not through the router.
      const fromTable = [
        ...new Set(
          HANDLERS.filter((h) => h.targets.includes('service'))
            .map((h) => featureOf(h))
            .filter((f) => f !== undefined),
        ),
      ].sort()
      const advertised = reply
        .getChild('query')!
        .getChildren('feature')
        .map((f) => f.attrs.var)
      assert.deepEqual(advertised, fromTable)
      assert.deepEqual(advertised, [
        'http://jabber.org/protocol/commands',
        'http://jabber.org/protocol/disco#info',
        'http://jabber.org/protocol/disco#items',
        'jabber:iq:register',
        'jabber:iq:version',
        'urn:xmpp:ping',
      ])
      assert.deepEqual(router.features('service'), fromTable)
    })

    it('XEP-0030 §3.1: an unknown node is item-not-found', async () => {
      const reply = await one(`
        <iq type='get' id='i2' from='${ALICE}' to='${D}'>
          <query xmlns='http://jabber.org/protocol/disco#info' node='nope'/>
        </iq>`)
      assertXml(
        reply,
        `<iq type='error' id='i2' from='${D}' to='${ALICE}'>${errorOf('item-not-found', 'cancel')}</iq>`,
      )
    })

    it('XEP-0030 §4: disco#items at D is an (empty) item list', async () => {
      const reply = await one(`
        <iq type='get' id='i3' from='${ALICE}' to='${D}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`)
      assertXml(
        reply,
        `<iq type='result' id='i3'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
      )
      assert.equal(reply.getChild('query')!.children.length, 0)
    })

    it('XEP-0199 §4.2: ping at D is an empty result', async () => {
      const reply = await one(
        `<iq type='get' id='p1' from='${ALICE}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      assert.equal(reply.toString(), `<iq from="${D}" to="${ALICE}" type="result" id="p1"/>`)
    })

    it('XEP-0092: version at D names the software, without the OS', async () => {
      const reply = await one(
        `<iq type='get' id='v1' from='${ALICE}' to='${D}'><query xmlns='jabber:iq:version'/></iq>`,
      )
      assertXml(
        reply,
        `<iq type='result' id='v1'><query xmlns='jabber:iq:version'><name>XLattice Chat</name><version>9.9.9</version></query></iq>`,
      )
      assert.equal(reply.getChild('query')!.getChild('os'), undefined)
    })

    it('the reply comes from the addressee as written, to the full sender', async () => {
      const reply = await one(
        `<iq type='get' id='p2' from='${ALICE}' to='${D}/admin'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      // D/admin has no ping handler: the error still comes from the JID that was asked.
      assertXml(
        reply,
        `<iq type='error' id='p2' from='${D}/admin' to='${ALICE}'>${errorOf('service-unavailable', 'cancel')}</iq>`,
      )
    })
  })

  describe('[xmpp] disco#info on nick@D (XEP-0030)', () => {
    const { router, one } = setup()

    it('a registered nick is an account with the nick target features', async () => {
      const reply = await one(`
        <iq type='get' id='n1' from='${ALICE}' to='Alice@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
      assertXml(
        reply,
        `<iq type='result' id='n1' from='Alice@${D}'>
           <query xmlns='http://jabber.org/protocol/disco#info'>
             <identity category='account' type='registered' name='alice'/>
             <feature var='http://jabber.org/protocol/disco#info'/>
           </query>
         </iq>`,
      )
      assert.deepEqual(router.features('nick'), ['http://jabber.org/protocol/disco#info'])
    })

    it('a qualified nick is looked up with its cluster', async () => {
      const reply = await one(`
        <iq type='get' id='n2' from='${ALICE}' to='berlin.bob@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
      assertXml(
        reply,
        `<iq type='result' id='n2'><query><identity category='account' name='berlin.bob'/></query></iq>`,
      )
    })

    it('an unknown nick is item-not-found', async () => {
      for (const nick of ['bob', 'paris.bob', 'carol']) {
        const reply = await one(`
          <iq type='get' id='n3' from='${ALICE}' to='${nick}@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
        assertXml(
          reply,
          `<iq type='error' id='n3' from='${nick}@${D}'>${errorOf('item-not-found', 'cancel')}</iq>`,
        )
      }
    })
  })
})
