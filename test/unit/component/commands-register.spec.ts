// "Register a nick" (component/commands/register.ts): XEP-0077 registration as a XEP-0050 command,
// through the router, over the real Accounts table and a fake cluster registry.
import assert from 'node:assert/strict'
import { REGISTER_FORM } from '../../../component/commands/register.js'
import { ALICE, BOB, D, FakeLattice, setupCommands, submit, valuesOf } from './commands-fixture.js'
import { assertXml } from './stanza-helpers.js'

const ALICE_BARE = 'alice@a.example'

describe('component/commands/register', () => {
  describe('[0.1.1] registration by command', () => {
    it('the form asks for a nick (required, prefilled with the localpart); completing it registers alice@D', async () => {
      const { command, commandOf, execute, accounts, lattice } = setupCommands()
      const first = await execute(ALICE, 'register')
      const x = first.getChild('x', 'jabber:x:data')!
      assertXml(
        x,
        `<x type='form'>
           <title>Register a nick</title>
           <instructions/>
           <field var='FORM_TYPE' type='hidden'><value>${REGISTER_FORM}</value></field>
           <field var='nick' type='text-single' label='Nick'><required/><value>alice</value></field>
         </x>`,
      )
      const done = commandOf(
        await command(
          ALICE,
          { node: 'register', sessionid: first.attrs.sessionid, action: 'complete' },
          submit({ nick: 'Alice' }, REGISTER_FORM),
        ),
      )
      assertXml(
        done,
        `<command node='register' status='completed'>
           <note type='info'>You are alice@${D}</note>
           <x xmlns='jabber:x:data' type='result'>
             <field var='FORM_TYPE' type='hidden'><value>${REGISTER_FORM}</value></field>
             <field var='nick'><value>alice</value></field>
             <field var='jid' type='jid-single'><value>alice@${D}</value></field>
           </x>
         </command>`,
      )
      const account = accounts.of(ALICE_BARE)
      assert.equal(account?.nick, 'alice', 'stored under the bare JID, nick lower-cased')
      assert.equal(account?.userNodeId, lattice.bindings.get('alice')?.userNodeId)
    })

    it('a localpart that is no nick is not prefilled', async () => {
      const { execute } = setupCommands()
      const x = (await execute('a.b+c@a.example/r', 'register')).getChild('x', 'jabber:x:data')!
      assert.deepEqual(valuesOf(x, 'nick'), [])
    })

    it('a refusal completes the command with an error note carrying its text, never an IQ error (XEP-0050 §3.6)', async () => {
      const { command, commandOf, execute, accounts } = setupCommands()
      // Bob holds "bob"; Alice asks for it.
      const b = await execute(BOB, 'register')
      await command(BOB, { node: 'register', sessionid: b.attrs.sessionid }, submit({ nick: 'bob' }))
      const cases: [string, RegExp][] = [
        ['bob', /the nick bob is taken/],
        ['Not A Nick!', /is not a valid nick: 1 to 32 of a-z, 0-9, _ and -/],
        ['x'.repeat(33), /is not a valid nick/],
      ]
      for (const [nick, text] of cases) {
        const a = await execute(ALICE, 'register')
        const reply = await command(
          ALICE,
          { node: 'register', sessionid: a.attrs.sessionid, action: 'complete' },
          submit({ nick }, REGISTER_FORM),
        )
        const done = commandOf(reply)
        assert.equal(done.attrs.status, 'completed')
        const notes = done.getChildren('note')
        assert.equal(notes.length, 1)
        assert.equal(notes[0].attrs.type, 'error')
        assert.match(notes[0].getText(), text)
        assert.equal(done.getChild('x'), undefined, 'no result form for a failure')
      }
      assert.equal(accounts.of(ALICE_BARE), undefined)
    })

    it('without a cluster the error note says to try again later', async () => {
      const lattice = new FakeLattice()
      lattice.clusterView = undefined
      const { command, commandOf, execute } = setupCommands({ lattice })
      const a = await execute(ALICE, 'register')
      const done = commandOf(
        await command(ALICE, { node: 'register', sessionid: a.attrs.sessionid }, submit({ nick: 'alice' })),
      )
      assertXml(
        done,
        `<command status='completed'><note type='error'>this node is not in a cluster yet; try again in a minute</note></command>`,
      )
    })

    it('two clients racing for one nick: exactly one wins, the other is told it is taken', async () => {
      const lattice = new FakeLattice()
      let open!: () => void
      lattice.gate = new Promise((resolve) => {
        open = resolve
      })
      const { command, commandOf, execute, accounts } = setupCommands({ lattice })
      const a = await execute(ALICE, 'register')
      const b = await execute(BOB, 'register')
      const racing = Promise.all([
        command(ALICE, { node: 'register', sessionid: a.attrs.sessionid }, submit({ nick: 'rose' })),
        command(BOB, { node: 'register', sessionid: b.attrs.sessionid }, submit({ nick: 'rose' })),
      ])
      open()
      const notes = (await racing).map((r) => commandOf(r).getChild('note')!)
      assert.deepEqual(notes.map((n) => n.attrs.type).sort(), ['error', 'info'])
      const winner = notes.findIndex((n) => n.attrs.type === 'info')
      assert.equal(notes[winner].getText(), `You are rose@${D}`)
      assert.match(notes[1 - winner].getText(), /the nick rose is taken/)
      const holders = [ALICE_BARE, 'bob@b.example'].filter((j) => accounts.of(j)?.nick === 'rose')
      assert.equal(holders.length, 1)
      assert.equal(lattice.bindings.size, 1)
    })

    it('registered already: the form says who you are and offers to release the nick (unticked by default)', async () => {
      const { command, commandOf, execute, accounts, lattice } = setupCommands()
      const a = await execute(ALICE, 'register')
      await command(ALICE, { node: 'register', sessionid: a.attrs.sessionid }, submit({ nick: 'alice' }))

      const again = await execute(ALICE, 'register')
      assertXml(
        again,
        `<command status='executing'>
           <actions execute='complete'><complete/></actions>
           <x type='form'>
             <instructions>You are alice@${D}. To give the nick up, tick the box and complete.</instructions>
             <field var='FORM_TYPE' type='hidden'><value>${REGISTER_FORM}</value></field>
             <field var='unregister' type='boolean' label='Release alice'><value>0</value></field>
           </x>
         </command>`,
      )
      // Not ticked: nothing changes.
      const kept = commandOf(
        await command(
          ALICE,
          { node: 'register', sessionid: again.attrs.sessionid },
          submit({ unregister: '0' }),
        ),
      )
      assertXml(
        kept,
        `<command status='completed'><note type='info'>Nothing changed: you are still alice@${D}.</note></command>`,
      )
      assert.equal(accounts.of(ALICE_BARE)?.nick, 'alice')

      // Ticked: released, in the Accounts table and the cluster registry.
      const third = await execute(ALICE, 'register')
      const released = commandOf(
        await command(
          ALICE,
          { node: 'register', sessionid: third.attrs.sessionid },
          submit({ unregister: 'true' }),
        ),
      )
      assertXml(
        released,
        `<command status='completed'><note type='info'>Released alice; you can register another nick.</note></command>`,
      )
      assert.equal(accounts.of(ALICE_BARE), undefined)
      assert.equal(lattice.bindings.has('alice'), false)

      // And the next run asks for a nick again.
      const fourth = await execute(ALICE, 'register')
      assert.deepEqual(valuesOf(fourth.getChild('x')!, 'nick'), ['alice'])
    })

    it('a release form with a value that is no boolean is bad-payload', async () => {
      const { command, execute, assertCommandError } = setupCommands()
      const a = await execute(ALICE, 'register')
      await command(ALICE, { node: 'register', sessionid: a.attrs.sessionid }, submit({ nick: 'alice' }))
      const again = await execute(ALICE, 'register')
      assertCommandError(
        await command(
          ALICE,
          { node: 'register', sessionid: again.attrs.sessionid },
          submit({ unregister: 'yes' }),
        ),
        'bad-request',
        'modify',
        'bad-payload',
      )
    })
  })
})
