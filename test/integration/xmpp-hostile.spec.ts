/**
 * Hostile clients at a component attached to a real node (the other half of
 * component-hostile.spec.ts, whose component has no node): a four-node cluster of real
 * processes, node 0 attached to a private Prosody as D, and users of that Prosody sending
 * thousands of structure-aware hostile stanzas at D's handlers (XEP-0077 forms, XEP-0050
 * commands, the chat with D, messages and presence to nicks) from registered nicks, racing for
 * nicks and flooding. Every IQ is answered exactly once with the answer it deserves, every
 * accepted message reaches its nick once, and afterwards the node still registers and relays
 * with its memory and open files bounded.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import type { Started } from '../../lib/child.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { procUsage } from '../helpers/p2p.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'
import { startServer, type XmppServer, xmppClient } from '../harness/index.js'
import { assertXml, parse } from '../unit/component/stanza-helpers.js'
import { check, handlerStanzas } from './component-hostile-cases.js'
import { exchange, nextStanza, STANZAS, waitUntil } from './component-suite.js'

const SECRET = 'hostile-component-secret'
const FAST = { ...CLUSTER_FAST, XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'error' }
const HOST = 'a.localhost'
const D = `lattice.${HOST}`
/** The node's component limit (DEFAULT_MAX_STANZA_BYTES), Prosody's c2s limit too. */
const MAX_STANZA = 256 * 1024
/** Senders of the hostile batch, each holding the nick of its name. */
const SENDERS = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']
const RACERS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']
/** The router's default rate per bare JID is 20/s with a burst of 60: stay under it. */
const BURST = 40
const PER_SEC = 16

