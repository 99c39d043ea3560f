/**
 * `xlattice demo` end to end, as a user runs it: one command brings up an XLattice server, a
 * cluster of four nodes and two private Prosody servers with a node attached to each; its JSON
 * line says where everything is. alice (on a.localhost) and bob (on b.localhost) log in with
 * the demo accounts, take nicks by XEP-0077 and chat across the two servers through the lattice;
 * then Ctrl-C (SIGINT) ends every process it started, Prosody included, and removes its data.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import { findProsody } from '../../bin/demo/prosody.js'
import { type Started, spawnReady } from '../../lib/child.js'
import { canConnect, xmppClient } from '../harness/index.js'
import { assertBuilt, BIN, status } from '../helpers/procs.js'
import { assertXml, parse } from '../unit/component/stanza-helpers.js'
import { exchange, nextStanza } from './component-suite.js'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** An HTTP upgrade to the WebSocket URL, as a browser on another origin (Converse.js) sends it. */
function websocketUpgrade(url: string): Promise<{ status: number; protocol?: string }> {
  const { hostname, port, pathname } = new URL(url.replace(/^ws:/, 'http:'))
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: hostname,
      port,
      path: pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Protocol': 'xmpp',
        Origin: 'http://localhost:8080',
      },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode!, protocol: res.headers['sec-websocket-protocol'] as string })
    })
    req.on('response', (res) => {
      res.resume()
      resolve({ status: res.statusCode! })
    })
    req.on('error', reject)
  })
}

