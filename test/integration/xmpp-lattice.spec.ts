/**
 * The XMPP side of the lattice end to end (seed rows 0.1.1-0.1.4): one four-node cluster of
 * real node processes, three of them attached as components to two private Prosody instances
 * and one ejabberd (one node per server, each its own component domain), the fourth without
 * XMPP. Real users (@xmpp/client) register nicks with XEP-0077, by chat and race for one nick;
 * messages go both ways between users of different servers, encrypted and plaintext, with
 * unknown children intact and per-sender order kept; a node, a Prosody and the component
 * connection restart without losing an acknowledged message.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import { signNickRequest } from '../../gateway/cluster/ops.js'
import type { Started } from '../../lib/child.js'
import { ed25519Generate, Signer, x25519Generate } from '../../lib/crypto.js'
import { fromHex, toB64u } from '../../lib/encoding.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'
import { type ProsodyServer, startServer, tail, type XmppServer, xmppClient } from '../harness/index.js'
import { assertXml, parse } from '../unit/component/stanza-helpers.js'
import { exchange, nextStanza, STANZAS } from './component-suite.js'

const SECRET = 'lattice-component-secret'
const FAST = { ...CLUSTER_FAST, XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'warn' }

interface Site {
  host: string
  /** The component domain D of this site's node. */
  d: string
  server: XmppServer
  node: Started
  dataDir: string
  args: string[]
}

/** Collects every message a client receives, for assertions on order and content. */
function inbox(client: Client): Element[] {
  const got: Element[] = []
  client.on('stanza', (s: Element) => {
    if (s.is('message')) got.push(s)
  })
  return got
}

async function online(client: Client): Promise<void> {
  await client.send(parse('<presence/>'))
}