describe('[xmpp] hostile clients at a component with a node (processes, Prosody)', function () {
  this.timeout(300_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let server: XmppServer
  let node: Started
  let cluster: string
  const clients: Client[] = []
  let base: { rssKb: number; fds: number }

  const login = async (username: string): Promise<Client> => {
    const c = await xmppClient({
      service: server.c2sService,
      domain: HOST,
      username,
      password: `${username}-pw`,
    })
    clients.push(c)
    c.on('stanza', (st: Element) => {
      if (st.is('presence') && st.attrs.type === 'subscribe' && st.attrs.from === D)
        void c.send(parse(`<presence type='subscribed' to='${D}'/>`))
    })
    await c.send(parse('<presence/>'))
    return c
  }
  const register = (client: Client, nick: string, id = `reg-${nick}`) =>
    exchange(
      client,
      `<iq type='set' id='${id}' to='${D}'><query xmlns='jabber:iq:register'>
         <x xmlns='jabber:x:data' type='submit'>
           <field var='FORM_TYPE'><value>jabber:iq:register</value></field>
           <field var='nick'><value>${nick}</value></field>
         </x></query></iq>`,
      30_000,
    )
  const xmppStatus = async () => (await status(node.info.admin)).xmpp

  let peer: Client
  let peerGot: Element[]

  before(async () => {
    tmp = await tempDir('xl-xhostile-')
    const users = ['peer', 'solo', 'remover', 'flooder', 'fresh', 'cmd', ...SENDERS, ...RACERS]
    server = await startServer('prosody', {
      domains: [{ host: HOST, components: [{ domain: D, secret: SECRET }] }],
      users: users.map((u) => ({ user: u, host: HOST, password: `${u}-pw` })),
    })
    const registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    const reg = registry.info.listen[0]
    const [attached, ...spares] = await Promise.all([
      startNode(join(tmp.path, 'n0'), reg, FAST, [
        '--component-domain',
        D,
        '--component-host',
        '127.0.0.1',
        '--component-port',
        String(server.componentPort),
        '--component-secret',
        SECRET,
      ]),
      ...[1, 2, 3].map((i) => startNode(join(tmp.path, `n${i}`), reg, FAST)),
    ])
    node = attached
    await replicasCommitting([node, ...spares], 90_000)
    await eventually('D online', async () => (await xmppStatus())?.state === 'online', 30_000)
    cluster = (await status(node.info.admin)).cluster.name
    assert.match(cluster, /^[a-z0-9-]{1,32}$/)

    peer = await login('peer')
    peerGot = []
    peer.on('stanza', (s: Element) => {
      if (s.is('message')) peerGot.push(s)
    })
    assertXml(await register(peer, 'peer'), `<iq type='result' id='reg-peer'/>`)
    base = await procUsage(node.child.pid!)
  })

  after(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})))
    await stopAll()
    await server?.stop()
    await tmp?.remove()
  })

  it('[xmpp] 3,000 hostile stanzas at D from registered users: every IQ answered once as it deserves, accepted messages relayed once', async function () {
    const perSender = 500
    const senders = await Promise.all(SENDERS.map((u) => login(u)))
    await Promise.all(
      senders.map(async (c, k) =>
        assertXml(await register(c, SENDERS[k]), `<iq type='result' id='reg-${SENDERS[k]}'/>`),
      ),
    )
    const batches = senders.map((_, k) =>
      handlerStanzas(perSender, {
        mode: 'server',
        domain: D,
        maxStanzaBytes: MAX_STANZA,
        seed: 100 + k,
        lattice: { senderNick: SENDERS[k], peerNick: 'peer', cluster },
      }),
    )
    const replies = senders.map(() => new Map<string, Element[]>())
    for (const [k, c] of senders.entries())
      c.on('stanza', (el: Element) => {
        const key = String(el.attrs.id)
        if (/^k\d/.test(key)) replies[k].set(key, [...(replies[k].get(key) ?? []), el])
      })
    const before = (await xmppStatus()).router
    const t0 = performance.now()
    // Each sender paced under the router's per-JID rate, all senders at once.
    await Promise.all(
      senders.map(async (c, k) => {
        const cases = batches[k]
        await c.sendMany(cases.slice(0, BURST).map((h) => parse(h.xml)))
        for (let i = BURST; i < cases.length; i += PER_SEC) {
          await new Promise((r) => setTimeout(r, 1000))
          await c.sendMany(cases.slice(i, i + PER_SEC).map((h) => parse(h.xml)))
        }
      }),
    )
    const expected = batches.map((cases) => cases.filter((h) => h.expect.reply !== 'none').length)
    await waitUntil(
      () => replies.every((r, k) => r.size >= expected[k]),
      60_000,
      () => replies.map((r, k) => `${SENDERS[k]}: ${r.size} of ${expected[k]}`).join(', '),
    )
    const ms = performance.now() - t0
    await new Promise((r) => setTimeout(r, 1000)) // anything extra would arrive now
    const problems = batches.flatMap((cases, k) => check(cases, replies[k]).map((p) => `${SENDERS[k]} ${p}`))
    assert.deepEqual(problems.slice(0, 10), [])
    // Every IQ exactly once (check() holds each case to its one answer; none of them is unanswered).
    const iqs = batches.flat().filter((h) => h.xml.startsWith('<iq'))
    assert.ok(iqs.every((h) => h.expect.reply !== 'none'))

    // Accepted messages reached the peer once each, from the sender's nick, body intact.
    const relayed = batches.flatMap((cases, k) =>
      cases.filter((h) => h.relayed).map((h) => ({ h, from: `${SENDERS[k]}@${D}` })),
    )
    const key = (m: Element) => `${m.attrs.from}\n${m.attrs.id}`
    await waitUntil(
      () => new Set(peerGot.map(key)).size >= relayed.length,
      60_000,
      () => `${new Set(peerGot.map(key)).size} of ${relayed.length} relayed`,
    )
    const byKey = new Map<string, Element[]>()
    for (const m of peerGot) byKey.set(key(m), [...(byKey.get(key(m)) ?? []), m])
    for (const { h, from } of relayed) {
      const got = byKey.get(`${from}\n${h.key}`) ?? []
      assert.equal(got.length, 1, `${h.kind} ${h.key} from ${from}: ${got.length} copies`)
      assert.equal(got[0].getChildText('body'), parse(h.xml).getChildText('body'), `${h.kind} ${h.key}`)
    }
    const after = (await xmppStatus()).router
    assert.equal(
      after.dropped['rate-limited'] ?? 0,
      before.dropped['rate-limited'] ?? 0,
      'paced under the rate',
    )
    const kinds = new Set(batches.flat().map((h) => h.kind)).size
    this.test!.title +=
      ` [${Math.round((SENDERS.length * perSender) / (ms / 1000))} stanzas/s, ${kinds} kinds, ${relayed.length} relayed]`
  })

  it('[0.1.2] registration races: six users for one nick, five for another each its own way, one user for five nicks at once, <remove/> with junk', async () => {
    const racers = await Promise.all(RACERS.map((u) => login(u)))
    const answers = await Promise.all(racers.map((c, i) => register(c, 'prize', `race-${i}`)))
    const won = answers.filter((a) => a.attrs.type === 'result')
    assert.equal(won.length, 1, answers.map(String).join('\n'))
    for (const a of answers.filter((x) => x.attrs.type === 'error'))
      assertXml(a, `<iq type='error'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`)

    // The five losers race again for one nick, each its own way: a form, the legacy field, a chat.
    const losers = racers.filter((_, i) => answers[i].attrs.type === 'error')
    const ways = await Promise.all(
      losers.map(async (c, i) => {
        if (i === 0) return (await register(c, 'prize2', 'mixed-0')).attrs.type === 'result'
        if (i === 1) {
          const r = await exchange(
            c,
            `<iq type='set' id='mixed-1' to='${D}'><query xmlns='jabber:iq:register'><nick>Prize2</nick></query></iq>`,
            30_000,
          )
          if (r.attrs.type === 'error')
            assert.ok(r.getChild('error')?.getChild('conflict', STANZAS), String(r))
          return r.attrs.type === 'result'
        }
        const said = nextStanza(c, (s) => s.is('message') && s.attrs.id === `mixed-${i}-re`, 30_000)
        await c.send(
          parse(`<message type='chat' id='mixed-${i}' to='${D}'><body>register prize2</body></message>`),
        )
        const body = (await said).getChildText('body')
        assert.ok(
          body === `You are prize2@${D}.` || body === 'Not done: the nick prize2 is taken.',
          String(body),
        )
        return body === `You are prize2@${D}.`
      }),
    )
    assert.equal(ways.filter(Boolean).length, 1, JSON.stringify(ways))

    // One JID, five nicks in flight: the first sent wins, the others wait for it and conflict.
    const solo = await login('solo')
    const five = await Promise.all(['s1', 's2', 's3', 's4', 's5'].map((n) => register(solo, n)))
    assert.deepEqual(
      five.map((a) => a.attrs.type),
      ['result', 'error', 'error', 'error', 'error'],
    )
    for (const a of five.slice(1)) assert.ok(a.getChild('error')?.getChild('conflict', STANZAS), String(a))

    // <remove/> among junk releases the nick; the nick can then be taken again.
    const remover = await login('remover')
    assertXml(await register(remover, 'gone'), `<iq type='result' id='reg-gone'/>`)
    const removed = await exchange(
      remover,
      `<iq type='set' id='rm-1' to='${D}'><query xmlns='jabber:iq:register'><junk xmlns='urn:x'><a/></junk>
         <remove/><nick>ignored</nick></query></iq>`,
      30_000,
    )
    assertXml(removed, `<iq type='result' id='rm-1'/>`)
    const again = await exchange(
      remover,
      `<iq type='set' id='rm-2' to='${D}'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
    )
    assertXml(
      again,
      `<iq type='error' id='rm-2'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></iq>`,
    )
    assertXml(await register(remover, 'gone', 'reg-gone-2'), `<iq type='result' id='reg-gone-2'/>`)
  })

  it('[xmpp] an ad-hoc command session through junk: bad payloads and actions keep it open, a forged or ended one is refused', async () => {
    const cmd = await login('cmd')
    const NS = 'http://jabber.org/protocol/commands'
    const FORM = 'urn:xlattice:commands:register'
    const send = (id: string, attrs: string, inner = '') =>
      exchange(
        cmd,
        `<iq type='set' id='${id}' to='${D}'><command xmlns='${NS}' node='register'${attrs}>${inner}</command></iq>`,
        30_000,
      )
    const form = (fields: string, type = 'submit', formType = FORM) =>
      `<x xmlns='jabber:x:data' type='${type}'><field var='FORM_TYPE' type='hidden'><value>${formType}</value></field>${fields}</x>`
    const nick = (v: string) => `<field var='nick'><value>${v}</value></field>`
    const refused = async (id: string, attrs: string, inner: string, condition: string, app: string) =>
      assertXml(
        await send(id, attrs, inner),
        `<iq type='error' id='${id}'><error><${condition} xmlns='${STANZAS}'/><${app} xmlns='${NS}'/></error></iq>`,
      )

    const first = await send('c-0', ` action='execute'`)
    assertXml(
      first,
      `<iq type='result' id='c-0'><command node='register' status='executing'><actions execute='complete'><complete/></actions></command></iq>`,
    )
    const sid = first.getChild('command', NS)!.attrs.sessionid as string
    const on = ` sessionid='${sid}' action='complete'`
    // Each of these leaves the session open for another try (XEP-0050 §4.4 bad-payload, bad-action).
    await refused('c-1', on, '', 'bad-request', 'bad-payload')
    await refused(
      'c-2',
      on,
      `<junk xmlns='urn:x'/>${form(nick('cmdnick'), 'submit', 'urn:x-other')}`,
      'bad-request',
      'bad-payload',
    )
    await refused('c-3', on, form(nick('cmdnick'), 'result'), 'bad-request', 'bad-payload')
    await refused('c-4', on, form(nick('')), 'bad-request', 'bad-payload')
    await refused('c-5', on, form(nick('a') + nick('b')), 'bad-request', 'bad-payload')
    await refused(
      'c-6',
      on,
      form(`<field var='nick'><value>${'n'.repeat(1100)}</value></field>`),
      'bad-request',
      'bad-payload',
    )
    await refused('c-7', ` sessionid='${sid}' action='prev'`, '', 'bad-request', 'bad-action')
    await refused(
      'c-8',
      ` sessionid='${sid}' action='next'`,
      form(nick('cmdnick')),
      'bad-request',
      'bad-action',
    )
    // Forged: the same sessionid for another node, a tampered one.
    const other = await exchange(
      cmd,
      `<iq type='set' id='c-9' to='${D}'><command xmlns='${NS}' node='my-registration' sessionid='${sid}' action='complete'/></iq>`,
    )
    assertXml(
      other,
      `<iq type='error' id='c-9'><error><bad-request xmlns='${STANZAS}'/><bad-sessionid xmlns='${NS}'/></error></iq>`,
    )
    await refused(
      'c-10',
      ` sessionid='${sid.slice(0, -2)}xx' action='complete'`,
      form(nick('cmdnick')),
      'bad-request',
      'bad-sessionid',
    )

    // Still open: execute on it means complete (§4.2), with the form, and registers.
    const done = await send(
      'c-11',
      ` sessionid='${sid}' action='execute'`,
      `<junk xmlns='urn:x'/>${form(nick('CmdNick') + `<field var='x-extra'><value>1</value><value>2</value></field>`)}`,
    )
    assertXml(
      done,
      `<iq type='result' id='c-11'><command node='register' status='completed' sessionid='${sid}'><note type='info'>You are cmdnick@${D}</note></command></iq>`,
    )
    // Ended: complete again is session-expired, cancel still answers canceled.
    await refused('c-12', on, form(nick('cmdnick')), 'not-allowed', 'session-expired')
    assertXml(
      await send('c-13', ` sessionid='${sid}' action='cancel'`),
      `<iq type='result' id='c-13'><command node='register' status='canceled' sessionid='${sid}'/></iq>`,
    )
  })

  it('[xmpp] floods from one registered user: 1,000 IQs each answered once, 9,000 messages to a nick relayed in order, none lost unnoticed', async function () {
    const flooder = await login('flooder')
    assertXml(await register(flooder, 'flooder'), `<iq type='result' id='reg-flooder'/>`)
    await new Promise((r) => setTimeout(r, 3500)) // a full bucket

    const answers: Element[] = []
    flooder.on('stanza', (el: Element) => {
      if (String(el.attrs.id).startsWith('fl-')) answers.push(el)
    })
    await flooder.sendMany(
      Array.from({ length: 1000 }, (_, i) =>
        parse(`<iq type='get' id='fl-${i}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`),
      ),
    )
    await waitUntil(
      () => answers.length >= 1000,
      30_000,
      () => `${answers.length} of 1000`,
    )
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(answers.length, 1000)
    assert.equal(new Set(answers.map((a) => a.attrs.id)).size, 1000, 'one answer per IQ')
    const ok = answers.filter((a) => a.attrs.type === 'result').length
    const limited = answers.filter((a) =>
      a.getChild('error')?.getChild('resource-constraint', STANZAS),
    ).length
    assert.equal(ok + limited, 1000)
    assert.ok(ok >= 60 && ok < 200, `${ok} within the burst`)

    await new Promise((r) => setTimeout(r, 3500))
    // Messages have their own, larger bucket (3,000/s, burst 6,000): past it, each is answered
    // resource-constraint, never dropped unnoticed.
    const n = 9000
    const refusedIds = new Set<string>()
    flooder.on('stanza', (el: Element) => {
      if (el.is('message') && el.attrs.type === 'error' && String(el.attrs.id).startsWith('mf-'))
        refusedIds.add(el.attrs.id)
    })
    await flooder.sendMany(
      Array.from({ length: n }, (_, i) =>
        parse(`<message type='chat' id='mf-${i}' to='peer@${D}'><body>flood ${i}</body></message>`),
      ),
    )
    await eventually(
      'every flood message relayed or refused',
      async () => refusedIds.size + peerGot.filter((m) => String(m.attrs.id).startsWith('mf-')).length >= n,
      90_000,
    )
    await new Promise((r) => setTimeout(r, 1000))
    const dropped = refusedIds.size
    const got = peerGot.filter((m) => String(m.attrs.id).startsWith('mf-'))
    assert.equal(got.length + dropped, n)
    // (One client through Prosody rarely outruns the bucket; router.spec.ts covers refusals.)
    const seq = got.map((m) => Number(String(m.attrs.id).slice(3)))
    assert.deepEqual(
      seq,
      [...seq].sort((a, b) => a - b),
      'in order',
    )
    assert.equal(new Set(seq).size, seq.length, 'no duplicates')
    assert.ok(got.every((m) => m.getChildText('body') === `flood ${String(m.attrs.id).slice(3)}`))
    assert.ok(got.length >= 6000, `${got.length} relayed`)
    this.test!.title +=
      ` [IQs: ${ok} answered, ${limited} resource-constraint; messages: ${got.length} relayed, ${dropped} refused resource-constraint]`
  })

  it('[xmpp] a message over the lattice payload limit is refused for good (modify), not "try again later"', async () => {
    const sender = clients.find((c) => c.jid?.local === 'm0')!
    // 100 KB: under Prosody's and the component's 256 KiB, over the 60 KiB a node carries.
    const reply = nextStanza(sender, (s) => s.attrs.id === 'big-1', 30_000)
    await sender.send(
      parse(`<message type='chat' id='big-1' to='peer@${D}'><body>${'x'.repeat(100_000)}</body></message>`),
    )
    const error = (await reply).getChild('error')
    assert.ok(error, 'an error')
    const condition = error
      .getChildElements()
      .find((e) => e.attrs.xmlns === STANZAS && e.name !== 'text')?.name
    assert.ok(
      condition === 'policy-violation' || condition === 'not-acceptable',
      `${condition} (${error.attrs.type}): ${error.getChildText('text', STANZAS)}`,
    )
  })

  it('[xmpp] afterwards the node still serves: a fresh registration and a message both ways; memory and open files bounded', async function () {
    const fresh = await login('fresh')
    assertXml(await register(fresh, 'fresh'), `<iq type='result' id='reg-fresh'/>`)
    const toPeer = nextStanza(peer, (s) => s.is('message') && s.attrs.from === `fresh@${D}`, 30_000)
    await fresh.send(
      parse(`<message type='chat' id='f-1' to='peer@${D}'><body>still there?</body></message>`),
    )
    assert.equal((await toPeer).getChildText('body'), 'still there?')
    const back = nextStanza(fresh, (s) => s.is('message') && s.attrs.from === `peer@${D}`, 30_000)
    await peer.send(parse(`<message type='chat' id='p-1' to='fresh@${D}'><body>yes</body></message>`))
    assert.equal((await back).getChildText('body'), 'yes')

    const st = await xmppStatus()
    assert.equal(st.connects, 1, 'the component stream never dropped')
    await new Promise((r) => setTimeout(r, 1000))
    const end = await procUsage(node.child.pid!)
    assert.ok(end.rssKb - base.rssKb < 150_000, `RSS grew by ${end.rssKb - base.rssKb} kB`)
    assert.ok(end.fds - base.fds < 20, `open fds went from ${base.fds} to ${end.fds}`)
    this.test!.title +=
      ` [RSS ${Math.round(base.rssKb / 1024)} -> ${Math.round(end.rssKb / 1024)} MB, fds ${base.fds} -> ${end.fds}, router ${JSON.stringify(st.router.dropped)}]`
  })
})
