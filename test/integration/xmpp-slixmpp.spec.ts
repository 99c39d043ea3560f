/**
 * A third-party client library at the lattice (seed rows 0.1.1, 0.1.3): a slixmpp user
 * (python3-slixmpp, test/integration/slixmpp/chat.py) on one Prosody registers a nick with
 * XEP-0077 and chats with an @xmpp/client user of another Prosody. One four-node cluster of real
 * node processes: nodes 0 and 1 attached as components to the two Prosody instances, nodes 2
 * and 3 without XMPP.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import type { Started } from '../../lib/child.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'
import { startServer, type XmppServer, xmppClient } from '../harness/index.js'
import { assertXml, parse } from '../unit/component/stanza-helpers.js'
import { exchange, nextStanza } from './component-suite.js'

const SECRET = 'slixmpp-component-secret'
const FAST = { ...CLUSTER_FAST, XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'warn' }
/** The Debian python3-slixmpp lives under the system interpreter (a pyenv `python3` lacks it). */
const PYTHON = '/usr/bin/python3'
/** scripts/test.mjs installs python3-slixmpp as an optional package: without it this file is skipped. */
const haveSlixmpp = () => spawnSync(PYTHON, ['-c', 'import slixmpp'], { stdio: 'ignore' }).status === 0
const SCRIPT = join(import.meta.dirname, 'slixmpp', 'chat.py')

interface Site {
  host: string
  d: string
  server: XmppServer
  node: Started
}

/** What chat.py printed, one JSON object per line, and how it exited. */
interface Run {
  events: Record<string, any>[]
  code: number | null
  stderr: string
}

/** Starts chat.py; `events` fills as it prints; `exited` resolves once the script exited. */
function slixmpp(args: Record<string, string>): Run & { exited: Promise<Run> } {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])
  if (process.env.XLATTICE_SLIXMPP_DEBUG) argv.push('--debug')
  const child = spawn(PYTHON, [SCRIPT, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
  const events: Record<string, any>[] = []
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += b.toString()
  })
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line))
    } catch {
      stderr += `(stdout) ${line}\n`
    }
  })
  const run: Run & { exited: Promise<Run> } = {
    events,
    code: null,
    get stderr() {
      return stderr
    },
    exited: new Promise((resolve) =>
      child.once('close', (code) => {
        run.code = code
        resolve(run)
      }),
    ),
  }
  return run
}

