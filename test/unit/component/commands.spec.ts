// XEP-0050 ad-hoc commands at D through the router: discovery, stages and sessions, and what a
// hostile or confused client gets. Every IQ is answered exactly once (the fixture asserts it).
import assert from 'node:assert/strict'
import { NS_COMMANDS } from '../../../component/commands/command.js'
import { COMMANDS } from '../../../component/commands/index.js'
import { REGISTER_FORM } from '../../../component/commands/register.js'
import { Sessions } from '../../../component/commands/sessions.js'
import { NS_DATA } from '../../../component/forms.js'
import { commandItems, commandNodeInfo } from '../../../component/handlers/commands-items.js'
import { ALICE, ALICE_LAPTOP, BOB, D, setupCommands, STANZAS, submit } from './commands-fixture.js'
import { assertXml } from './stanza-helpers.js'

describe('component/handlers/commands', () => {
  describe('[0.1.6] discovery (XEP-0050 §2.1, §2.2)', () => {
    it('D advertises the commands feature; the commands node lists the four commands with jid, node and name', async () => {
      const { router, command } = setupCommands()
      assert.ok(router.features('service').includes(NS_COMMANDS))
      const items = commandItems({ domain: D })
      assert.deepEqual(
        items.map((i) => i.attrs),
        [
          { jid: D, node: 'register', name: 'Register a nick' },
          { jid: D, node: 'my-registration', name: 'My registration' },
          { jid: D, node: 'cluster-members', name: 'Cluster members' },
          { jid: D, node: 'neighbours', name: 'Neighbours' },
        ],
      )
      // §3.2: the node of each item is exactly the node the handler executes.
      for (const item of items) {
        const reply = await command(ALICE, { node: item.attrs.node, action: 'execute' })
        assert.equal(reply.attrs.type, 'result', reply.toString())
      }
    })

    it('disco#info on the commands node and on each command node (§2.2, §7.2); other nodes are none of ours', () => {
      assert.deepEqual(commandNodeInfo(NS_COMMANDS)?.identities, [
        { category: 'automation', type: 'command-list', name: 'Commands' },
      ])
      for (const c of COMMANDS) {
        assert.deepEqual(commandNodeInfo(c.node), {
          identities: [{ category: 'automation', type: 'command-node', name: c.name }],
          features: [NS_COMMANDS, NS_DATA],
        })
      }
      assert.equal(commandNodeInfo('nope'), undefined)
    })
  })

  describe('[0.1.1] stages and sessions (XEP-0050 §2.4, §3.3)', () => {
    it('execute -> form (executing, <actions execute=complete><complete/>) -> complete -> completed, one sessionid throughout', async () => {
      const { command, commandOf, execute } = setupCommands()
      const first = await execute(ALICE, 'register')
      assertXml(
        first,
        `<command xmlns='${NS_COMMANDS}' node='register' status='executing' xml:lang='en'>
           <actions execute='complete'><complete/></actions>
           <x xmlns='jabber:x:data' type='form'>
             <field var='FORM_TYPE' type='hidden'><value>${REGISTER_FORM}</value></field>
             <field var='nick' type='text-single'><required/></field>
           </x>
         </command>`,
      )
      const sid = first.attrs.sessionid
      assert.ok(typeof sid === 'string' && sid.length > 8)
      const done = commandOf(
        await command(ALICE, { node: 'register', sessionid: sid }, submit({ nick: 'alice' }, REGISTER_FORM)),
      )
      assertXml(
        done,
        `<command node='register' sessionid='${sid}' status='completed'><note type='info'>You are alice@${D}</note></command>`,
      )
      assert.equal(done.getChild('actions'), undefined, '§3.4: no actions once completed')
    })

    it('a missing action means execute (§2.4.1); execute on an open session means its default, complete (§4.2)', async () => {
      const { command, commandOf } = setupCommands()
      const first = commandOf(await command(ALICE, { node: 'register' }))
      assert.equal(first.attrs.status, 'executing')
      const done = commandOf(
        await command(
          ALICE,
          { node: 'register', sessionid: first.attrs.sessionid, action: 'execute' },
          submit({ nick: 'alice' }),
        ),
      )
      assert.equal(done.attrs.status, 'completed')
    })

    it('§2.4.3: cancel ends the session (status canceled); completing it afterwards is not-allowed <session-expired/>', async () => {
      const { command, commandOf, execute, assertCommandError, accounts } = setupCommands()
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      const canceled = await command(ALICE, { node: 'register', sessionid: sid, action: 'cancel' })
      assertXml(
        canceled,
        `<iq type='result' from='${D}' to='${ALICE}'><command xmlns='${NS_COMMANDS}' node='register' sessionid='${sid}' status='canceled'/></iq>`,
      )
      assert.equal(commandOf(canceled).children.length, 0)
      const late = await command(
        ALICE,
        { node: 'register', sessionid: sid, action: 'complete' },
        submit({ nick: 'alice' }),
      )
      assertCommandError(late, 'not-allowed', 'cancel', 'session-expired')
      assert.equal(accounts.of('alice@a.example'), undefined, 'nothing registered')
      // A second cancel (a client retrying) still succeeds.
      assert.equal(
        commandOf(await command(ALICE, { node: 'register', sessionid: sid, action: 'cancel' })).attrs.status,
        'canceled',
      )
    })

    it('a replayed complete is <session-expired/> and registers nothing twice', async () => {
      const { command, commandOf, execute, assertCommandError, lattice } = setupCommands()
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      const form = submit({ nick: 'alice' }, REGISTER_FORM)
      const attrs = { node: 'register', sessionid: sid, action: 'complete' }
      const [a, b] = await Promise.all([command(ALICE, attrs, form), command(ALICE, attrs, form)])
      const results = [a, b].filter((r) => r.attrs.type === 'result')
      assert.equal(results.length, 1, 'exactly one of two concurrent completes runs')
      assert.equal(commandOf(results[0]).attrs.status, 'completed')
      assertCommandError(a.attrs.type === 'error' ? a : b, 'not-allowed', 'cancel', 'session-expired')
      assertCommandError(await command(ALICE, attrs, form), 'not-allowed', 'cancel', 'session-expired')
      assert.equal(lattice.bindings.size, 1)
    })

    it('a session times out after its TTL (<session-expired/>)', async () => {
      let now = 1_000_000
      const { command, execute, assertCommandError } = setupCommands({
        handler: { sessions: { ttlMs: 60_000, now: () => now } },
      })
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      now += 60_001
      const reply = await command(ALICE, { node: 'register', sessionid: sid }, submit({ nick: 'alice' }))
      assertCommandError(reply, 'not-allowed', 'cancel', 'session-expired')
    })

    it('a single-stage command completes at once, with a sessionid that cannot be continued', async () => {
      const { command, execute, assertCommandError } = setupCommands()
      const done = await execute(ALICE, 'neighbours')
      assert.equal(done.attrs.status, 'completed')
      assert.equal(done.getChild('actions'), undefined)
      const again = await command(
        ALICE,
        { node: 'neighbours', sessionid: done.attrs.sessionid, action: 'complete' },
        submit({}),
      )
      assertCommandError(again, 'not-allowed', 'cancel', 'session-expired')
    })
  })

  describe('[0.1.1] hostile and confused requesters (XEP-0050 §4.4)', () => {
    it('an unknown or missing node is item-not-found', async () => {
      const { command } = setupCommands()
      for (const attrs of [{ node: 'nope' }, {}, { node: 'x'.repeat(5000) }] as Record<string, string>[]) {
        assertXml(
          await command(ALICE, attrs),
          `<iq type='error'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></iq>`,
        )
      }
    })

    it('an action XEP-0050 does not define is bad-request <malformed-action/>, with or without a session', async () => {
      const { command, execute, assertCommandError } = setupCommands()
      assertCommandError(
        await command(ALICE, { node: 'register', action: 'destroy' }),
        'bad-request',
        'modify',
        'malformed-action',
      )
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      assertCommandError(
        await command(ALICE, { node: 'register', sessionid: sid, action: 'EXECUTE' }),
        'bad-request',
        'modify',
        'malformed-action',
      )
    })

    it('prev and next are bad-request <bad-action/> (stages offer complete only); the session survives', async () => {
      const { command, commandOf, execute, assertCommandError } = setupCommands()
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      for (const action of ['prev', 'next']) {
        assertCommandError(
          await command(ALICE, { node: 'register', sessionid: sid, action }, submit({ nick: 'alice' })),
          'bad-request',
          'modify',
          'bad-action',
        )
      }
      const done = await command(
        ALICE,
        { node: 'register', sessionid: sid, action: 'complete' },
        submit({ nick: 'alice' }),
      )
      assert.equal(commandOf(done).attrs.status, 'completed')
    })

    it('complete, cancel or next without a sessionid (or an empty one) is bad-request <bad-sessionid/>', async () => {
      const { command, assertCommandError } = setupCommands()
      for (const attrs of [
        { node: 'register', action: 'complete' },
        { node: 'register', action: 'cancel' },
        { node: 'register', action: 'next' },
        { node: 'register', action: 'complete', sessionid: '' },
      ] as Record<string, string>[]) {
        assertCommandError(
          await command(ALICE, attrs, submit({ nick: 'alice' })),
          'bad-request',
          'modify',
          'bad-sessionid',
        )
      }
    })

    it('a sessionid of another JID, another resource, another node, or made up is bad-request <bad-sessionid/> and harms nobody', async () => {
      const { command, commandOf, execute, assertCommandError, accounts } = setupCommands()
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      const bogus = [
        [BOB, 'register', sid],
        [ALICE_LAPTOP, 'register', sid], // §3.3: one requester/responder pair, i.e. one full JID
        [ALICE, 'my-registration', sid],
        [ALICE, 'register', 'made-up'],
        [ALICE, 'register', `${sid.split('.')[0]}.AAAAAAAAAAAAAAAA`],
        [ALICE, 'register', 'x'.repeat(3000)],
      ]
      for (const [from, node, s] of bogus) {
        assertCommandError(
          await command(from, { node, sessionid: s, action: 'complete' }, submit({ nick: 'mallory' })),
          'bad-request',
          'modify',
          'bad-sessionid',
        )
        assertCommandError(
          await command(from, { node, sessionid: s, action: 'cancel' }),
          'bad-request',
          'modify',
          'bad-sessionid',
        )
      }
      assert.equal(accounts.of('bob@b.example'), undefined)
      // Alice's own session is untouched by all that.
      const done = await command(ALICE, { node: 'register', sessionid: sid }, submit({ nick: 'alice' }))
      assert.equal(commandOf(done).attrs.status, 'completed')
      assert.equal(accounts.of('alice@a.example')?.nick, 'alice')
    })

    it('a missing form, another FORM_TYPE, a missing nick or a value over 1 KiB is bad-request <bad-payload/>; the session stays open', async () => {
      const { command, commandOf, execute, assertCommandError, lattice } = setupCommands()
      const sid = (await execute(ALICE, 'register')).attrs.sessionid
      const attrs = { node: 'register', sessionid: sid, action: 'complete' }
      const payloads = [
        '',
        `<x xmlns='jabber:x:data' type='form'><field var='nick'><value>alice</value></field></x>`,
        submit({ nick: 'alice' }, 'urn:example:other'),
        submit({}, REGISTER_FORM),
        submit({ nick: '' }, REGISTER_FORM),
        submit({ nick: ['alice', 'bob'] }, REGISTER_FORM),
        submit({ nick: 'a'.repeat(1025) }, REGISTER_FORM),
        submit({ [`v${'a'.repeat(2000)}`]: 'x', nick: 'alice' }, REGISTER_FORM),
        `<x xmlns='jabber:x:data' type='submit'>${'<field var="f"/>'.repeat(2)}<field var='nick'><value>alice</value></field></x>`,
      ]
      for (const p of payloads) {
        const reply = await command(ALICE, attrs, p)
        assertCommandError(reply, 'bad-request', 'modify', 'bad-payload')
        const text = reply.getChild('error')!.getChildText('text', STANZAS) ?? ''
        assert.ok(text.length < 200, `short error text, got ${text.length} characters`)
      }
      assert.equal(lattice.bindings.size, 0)
      // §3.5.1: a form of type cancel is read as submit.
      const done = await command(
        ALICE,
        attrs,
        `<x xmlns='jabber:x:data' type='cancel'><field var='nick'><value>alice</value></field></x>`,
      )
      assert.equal(commandOf(done).attrs.status, 'completed')
      assert.equal(lattice.bindings.get('alice')?.nick, 'alice')
    })

    it('2,000 sessions opened by one JID stay bounded: its oldest expire, its newest work, others keep theirs', async () => {
      const table = new Sessions({ max: 1000, maxPerRequester: 10 })
      const { command, commandOf, execute, assertCommandError } = setupCommands({ handler: { table } })
      const bobs = (await execute(BOB, 'register')).attrs.sessionid
      const sids: string[] = []
      for (let i = 0; i < 2000; i++) sids.push((await execute(ALICE, 'register')).attrs.sessionid)
      assert.equal(new Set(sids).size, 2000, 'every sessionid is new (§3.3)')
      assert.equal(table.size, 11, "ten of Alice's and Bob's one")
      assertCommandError(
        await command(ALICE, { node: 'register', sessionid: sids[0] }, submit({ nick: 'alice' })),
        'not-allowed',
        'cancel',
        'session-expired',
      )
      assertCommandError(
        await command(ALICE, { node: 'register', sessionid: sids[1989] }, submit({ nick: 'alice' })),
        'not-allowed',
        'cancel',
        'session-expired',
      )
      const newest = await command(
        ALICE,
        { node: 'register', sessionid: sids[1999] },
        submit({ nick: 'alice' }),
      )
      assert.equal(commandOf(newest).attrs.status, 'completed')
      const bob = await command(BOB, { node: 'register', sessionid: bobs }, submit({ nick: 'bob' }))
      assert.equal(commandOf(bob).attrs.status, 'completed')
    })

    it('2,000 JIDs with a session each stay within the total bound; the oldest give way', async () => {
      const table = new Sessions({ max: 1000, maxPerRequester: 10 })
      const { command, commandOf, execute, assertCommandError } = setupCommands({ handler: { table } })
      const sids: string[] = []
      for (let i = 0; i < 2000; i++)
        sids.push((await execute(`user${i}@many.example/r`, 'register')).attrs.sessionid)
      assert.equal(table.size, 1000)
      assertCommandError(
        await command(
          'user0@many.example/r',
          { node: 'register', sessionid: sids[0] },
          submit({ nick: 'u0' }),
        ),
        'not-allowed',
        'cancel',
        'session-expired',
      )
      const last = await command(
        'user1999@many.example/r',
        { node: 'register', sessionid: sids[1999] },
        submit({ nick: 'u1999' }),
      )
      assert.equal(commandOf(last).attrs.status, 'completed')
    })

    it('each router has its own sessions: a sessionid from one is bad-sessionid at another', async () => {
      const one = setupCommands()
      const two = setupCommands()
      const sid = (await one.execute(ALICE, 'register')).attrs.sessionid
      two.assertCommandError(
        await two.command(ALICE, { node: 'register', sessionid: sid }, submit({ nick: 'alice' })),
        'bad-request',
        'modify',
        'bad-sessionid',
      )
    })

    it('a command IQ of type get is not served (service-unavailable)', async () => {
      const { one } = setupCommands()
      assertXml(
        await one(
          `<iq type='get' id='g1' from='${ALICE}' to='${D}'><command xmlns='${NS_COMMANDS}' node='register'/></iq>`,
        ),
        `<iq type='error' id='g1'><error type='cancel'><service-unavailable xmlns='${STANZAS}'/></error></iq>`,
      )
    })
  })
})
