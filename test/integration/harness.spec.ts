// The harness against both real servers: a component answers disco#info and echoes messages, a
// client talks to it through the server, and stop() leaves nothing behind.
import { strict as assert } from 'node:assert'
import { existsSync } from 'node:fs'
import { type Client, type Element, xml as cxml } from '@xmpp/client'
import { type Component, xml } from '@xmpp/component'
import {
  canConnect,
  componentClient,
  SERVER_KINDS,
  startServer,
  type XmppServer,
  xmppClient,
} from '../harness/index.js'

const DISCO_INFO = 'http://jabber.org/protocol/disco#info'

/** disco#info identity gateway/xlattice, and echo every message with a body back to its sender. */
function echoComponent(c: Component): void {
  // References: XEP-0030 §3.1 (disco#info result), XEP-0114 §3 (component stanzas carry from and to).
  c.iqCallee.get(DISCO_INFO, 'query', () =>
    xml(
      'query',
      { xmlns: DISCO_INFO },
      xml('identity', { category: 'gateway', type: 'xlattice', name: 'XLattice' }),
      xml('feature', { var: DISCO_INFO }),
    ),
  )
  c.on('stanza', (stanza) => {
    if (!stanza.is('message') || stanza.attrs.type === 'error') return
    const body = stanza.getChildText('body')
    if (body === null) return
    const { from, to, type, id } = stanza.attrs
    c.send(xml('message', { from: to, to: from, type, id }, xml('body', {}, body))).catch(() => {})
  })
}

function nextStanza(entity: Client, match: (s: Element) => boolean, timeoutMs = 5000): Promise<Element> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      entity.off('stanza', onStanza)
      reject(new Error(`no matching stanza within ${timeoutMs} ms`))
    }, timeoutMs)
    function onStanza(s: Element) {
      if (!match(s)) return
      clearTimeout(timer)
      entity.off('stanza', onStanza)
      resolve(s)
    }
    entity.on('stanza', onStanza)
  })
}

for (const kind of SERVER_KINDS) {
  describe(`harness: ${kind}`, () => {
    const host = kind === 'prosody' ? 'a.localhost' : 'e.localhost'
    const domain = `lattice.${host}`
    const secret = 'component-secret'
    const alice = { user: 'alice', host, password: 'alice-pw' }
    let server: XmppServer | undefined
    let comp: Component | undefined
    let client: Client | undefined

    const login = (username: string, password: string) =>
      xmppClient({ service: server!.c2sService, domain: host, username, password })

    before(async () => {
      server = await startServer(kind, {
        domains: [{ host, components: [{ domain, secret }] }],
        users: [alice],
      })
      comp = await componentClient({
        service: server.componentService,
        domain,
        password: secret,
        setup: echoComponent,
      })
      client = await login(alice.user, alice.password)
    })

    // Runs even when a test or before() failed; stop() is idempotent, so the last test may call it too.
    after(async () => {
      await client?.stop().catch(() => {})
      await comp?.stop().catch(() => {})
      await server?.stop()
    })

    it('logs a client in with PLAIN and connects a component', () => {
      assert.equal(client!.jid!.bare().toString(), `alice@${host}`)
      assert.equal(comp!.status, 'online')
    })

    it('routes a message to echo@<component domain> and the echo back', async () => {
      const echoed = nextStanza(client!, (s) => s.is('message') && s.attrs.from === `echo@${domain}`)
      await client!.send(
        cxml('message', { to: `echo@${domain}`, type: 'chat', id: 'm1' }, cxml('body', {}, 'hi')),
      )
      const reply = await echoed
      assert.equal(reply.getChildText('body'), 'hi')
      assert.equal(reply.attrs.to, client!.jid!.toString())
      assert.equal(reply.attrs.id, 'm1')
    })

    it('keeps Nagle off: the median of 15 sequential echoes is far below the 40 ms delayed ACK', async () => {
      const rtts: number[] = []
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now()
        const echoed = nextStanza(client!, (s) => s.is('message') && s.getChildText('body') === `n${i}`)
        await client!.send(cxml('message', { to: `echo@${domain}`, type: 'chat' }, cxml('body', {}, `n${i}`)))
        await echoed
        rtts.push(performance.now() - t0)
      }
      const median = rtts.sort((a, b) => a - b)[7]
      assert.ok(median < 25, `median round trip ${median.toFixed(1)} ms`)
    })

    it('gets a disco#info answer from the component domain', async () => {
      const res = await client!.iqCaller.request(
        cxml('iq', { type: 'get', to: domain }, cxml('query', { xmlns: DISCO_INFO })),
      )
      assert.equal(res.attrs.type, 'result')
      assert.equal(res.attrs.from, domain)
      const identity = res.getChild('query', DISCO_INFO)?.getChild('identity')
      assert.deepEqual(
        { category: identity?.attrs.category, type: identity?.attrs.type },
        { category: 'gateway', type: 'xlattice' },
      )
    })

    it('addUser() works on a running server and accounts survive restart()', async () => {
      await server!.addUser({ user: 'bob', host, password: 'bob-pw' })
      await client!.stop()
      await comp!.stop()
      await server!.restart()
      const bob = await login('bob', 'bob-pw')
      assert.equal(bob.jid!.bare().toString(), `bob@${host}`)
      await bob.stop()
      await assert.rejects(login('bob', 'wrong-pw'), /not-authorized/)
    })

    it('stop() closes the ports and removes the temp dir', async () => {
      const { dataDir, c2sPort, componentPort } = server!
      assert.ok(existsSync(dataDir))
      await server!.stop()
      assert.equal(existsSync(dataDir), false)
      assert.equal(await canConnect(c2sPort), false)
      assert.equal(await canConnect(componentPort), false)
    })
  })
}
