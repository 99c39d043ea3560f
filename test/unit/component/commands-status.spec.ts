// The status commands (component/commands/cluster-members.ts, neighbours.ts, my-registration.ts):
// single-stage, a result table or a note, through the router.
import assert from 'node:assert/strict'
import { CLUSTER_MEMBERS_FORM } from '../../../component/commands/cluster-members.js'
import { MY_REGISTRATION_FORM } from '../../../component/commands/my-registration.js'
import { NEIGHBOURS_FORM } from '../../../component/commands/neighbours.js'
import {
  ALICE,
  CLUSTER,
  D,
  FakeLattice,
  NEIGHBOURS,
  NODE_ID,
  setupCommands,
  submit,
  valuesOf,
} from './commands-fixture.js'
import { assertXml } from './stanza-helpers.js'
import type { Element } from '../../../component/xml.js'

/** The rows of a result table, each as var -> values. */
function rows(x: Element): Record<string, string[]>[] {
  return x
    .getChildren('item')
    .map((item) =>
      Object.fromEntries(
        item.getChildren('field').map((f) => [f.attrs.var, f.getChildren('value').map((v) => v.getText())]),
      ),
    )
}

describe('component/commands (status)', () => {
  describe('[0.1.6] cluster members', () => {
    it('lists every member of the cluster: node ID, peer ID and addresses (XEP-0004 §3.4 table)', async () => {
      const { execute } = setupCommands()
      const done = await execute(ALICE, 'cluster-members')
      assertXml(
        done,
        `<command node='cluster-members' status='completed'>
           <note type='info'>3 members in cluster berlin.</note>
           <x xmlns='jabber:x:data' type='result'>
             <title>Cluster berlin</title>
             <field var='FORM_TYPE' type='hidden'><value>${CLUSTER_MEMBERS_FORM}</value></field>
             <field var='cluster'><value>berlin</value></field>
             <field var='cluster-id'><value>${CLUSTER.clusterId}</value></field>
             <field var='height'><value>42</value></field>
             <field var='this-node'><value>${NODE_ID}</value></field>
             <reported>
               <field var='nodeId' type='text-single' label='Node ID'/>
               <field var='peerId' type='text-single' label='Peer ID'/>
               <field var='addresses' type='text-multi' label='Addresses'/>
             </reported>
           </x>
         </command>`,
      )
      assert.deepEqual(rows(done.getChild('x')!), [
        {
          nodeId: [NODE_ID],
          peerId: ['12D3KooWAlpha'],
          addresses: ['/ip4/10.0.0.1/tcp/4001', '/ip4/192.0.2.1/tcp/4001'],
        },
        { nodeId: ['cd'.repeat(32)], peerId: ['12D3KooWBravo'], addresses: ['/ip4/10.0.0.2/tcp/4001'] },
        { nodeId: ['ef'.repeat(32)], peerId: ['12D3KooWCharlie'], addresses: [''] },
      ])
    })

    it('a node without a cluster says so in a note', async () => {
      const lattice = new FakeLattice()
      lattice.clusterView = undefined
      const { execute } = setupCommands({ lattice })
      const done = await execute(ALICE, 'cluster-members')
      assertXml(
        done,
        `<command status='completed'><note type='info'>This node is not in a cluster yet.</note></command>`,
      )
      assert.equal(done.getChild('x'), undefined)
    })

    it('a huge cluster is cut to 100 rows with a warning', async () => {
      const lattice = new FakeLattice()
      const members = Array.from({ length: 250 }, (_, i) => ({
        nodeId: i.toString(16).padStart(64, '0'),
        peerId: `p${i}`,
        addrs: Array.from({ length: 20 }, (_, j) => `/ip4/10.0.${i % 250}.${j}/tcp/1`),
      }))
      lattice.clusterView = { ...CLUSTER, members }
      const { execute } = setupCommands({ lattice })
      const done = await execute(ALICE, 'cluster-members')
      const table = rows(done.getChild('x')!)
      assert.equal(table.length, 100)
      assert.ok(table.every((r) => r.addresses.length <= 8))
      assert.deepEqual(
        done.getChildren('note').map((n) => [n.attrs.type, n.getText()]),
        [
          ['info', '250 members in cluster berlin.'],
          ['warn', 'Only the first 100 are listed.'],
        ],
      )
    })
  })

  describe('[0.1.6] neighbours', () => {
    it('lists each neighbour with whether it answers and its round trip', async () => {
      const { execute } = setupCommands()
      const done = await execute(ALICE, 'neighbours')
      assertXml(
        done,
        `<command node='neighbours' status='completed'>
           <note type='info'>2 neighbours, 1 answering.</note>
           <x xmlns='jabber:x:data' type='result'>
             <field var='FORM_TYPE' type='hidden'><value>${NEIGHBOURS_FORM}</value></field>
             <reported>
               <field var='nodeId' label='Node ID'/>
               <field var='alive' type='boolean' label='Answering'/>
               <field var='rtt' label='Round trip (ms)'/>
             </reported>
           </x>
         </command>`,
      )
      assert.deepEqual(rows(done.getChild('x')!), [
        { nodeId: [NEIGHBOURS[0].nodeId], alive: ['1'], rtt: ['12'] },
        { nodeId: [NEIGHBOURS[1].nodeId], alive: ['0'], rtt: [''] },
      ])
    })

    it('no neighbours yet: a note', async () => {
      const lattice = new FakeLattice()
      lattice.neighbourViews = []
      const { execute } = setupCommands({ lattice })
      assertXml(
        await execute(ALICE, 'neighbours'),
        `<command status='completed'><note type='info'>This node knows no neighbours yet.</note></command>`,
      )
    })
  })

  describe('[0.1.6] my registration', () => {
    it('before registering: a note pointing at Register a nick', async () => {
      const { execute } = setupCommands()
      const done = await execute(ALICE, 'my-registration')
      assertXml(
        done,
        `<command status='completed'><note type='info'>You have not registered a nick; use Register a nick.</note></command>`,
      )
      assert.equal(done.getChild('x'), undefined)
    })

    it('after registering: nick, lattice JID, user NodeID and since, for every resource of the JID', async () => {
      const { command, execute, accounts } = setupCommands()
      const a = await execute(ALICE, 'register')
      await command(ALICE, { node: 'register', sessionid: a.attrs.sessionid }, submit({ nick: 'alice' }))
      const account = accounts.of('alice@a.example')!
      const done = await execute('alice@a.example/desktop', 'my-registration')
      assertXml(
        done,
        `<command status='completed'>
           <note type='info'>You are alice@${D}</note>
           <x xmlns='jabber:x:data' type='result'>
             <field var='FORM_TYPE' type='hidden'><value>${MY_REGISTRATION_FORM}</value></field>
             <field var='nick'><value>alice</value></field>
             <field var='jid' type='jid-single'><value>alice@${D}</value></field>
           </x>
         </command>`,
      )
      const x = done.getChild('x')!
      assert.deepEqual(valuesOf(x, 'userNodeId'), [account.userNodeId])
      assert.match(account.userNodeId, /^[0-9a-f]{64}$/)
      assert.deepEqual(valuesOf(x, 'since'), [account.since])
      // Another JID sees nothing of Alice's.
      assertXml(
        await execute('carol@c.example/x', 'my-registration'),
        `<command status='completed'><note>You have not registered a nick; use Register a nick.</note></command>`,
      )
    })
  })
})