describe('[demo] `xlattice demo` runs the whole thing: a cluster, two Prosody servers, users chatting', function () {
  this.timeout(240_000)
  let demo: Started
  let info: any
  let startupMs: number
  const clients: Client[] = []

  before(async () => {
    assertBuilt()
    const began = Date.now()
    demo = await spawnReady(process.execPath, [BIN, 'demo', '--json'], {
      env: { ...process.env, XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'warn' },
      timeoutMs: 180_000,
    })
    startupMs = Date.now() - began
    info = demo.info
  })

  after(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})))
    // SIGINT first, so the demo takes its Prosody servers down; SIGKILL only if it hangs.
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGINT')
      const timer = setTimeout(() => demo.child.kill('SIGKILL'), 20_000)
      await new Promise((resolve) => demo.child.once('exit', resolve))
      clearTimeout(timer)
    }
  })

  it('prints one JSON line once the cluster commits and both components are online', async () => {
    process.stderr.write(`      (demo up in ${startupMs} ms; it reports ${info.startupMs} ms)\n`)
    assert.deepEqual(
      info.servers.map((s: any) => [s.host, s.componentDomain, s.websocketUrl.replace(/\d+/g, 'N')]),
      [
        ['a.localhost', 'lattice.a.localhost', 'ws://N.N.N.N:N/xmpp-websocket'],
        ['b.localhost', 'lattice.b.localhost', 'ws://N.N.N.N:N/xmpp-websocket'],
      ],
    )
    assert.deepEqual(
      info.accounts.map((a: any) => [a.jid, a.password, a.server]),
      [
        ['alice@a.localhost', 'alice', 'a.localhost'],
        ['bob@b.localhost', 'bob', 'b.localhost'],
      ],
    )
    assert.equal(info.nodes.length, 4)
    assert.equal(info.registry.role, 'registry')
    assert.ok(info.registry.admin && info.registry.listen.length > 0)
    assert.ok(existsSync(info.dataDir), info.dataDir)
    // One cluster, every replica committing; nodes 1 and 2 attached, 3 and 4 without XMPP.
    const statuses = await Promise.all(info.nodes.map((n: any) => status(n.admin)))
    assert.equal(new Set(statuses.map((s) => s.cluster.clusterId)).size, 1)
    for (const s of statuses) assert.ok(s.cluster.replica.height > 0, JSON.stringify(s.cluster))
    assert.deepEqual(
      statuses.map((s) => s.xmpp?.state ?? null),
      ['online', 'online', null, null],
    )
    assert.deepEqual(
      info.servers.map((s: any) => s.node.admin),
      info.nodes.slice(0, 2).map((n: any) => n.admin),
    )
    // Converse.js's endpoint answers a cross-origin WebSocket upgrade.
    for (const s of info.servers) {
      assert.deepEqual(await websocketUpgrade(s.websocketUrl), { status: 101, protocol: 'xmpp' })
    }
  })

  it('alice and bob log in with the demo accounts, take nicks by XEP-0077 and chat across the servers', async () => {
    const [a, b] = info.servers
    const login = async (server: any, username: string, password: string) => {
      const c = await xmppClient({
        service: `xmpp://127.0.0.1:${server.c2sPort}`,
        domain: server.host,
        username,
        password,
      })
      clients.push(c)
      await c.send(parse('<presence/>'))
      return c
    }
    const alice = await login(a, 'alice', 'alice')
    const bob = await login(b, 'bob', 'bob')
    for (const [client, server, nick] of [
      [alice, a, 'alice'],
      [bob, b, 'bob'],
    ] as const) {
      const reply = await exchange(
        client,
        `<iq type='set' id='reg-${nick}' to='${server.componentDomain}'><query xmlns='jabber:iq:register'>
           <x xmlns='jabber:x:data' type='submit'>
             <field var='FORM_TYPE'><value>jabber:iq:register</value></field>
             <field var='nick'><value>${nick}</value></field>
           </x></query></iq>`,
        30_000,
      )
      assertXml(reply, `<iq type='result' id='reg-${nick}' from='${server.componentDomain}'/>`)
    }
    const arrives = nextStanza(
      bob,
      (s: Element) => s.is('message') && s.getChildText('body') === 'hello bob, from the demo',
      30_000,
    )
    await alice.send(
      parse(
        `<message type='chat' id='demo-1' to='bob@${a.componentDomain}'><body>hello bob, from the demo</body></message>`,
      ),
    )
    assertXml(
      await arrives,
      `<message type='chat' id='demo-1' from='alice@${b.componentDomain}'><body>hello bob, from the demo</body></message>`,
    )
    // And back, to the address bob saw.
    const answer = nextStanza(
      alice,
      (s: Element) => s.is('message') && s.getChildText('body') === 'hi alice',
      30_000,
    )
    await bob.send(
      parse(
        `<message type='chat' id='demo-2' to='alice@${b.componentDomain}'><body>hi alice</body></message>`,
      ),
    )
    assert.equal((await answer).attrs.from, `bob@${a.componentDomain}`)
  })

  it('Ctrl-C stops every process it started, both Prosody servers included, and removes its data', async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})))
    const pids: number[] = [
      info.registry.pid,
      ...info.nodes.map((n: any) => n.pid),
      ...info.servers.map((s: any) => s.pid),
    ]
    assert.equal(pids.length, 7)
    assert.ok(pids.every(alive), 'all running before Ctrl-C')
    const began = Date.now()
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)))
    demo.child.kill('SIGINT')
    assert.equal(await exited, 0)
    process.stderr.write(`      (stopped in ${Date.now() - began} ms)\n`)
    assert.deepEqual(pids.filter(alive), [], 'a process outlived the demo')
    for (const s of info.servers) assert.equal(await canConnect(s.c2sPort), false, `${s.host} still listens`)
    assert.equal(existsSync(info.dataDir), false, `${info.dataDir} is still there`)
  })

  it('without Prosody it says what to install; with XMPP it refuses fewer nodes than a cluster', () => {
    const empty = mkdtempSync(join(tmpdir(), 'xl-noprosody-'))
    try {
      assert.throws(
        () => findProsody([empty]),
        /Prosody is not installed: run `sudo apt-get install prosody`/,
      )
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
    const r = spawnSync(process.execPath, [BIN, 'demo', '--nodes', '2'], { encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /--nodes must be at least 4 with XMPP/)
  })
})