describe('[xmpp] a third-party client library (slixmpp) at the lattice (processes, Prosody x2)', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const sites: Site[] = []
  const clients: Client[] = []

  before(async function () {
    if (!haveSlixmpp()) this.skip()
    tmp = await tempDir('xl-slix-')
    const specs = [
      { host: 'a.localhost', users: ['slix'] },
      { host: 'b.localhost', users: ['bob'] },
    ]
    const servers = await Promise.all(
      specs.map((s) =>
        startServer('prosody', {
          domains: [{ host: s.host, components: [{ domain: `lattice.${s.host}`, secret: SECRET }] }],
          users: s.users.map((u) => ({ user: u, host: s.host, password: `${u}-pw` })),
        }),
      ),
    )
    const registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    const reg = registry.info.listen[0]
    await Promise.all(
      specs.map(async (s, i) => {
        const d = `lattice.${s.host}`
        const node = await startNode(join(tmp.path, `n${i}`), reg, FAST, [
          '--component-domain',
          d,
          '--component-host',
          '127.0.0.1',
          '--component-port',
          String(servers[i].componentPort),
          '--component-secret',
          SECRET,
        ])
        sites[i] = { host: s.host, d, server: servers[i], node }
      }),
    )
    const spares = await Promise.all([2, 3].map((i) => startNode(join(tmp.path, `n${i}`), reg, FAST)))
    await replicasCommitting([...sites.map((s) => s.node), ...spares], 90_000)
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

  it('[0.1.1] [0.1.3] slixmpp (a third-party client library) registers a nick and chats with an @xmpp/client user of another server', async () => {
    const [a, b] = sites
    const bob = await xmppClient({
      service: b.server.c2sService,
      domain: b.host,
      username: 'bob',
      password: 'bob-pw',
    })
    clients.push(bob)
    bob.on('stanza', (st: Element) => {
      if (st.is('presence') && st.attrs.type === 'subscribe' && st.attrs.from === b.d)
        void bob.send(parse(`<presence type='subscribed' to='${b.d}'/>`))
    })
    await bob.send(parse('<presence/>'))
    const reg = await exchange(
      bob,
      `<iq type='set' id='reg-bob' to='${b.d}'><query xmlns='jabber:iq:register'>
         <x xmlns='jabber:x:data' type='submit'>
           <field var='FORM_TYPE'><value>jabber:iq:register</value></field>
           <field var='nick'><value>bob</value></field>
         </x></query></iq>`,
      30_000,
    )
    assertXml(reg, `<iq type='result' id='reg-bob' from='${b.d}'/>`)

    const nick = 'slixmpp-user'
    // Markup, an entity, quotes and characters beyond the BMP must cross both servers and the lattice.
    const body = `hello from slixmpp <b>&amp;</b> "quoted" 'single' caf\u00e9 \u{1F600}`
    const reply = `bob answers \u00e9\u{1F44B} <&>`
    // Bob answers the address he saw the message come from, as a user would.
    const fromSlix = nextStanza(
      bob,
      (s) => s.is('message') && s.attrs.from === `${nick}@${b.d}` && s.getChild('body') !== undefined,
      90_000,
    )
    const run = slixmpp({
      jid: `slix@${a.host}`,
      password: 'slix-pw',
      host: '127.0.0.1',
      port: String(a.server.c2sPort),
      domain: a.d,
      nick,
      to: 'bob',
      body,
      timeout: '90',
    })
    const said = () => `${JSON.stringify(run.events, null, 1)}\n${run.stderr}`
    const got = await Promise.race([
      fromSlix.catch((err) => {
        throw new Error(`${err.message}; slixmpp said:\n${said()}`)
      }),
      run.exited.then((r) => {
        throw new Error(`slixmpp exited (${r.code}) before bob heard from it:\n${said()}`)
      }),
    ])
    assert.equal(got.getChildText('body'), body)
    assert.equal(got.attrs.type, 'chat')
    await bob.send(
      parse(`<message type='chat' id='re-1' to='${nick}@${b.d}'><body>${escapeText(reply)}</body></message>`),
    )

    const { events, code } = await run.exited
    const detail = said()
    assert.equal(code, 0, detail)
    const one = (name: string) => {
      const e = events.find((x) => x.event === name)
      assert.ok(e, `no ${name} event: ${detail}`)
      return e
    }
    // The library read D's form: the legacy <nick/> and a data form with FORM_TYPE and nick.
    const form = one('form')
    assert.equal(form.registered, false)
    assert.deepEqual(form.legacy, ['nick'])
    assert.equal(form.formType, 'form')
    // (Further, optional fields bind the nick to a key the user holds; a plain client leaves them.)
    assert.equal(form.fields.FORM_TYPE, 'hidden')
    assert.equal(form.fields.nick, 'text-single')
    assert.deepEqual(form.required, ['nick'])
    assert.deepEqual(form.values.FORM_TYPE, ['jabber:iq:register'])
    assert.match(form.instructions, new RegExp(`nick@${a.d.replace(/\./g, '\\.')}`))
    assert.deepEqual(one('registered'), { event: 'registered', type: 'result', nick, from: a.d })
    assert.deepEqual(one('registration'), { event: 'registration', registered: true, nick })
    const answer = one('reply')
    assert.equal(answer.from, `bob@${a.d}`)
    assert.equal(answer.body, reply)
    assert.equal(answer.type, 'chat')
    assert.equal(answer.id, 're-1')
    assert.equal(events.at(-1)?.event, 'done')

    // Each home delivered what came for its user: B slixmpp's message, A bob's answer.
    const [sa, sb] = await Promise.all([status(a.node.info.admin), status(b.node.info.admin)])
    assert.ok(sa.xmpp.relay.delivered >= 1, JSON.stringify(sa.xmpp.relay))
    assert.ok(sb.xmpp.relay.delivered >= 1, JSON.stringify(sb.xmpp.relay))
  })
})

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