describe('[xmpp] the lattice between XMPP servers (processes, Prosody x2, ejabberd)', function () {
  this.timeout(300_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let registry: Started
  const sites: Site[] = []
  let spare: Started
  const clients: Client[] = []
  /** A logged-in user; `got` collects its messages from before the login completes. */
  const login = async (site: Site, username: string, got?: Element[]): Promise<Client> => {
    const c = await xmppClient({
      service: site.server.c2sService,
      domain: site.host,
      username,
      password: `${username}-pw`,
      setup: (e) => {
        if (got !== undefined) e.on('stanza', (st: Element) => st.is('message') && got.push(st))
      },
    })
    clients.push(c)
    // Approve D's request to see this user's presence (XEP-0100 §4.1), as a user would.
    c.on('stanza', (st: Element) => {
      if (st.is('presence') && st.attrs.type === 'subscribe' && st.attrs.from === site.d)
        void c.send(parse(`<presence type='subscribed' to='${site.d}'/>`))
    })
    return c
  }
  const nodeArgs = (site: { d: string; server: XmppServer }) => [
    '--component-domain',
    site.d,
    '--component-host',
    '127.0.0.1',
    '--component-port',
    String(site.server.componentPort),
    '--component-secret',
    SECRET,
  ]

  before(async () => {
    tmp = await tempDir('xl-xmpp-')
    const specs = [
      { kind: 'prosody' as const, host: 'a.localhost', users: ['alice', 'alice2', 'erin', 'frank', 'dave'] },
      { kind: 'prosody' as const, host: 'b.localhost', users: ['bob', 'bob2'] },
      { kind: 'ejabberd' as const, host: 'c.localhost', users: ['carol'] },
    ]
    const servers = await Promise.all(
      specs.map((s) =>
        startServer(s.kind, {
          domains: [{ host: s.host, components: [{ domain: `lattice.${s.host}`, secret: SECRET }] }],
          users: s.users.map((u) => ({ user: u, host: s.host, password: `${u}-pw` })),
          offline: true,
        }),
      ),
    )
    registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    const reg = registry.info.listen[0]
    await Promise.all(
      specs.map(async (s, i) => {
        const site = { host: s.host, d: `lattice.${s.host}`, server: servers[i] }
        // The ejabberd site's node sends plaintext (signed): both modes cross the lattice.
        const env = i === 2 ? { ...FAST, XLATTICE_XMPP_PLAINTEXT: 'true' } : FAST
        const args = nodeArgs(site)
        const dataDir = join(tmp.path, `n${i}`)
        const node = await startNode(dataDir, reg, env, args)
        sites[i] = { ...site, node, dataDir, args }
      }),
    )
    spare = await startNode(join(tmp.path, 'n3'), reg, FAST)
    await replicasCommitting([...sites.map((s) => s.node), spare], 90_000)
    await Promise.all(
      sites.map((s) =>
        eventually(
          `${s.d} online`,
          async () => (await status(s.node.info.admin)).xmpp?.state === 'online',
          30_000,
        ),
      ),
    )
  })

  after(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})))
    await stopAll()
    await Promise.all(sites.map((s) => s.server?.stop()))
    await tmp?.remove()
  })

  const register = (client: Client, d: string, nick: string, id = `reg-${nick}`) =>
    exchange(
      client,
      `<iq type='set' id='${id}' to='${d}'><query xmlns='jabber:iq:register'>
         <x xmlns='jabber:x:data' type='submit'>
           <field var='FORM_TYPE'><value>jabber:iq:register</value></field>
           <field var='nick'><value>${nick}</value></field>
         </x></query></iq>`,
      30_000,
    )

  let alice: Client
  let bob: Client
  let carol: Client
  let aliceGot: Element[]
  let bobGot: Element[]
  let carolGot: Element[]

  it('[0.1.1] XEP-0077 at D on Prosody and ejabberd: the form, registration after commit, <registered/>, invalid nicks refused', async () => {
    const [a, b, c] = sites
    alice = await login(a, 'alice')
    bob = await login(b, 'bob')
    carol = await login(c, 'carol')
    aliceGot = inbox(alice)
    bobGot = inbox(bob)
    carolGot = inbox(carol)
    await Promise.all([online(alice), online(bob), online(carol)])

    const form = await exchange(
      alice,
      `<iq type='get' id='form1' to='${a.d}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    assertXml(
      form,
      `<iq type='result' id='form1' from='${a.d}'><query xmlns='jabber:iq:register'><instructions/><nick/>
         <x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'/><field var='nick'/></x>
       </query></iq>`,
    )
    for (const [client, site, nick] of [
      [alice, a, 'alice'],
      [bob, b, 'Bob'],
      [carol, c, 'carol'],
    ] as const) {
      const reply = await register(client, site.d, nick)
      assertXml(reply, `<iq type='result' id='reg-${nick}' from='${site.d}'/>`)
    }
    const again = await exchange(
      bob,
      `<iq type='get' id='form2' to='${b.d}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    assertXml(
      again,
      `<iq type='result' id='form2'><query xmlns='jabber:iq:register'><registered/><username>bob</username></query></iq>`,
    )
    // The binding is the cluster's: every other node's component knows it at once.
    const info = await exchange(
      carol,
      `<iq type='get' id='who1' to='alice@${c.d}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
    )
    assertXml(
      info,
      `<iq type='result' id='who1'><query><identity category='account' type='registered'/></query></iq>`,
    )

    const invalid = await register(alice, a.d, 'no spaces allowed', 'reg-bad')
    assertXml(
      invalid,
      `<iq type='error' id='reg-bad'><error type='modify'><not-acceptable xmlns='${STANZAS}'/><text xmlns='${STANZAS}'/></error></iq>`,
    )
    assert.match(invalid.getChild('error')!.getChildText('text', STANZAS)!, /not a valid nick/)
    const second = await register(alice, a.d, 'alice-two', 'reg-two')
    assertXml(
      second,
      `<iq type='error' id='reg-two'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`,
    )
  })

  it('[0.1.2] XEP-0077 with a key the user holds: signed against the form chain-id and home, verified by the cluster', async () => {
    const [a] = sites
    const dave = await login(a, 'dave')
    const form = await exchange(
      dave,
      `<iq type='get' id='kf' to='${a.d}'><query xmlns='jabber:iq:register'/></iq>`,
    )
    const fields = form.getChild('query')!.getChild('x')!.getChildren('field')
    const value = (v: string) => fields.find((f) => f.attrs.var === v)!.getChildText('value')!
    const user = new Signer(ed25519Generate())
    const agreementKey = x25519Generate().publicKey
    const signed = signNickRequest({
      chainId: fromHex(value('chain-id')),
      user,
      agreementKey,
      home: fromHex(value('home')),
      nick: 'dave',
    })
    const submit = (id: string, signature: Uint8Array) =>
      exchange(
        dave,
        `<iq type='set' id='${id}' to='${a.d}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>
           <field var='nick'><value>dave</value></field>
           <field var='signing-key'><value>${toB64u(user.publicKey)}</value></field>
           <field var='agreement-key'><value>${toB64u(agreementKey)}</value></field>
           <field var='signature'><value>${toB64u(signature)}</value></field>
         </x></query></iq>`,
        30_000,
      )
    const forged = new Uint8Array(signed.userSignature)
    forged[0] ^= 1
    assertXml(
      await submit('kbad', forged),
      `<iq type='error' id='kbad'><error type='modify'><not-acceptable xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(await submit('kok', signed.userSignature), `<iq type='result' id='kok'/>`)
    const shown = await fetch(`http://${a.node.info.admin}/nick?name=dave`).then((r) => r.json())
    assert.equal(
      shown.signingKey,
      toB64u(user.publicKey),
      'the cluster binds the user key, not one the node made',
    )
  })

  it('[0.1.2] two clients on different servers race for one nick: exactly one gets it, the other conflict', async () => {
    const alice2 = await login(sites[0], 'alice2')
    const bob2 = await login(sites[1], 'bob2')
    const [x, y] = await Promise.all([
      register(alice2, sites[0].d, 'contested', 'race-a'),
      register(bob2, sites[1].d, 'contested', 'race-b'),
    ])
    const types = [x.attrs.type, y.attrs.type].sort()
    assert.deepEqual(types, ['error', 'result'])
    const loser = x.attrs.type === 'error' ? x : y
    assertXml(loser, `<iq type='error'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`)
  })

  it('[0.1.1] registration by chat with D (clients without XEP-0077 forms for components)', async () => {
    const erin = await login(sites[0], 'erin')
    const answer = nextStanza(erin, (s) => s.is('message') && s.attrs.from === sites[0].d, 30_000)
    await erin.send(
      parse(`<message type='chat' id='c1' to='${sites[0].d}'><body>register Erin</body></message>`),
    )
    assert.equal((await answer).getChildText('body'), `You are erin@${sites[0].d}.`)
    const who = nextStanza(erin, (s) => s.is('message') && s.attrs.from === sites[0].d)
    await erin.send(parse(`<message type='chat' id='c2' to='${sites[0].d}'><body>whoami</body></message>`))
    assert.equal((await who).getChildText('body'), `You are erin@${sites[0].d}.`)
  })

  it('[0.1.3] [0.1.4] messages both ways between Prosody users and an ejabberd user, unknown children intact, order kept', async () => {
    const [a, b, c] = sites
    const extra =
      "<request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>" +
      "<origin-id xmlns='urn:xmpp:sid:0' id='o-1'/><x xmlns='urn:example:unknown' a='1'><deep>t&amp;x</deep></x>"
    const N = 30
    for (let i = 0; i < N; i++) {
      await alice.send(
        parse(`<message type='chat' id='ab-${i}' to='bob@${a.d}'><body>hello ${i}</body>${extra}</message>`),
      )
    }
    const fromAlice = await eventually(
      `bob has ${N} messages from alice`,
      async () => {
        const got = bobGot.filter((m) => m.attrs.from === `alice@${b.d}`)
        return got.length >= N && got
      },
      30_000,
    )
    assert.deepEqual(
      fromAlice.map((m) => m.getChildText('body')),
      Array.from({ length: N }, (_, i) => `hello ${i}`),
    )
    const first = fromAlice[0]
    assert.equal(first.attrs.id, 'ab-0')
    assert.equal(first.attrs.type, 'chat')
    // Servers re-serialize (attribute order may change); names, attributes and text are intact.
    const unknown = first.getChild('x', 'urn:example:unknown')!
    assert.deepEqual(unknown.attrs, { xmlns: 'urn:example:unknown', a: '1' })
    assert.equal(unknown.getChildText('deep'), 't&x')
    assert.ok(first.getChild('request', 'urn:xmpp:receipts'))
    assert.ok(first.getChild('active', 'http://jabber.org/protocol/chatstates'))
    assert.equal(first.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id, 'o-1')

    // Bob answers the address he saw; carol (ejabberd, plaintext node) writes to both.
    await bob.send(parse(`<message type='chat' id='ba-1' to='alice@${b.d}'><body>hi alice</body></message>`))
    await carol.send(
      parse(`<message type='chat' id='ca-1' to='alice@${c.d}'><body>from carol</body></message>`),
    )
    await carol.send(
      parse(`<message type='chat' id='cb-1' to='bob@${c.d}'><body>carol to bob</body></message>`),
    )
    await alice.send(
      parse(`<message type='chat' id='ac-1' to='carol@${a.d}'><body>alice to carol</body></message>`),
    )
    await eventually(
      'the replies',
      async () =>
        aliceGot.some((m) => m.attrs.from === `bob@${a.d}` && m.getChildText('body') === 'hi alice') &&
        aliceGot.some((m) => m.attrs.from === `carol@${a.d}` && m.getChildText('body') === 'from carol') &&
        bobGot.some((m) => m.attrs.from === `carol@${b.d}`) &&
        carolGot.some((m) => m.attrs.from === `alice@${c.d}` && m.getChildText('body') === 'alice to carol'),
      30_000,
    )
    // The sending nodes' counters: A and B encrypt, the ejabberd site's node sends plaintext.
    const [sa, sc] = await Promise.all([status(a.node.info.admin), status(c.node.info.admin)])
    assert.ok(sa.messages.sent > 0 && sa.messages.plaintext.sent === 0, JSON.stringify(sa.messages))
    assert.ok(sc.messages.plaintext.sent > 0, JSON.stringify(sc.messages))
  })

  it('[xmpp] presence: a subscription to nick@D is approved and the user coming and going is relayed across servers', async () => {
    const [a, , c] = sites
    const seen = (available: boolean) =>
      nextStanza(
        alice,
        (s) =>
          s.is('presence') &&
          s.attrs.from === `carol@${a.d}` &&
          (available ? s.attrs.type === undefined : s.attrs.type === 'unavailable'),
        30_000,
      )
    // Prosody delivers subscription answers to "interested" resources: those that fetched the roster.
    await exchange(alice, `<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>`)
    const approved = nextStanza(
      alice,
      (s) => s.is('presence') && s.attrs.type === 'subscribed' && s.attrs.from === `carol@${a.d}`,
      30_000,
    )
    const up = seen(true)
    await alice.send(parse(`<presence type='subscribe' to='carol@${a.d}'/>`))
    await approved
    // carol is online (her server told D_C once she approved D's subscription): alice sees it.
    await up
    const down = seen(false)
    await carol.send(parse(`<presence type='unavailable'/>`))
    await down
    const back = seen(true)
    await carol.send(parse('<presence><status>back</status></presence>'))
    assert.equal((await back).getChildText('status'), 'back')
    const s = await status(c.node.info.admin)
    assert.ok(s.xmpp.presence.watchers >= 1, JSON.stringify(s.xmpp.presence))
  })

  it('[0.1.6] [0.1.1] ad-hoc commands through Prosody: the cluster members, the neighbours and my registration', async () => {
    const [a] = sites
    const run = (node: string, id: string) =>
      exchange(
        alice,
        `<iq type='set' id='${id}' to='${a.d}'><command xmlns='http://jabber.org/protocol/commands' node='${node}' action='execute'/></iq>`,
        30_000,
      )
    const list = await exchange(
      alice,
      `<iq type='get' id='cmds' to='${a.d}'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>`,
    )
    const nodes = list
      .getChild('query')!
      .getChildren('item')
      .map((i) => i.attrs.node)
      .sort()
    assert.deepEqual(nodes, ['cluster-members', 'my-registration', 'neighbours', 'register'])

    const members = await run('cluster-members', 'cm1')
    assertXml(
      members,
      `<iq type='result' id='cm1'><command node='cluster-members' status='completed'><x type='result'/></command></iq>`,
    )
    const rows = members.getChild('command')!.getChild('x')!.getChildren('item')
    const ids = rows
      .map((r) =>
        r
          .getChildren('field')
          .find((f) => f.attrs.var === 'nodeId')
          ?.getChildText('value'),
      )
      .sort()
    const st = await Promise.all([...sites.map((x) => x.node), spare].map((n) => status(n.info.admin)))
    assert.deepEqual(ids, st.map((x) => x.nodeId).sort(), 'the four members, as the nodes report themselves')

    const neighbours = await run('neighbours', 'nb1')
    assertXml(neighbours, `<iq type='result' id='nb1'><command node='neighbours' status='completed'/></iq>`)
    const mine = await run('my-registration', 'me1')
    assert.match(mine.toString(), new RegExp(`alice@${a.d.replaceAll('.', '\\.')}`))
  })

  it('[0.1.3] an unknown nick bounces item-not-found; a sender without a nick gets registration-required', async () => {
    const d = sites[0].d
    const unknown = nextStanza(alice, (s) => s.attrs.id === 'nobody-1')
    await alice.send(parse(`<message type='chat' id='nobody-1' to='nobody@${d}'><body>?</body></message>`))
    assertXml(
      await unknown,
      `<message type='error' id='nobody-1'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></message>`,
    )
    const frank = await login(sites[0], 'frank')
    const noNick = nextStanza(frank, (s) => s.attrs.id === 'nonick-1')
    await frank.send(parse(`<message type='chat' id='nonick-1' to='bob@${d}'><body>?</body></message>`))
    assertXml(
      await noNick,
      `<message type='error' from='bob@${d}'><error type='auth'><registration-required xmlns='${STANZAS}'/><text xmlns='${STANZAS}'/></error></message>`,
    )
  })

  it('[0.1.4] restarts of the receiving node, its Prosody and so its component connection lose no acknowledged message', async () => {
    const [a, b] = sites
    // Bob's node down: alice's node queues, and delivers once it is back.
    await b.node.stop()
    for (let i = 0; i < 10; i++)
      await alice.send(
        parse(`<message type='chat' id='down-${i}' to='bob@${a.d}'><body>while down ${i}</body></message>`),
      )
    await eventually(
      'alice node queued them',
      async () => (await status(a.node.info.admin)).messages.queued >= 10,
      20_000,
    )
    b.node = await startNode(b.dataDir, registry.info.listen[0], FAST, b.args)
    await eventually(
      'bob has the queued messages',
      async () => bobGot.filter((m) => /^while down/.test(m.getChildText('body') ?? '')).length >= 10,
      60_000,
    )

    // Prosody B frozen: node B takes (acks) the messages but the server acknowledges nothing;
    // node B is then killed. The messages were only on node B's disk: they must still arrive.
    const prosodyB = b.server as ProsodyServer
    prosodyB.freeze(true)
    try {
      for (let i = 0; i < 10; i++)
        await alice.send(
          parse(`<message type='chat' id='frozen-${i}' to='bob@${a.d}'><body>frozen ${i}</body></message>`),
        )
      await eventually(
        'node B holds them, acked to node A',
        async () => {
          const [sa, sb] = await Promise.all([status(a.node.info.admin), status(b.node.info.admin)])
          if (sa.messages.queued === 0 && (sb.messages.kept?.xmpp ?? 0) >= 10) return true
          throw new Error(`node A ${JSON.stringify(sa.messages)}, node B ${JSON.stringify(sb.messages)}`)
        },
        30_000,
      )
      await b.node.kill()
    } finally {
      prosodyB.freeze(false)
    }
    // The server frozen too while node B comes back: B opens its cluster registry only once the
    // server confirmed its cluster (5 s at most), and its component hands over the kept
    // messages before that. They must wait for the registry, not be judged from unknown senders.
    process.kill(registry.child.pid!, 'SIGSTOP')
    try {
      b.node = await startNode(b.dataDir, registry.info.listen[0], FAST, b.args)
      await new Promise((r) => setTimeout(r, 1000))
    } finally {
      process.kill(registry.child.pid!, 'SIGCONT')
    }

    // Prosody B restarting while messages are in flight: the component reconnects by itself.
    // Node B is held (SIGSTOP) across the restart, so alice's messages reach it while its
    // component connection is broken, and bob is back online before it can deliver them (had
    // they reached Prosody B first, his server's offline store would be under test, not the
    // lattice).
    await bob.stop().catch(() => {})
    const nodeB = b.node.child.pid!
    const again: Element[] = []
    process.kill(nodeB, 'SIGSTOP')
    try {
      await b.server.restart()
      for (let i = 0; i < 10; i++)
        await alice.send(
          parse(
            `<message type='chat' id='restart-${i}' to='bob@${a.d}'><body>across restart ${i}</body></message>`,
          ),
        )
      bob = await login(b, 'bob', again)
      await online(bob)
    } finally {
      process.kill(nodeB, 'SIGCONT')
    }
    const want = [
      ...Array.from({ length: 10 }, (_, i) => `frozen ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `across restart ${i}`),
    ]
    await eventually(
      'bob has every message after the restarts',
      async () => {
        // Either bob connection may have taken a message (the first one until it was stopped).
        const bodies = new Set([...bobGot, ...again].map((m) => m.getChildText('body')))
        const missing = want.filter((w) => !bodies.has(w))
        if (missing.length === 0) return true
        // Named in the failure: which messages, and where node B's outbox stands.
        const sb = await status(b.node.info.admin)
        throw new Error(
          `missing ${missing.join(', ')}; node B ${JSON.stringify(sb.messages)} ${JSON.stringify(sb.xmpp)}; its log:\n${b.node.stderr().slice(-4000)}\nProsody B:\n${tail((b.server as ProsodyServer).logPath, 40)}`,
        )
      },
      60_000,
    )
    const s = await status(b.node.info.admin)
    assert.ok(s.xmpp.connects >= 2, 'the component reconnected after the restart')
    assert.deepEqual(s.xmpp.relay.dropped, {}, 'no relay dropped by the restarted node')
  })
})
