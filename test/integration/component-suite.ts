// The component's scenarios against a real XMPP server, shared by component-prosody.spec.ts and
// component-ejabberd.spec.ts: an @xmpp/client user talks to D through the server with literal
// stanzas; the server is restarted and a second component claims the same domain.
import assert from 'node:assert/strict'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import {
  HANDLERS,
  type RunningComponent,
  StanzaError,
  startComponent,
  staticNickDirectory,
} from '../../component/index.js'
import { xml } from '../../component/xml.js'
import { featureOf } from '../../component/handler.js'
import { type ServerKind, startServer, type XmppServer, xmppClient } from '../harness/index.js'
import { assertXml, parse } from '../unit/component/stanza-helpers.js'

export const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'

/** Silent unless XLATTICE_LOG_LEVEL asks for the component's logs. */
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as any
const testLog = process.env.XLATTICE_LOG_LEVEL ? undefined : silent

/** Sends literal XML (its id names the reply) and resolves with the reply of that id. */
export async function exchange(client: Client, text: string, timeoutMs = 5000): Promise<Element> {
  const el = parse(text)
  const id = el.attrs.id
  const reply = nextStanza(
    client,
    (s) => s.attrs.id === id && (s.attrs.type === 'result' || s.attrs.type === 'error'),
    timeoutMs,
  )
  await client.send(el)
  return reply
}

export function nextStanza(
  client: Client,
  match: (s: Element) => boolean,
  timeoutMs = 5000,
): Promise<Element> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('stanza', onStanza)
      reject(new Error(`no matching stanza within ${timeoutMs} ms`))
    }, timeoutMs)
    function onStanza(s: Element) {
      if (!match(s)) return
      clearTimeout(timer)
      client.off('stanza', onStanza)
      resolve(s)
    }
    client.on('stanza', onStanza)
  })
}

export interface SuiteOptions {
  kind: ServerKind
  host: string
  /** What a second component connecting to D gets from this server. */
  secondComponent: 'conflict' | 'shares'
}

export function componentSuite({ kind, host, secondComponent }: SuiteOptions): void {
  const D = `lattice.${host}`
  const secret = 'component-secret'
  const user = { user: 'alice', host, password: 'alice-pw' }
  const start = (port: number) =>
    startComponent({
      domain: D,
      host: '127.0.0.1',
      port,
      secret,
      version: '0.1.0-test',
      nicks: staticNickDirectory(['bob']),
      // The measurements below pipeline thousands of IQs from one user.
      rate: { perSec: 1e6, burst: 1e6 },
      backoff: { initialMs: 50, maxMs: 500, conflictMs: 300 },
      waitOnlineMs: 10_000,
      log: testLog,
    })

  describe(`component on ${kind}`, function () {
    this.timeout(60_000)
    let server: XmppServer | undefined
    let comp: RunningComponent | undefined
    let alice: Client | undefined
    const login = () =>
      xmppClient({ service: server!.c2sService, domain: host, username: user.user, password: user.password })

    before(async () => {
      server = await startServer(kind, {
        domains: [{ host, components: [{ domain: D, secret }] }],
        users: [user],
      })
      comp = await start(server.componentPort)
      alice = await login()
    })
    after(async () => {
      await alice?.stop().catch(() => {})
      await comp?.stop()
      await server?.stop()
    })

    const me = () => alice!.jid!.toString()

    it('[xmpp] XEP-0030: disco#info at D has both identities, and its features are the dispatch table', async () => {
      const reply = await exchange(
        alice!,
        `<iq type='get' id='info1' to='${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
      )
      assertXml(
        reply,
        `<iq type='result' id='info1' from='${D}' to='${me()}'>
           <query xmlns='http://jabber.org/protocol/disco#info'>
             <identity category='conference' type='text' name='XLattice channels'/>
             <identity category='gateway' type='xlattice' name='XLattice Chat'/>
           </query>
         </iq>`,
      )
      const advertised = reply
        .getChild('query')!
        .getChildren('feature')
        .map((f) => f.attrs.var)
      const table = [
        ...new Set(
          HANDLERS.filter((h) => h.targets.includes('service'))
            .map((h) => featureOf(h))
            .filter((f) => f !== undefined),
        ),
      ].sort()
      assert.deepEqual(advertised, table)
      assert.deepEqual(comp!.status().features, table)
    })

    it('[xmpp] XEP-0030: disco#items at D', async () => {
      const reply = await exchange(
        alice!,
        `<iq type='get' id='items1' to='${D}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
      )
      assertXml(
        reply,
        `<iq type='result' id='items1' from='${D}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
      )
    })

    it('[xmpp] XEP-0199: ping D; XEP-0092: version of D', async () => {
      const pong = await exchange(
        alice!,
        `<iq type='get' id='ping1' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      assertXml(pong, `<iq type='result' id='ping1' from='${D}'/>`)
      assert.equal(pong.children.length, 0)
      const version = await exchange(
        alice!,
        `<iq type='get' id='ver1' to='${D}'><query xmlns='jabber:iq:version'/></iq>`,
      )
      assertXml(
        version,
        `<iq type='result' id='ver1' from='${D}'><query xmlns='jabber:iq:version'><name>XLattice Chat</name><version>0.1.0-test</version></query></iq>`,
      )
    })

    it('[xmpp] XEP-0030: disco#info on nick@D: an account for a known nick, item-not-found for an unknown one', async () => {
      const bob = await exchange(
        alice!,
        `<iq type='get' id='nick1' to='bob@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
      )
      assertXml(
        bob,
        `<iq type='result' id='nick1' from='bob@${D}'><query><identity category='account' type='registered'/></query></iq>`,
      )
      const carol = await exchange(
        alice!,
        `<iq type='get' id='nick2' to='carol@${D}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
      )
      assertXml(
        carol,
        `<iq type='error' id='nick2' from='carol@${D}' to='${me()}'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></iq>`,
      )
    })

    it('[xmpp] RFC 6120 §8.4: an unknown IQ namespace is service-unavailable; a chat message from a user without a nick is registration-required', async () => {
      const reply = await exchange(
        alice!,
        `<iq type='get' id='unk1' to='${D}'><query xmlns='urn:example:nothing'/></iq>`,
      )
      assertXml(
        reply,
        `<iq type='error' id='unk1' from='${D}'><error type='cancel'><service-unavailable xmlns='${STANZAS}'/></error></iq>`,
      )
      const bounced = nextStanza(alice!, (s) => s.is('message') && s.attrs.id === 'msg1')
      await alice!.send(parse(`<message type='chat' id='msg1' to='carol@${D}'><body>hello?</body></message>`))
      assertXml(
        await bounced,
        `<message type='error' id='msg1' from='carol@${D}'><error type='auth'><registration-required xmlns='${STANZAS}'/></error></message>`,
      )
    })

    it('[xmpp] XEP-0199: the component pings its server (the acknowledgement primitive of DESIGN.md)', async () => {
      const pong = await comp!.request(
        xml('iq', { type: 'get', to: host }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      )
      assertXml(pong, `<iq type='result' from='${host}' to='${D}'/>`)
      await assert.rejects(
        comp!.request(xml('iq', { type: 'get', to: host }, xml('nothing', { xmlns: 'urn:example:nothing' }))),
        (err: unknown) => err instanceof StanzaError && err.condition === 'service-unavailable',
      )
    })

    /** Sends n pings at once and resolves when all are answered. */
    const pings = async (prefix: string, n: number): Promise<number> => {
      let answered = 0
      const done = new Promise<void>((resolve) => {
        const onStanza = (s: Element) => {
          if (s.attrs.type === 'result' && String(s.attrs.id).startsWith(prefix) && ++answered === n) {
            alice!.off('stanza', onStanza)
            resolve()
          }
        }
        alice!.on('stanza', onStanza)
      })
      const t0 = performance.now()
      const stanzas = Array.from(
        { length: n },
        (_, i) => `<iq type='get' id='${prefix}${i}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      await alice!.sendMany(stanzas.map(parse))
      await done
      return performance.now() - t0
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]

    it('[xmpp] TCP_NODELAY: a burst of 4 IQs is answered far below the 40 ms delayed ACK', async function () {
      // The component writes the 2nd..4th answers while the 1st is unacknowledged: with Nagle on,
      // each burst waits for the server's delayed ACK (measured: 45 ms median on both servers).
      const bursts: number[] = []
      for (let r = 0; r < 21; r++) bursts.push(await pings(`burst${r}-`, 4))
      const m = median(bursts)
      assert.ok(m < 30, `median burst ${m.toFixed(1)} ms`)
      const rtts: number[] = []
      for (let i = 0; i < 300; i++) rtts.push(await pings(`seq${i}-`, 1))
      const perSec = 3000 / ((await pings('pipe', 3000)) / 1000)
      this.test!.title +=
        ` [burst of 4: ${m.toFixed(1)} ms; one IQ: ${median(rtts).toFixed(2)} ms; ${Math.round(perSec)} IQ/s pipelined]`
    })

    if (secondComponent === 'conflict') {
      it('[xmpp] RFC 6120 §4.9.3.3: a second component for D gets conflict, waits, and takes over when the first leaves', async () => {
        const second = await startComponent({
          domain: D,
          host: '127.0.0.1',
          port: server!.componentPort,
          secret,
          version: 'second',
          backoff: { initialMs: 50, maxMs: 500, conflictMs: 300 },
          log: silent,
        })
        try {
          await waitUntil(() => second.status().state === 'conflict', 5000)
          assert.match(second.status().lastError!.message, /another connection holds component domain/)
          // The first keeps serving.
          assertXml(
            await exchange(
              alice!,
              `<iq type='get' id='c1' to='${D}'><query xmlns='jabber:iq:version'/></iq>`,
            ),
            `<iq type='result'><query><version>0.1.0-test</version></query></iq>`,
          )
          await comp!.stop()
          await second.waitOnline(5000)
          assertXml(
            await exchange(
              alice!,
              `<iq type='get' id='c2' to='${D}'><query xmlns='jabber:iq:version'/></iq>`,
            ),
            `<iq type='result'><query><version>second</version></query></iq>`,
          )
        } finally {
          await second.stop()
        }
        comp = await start(server!.componentPort)
      })
    } else {
      it('[xmpp] a second component for D is accepted beside the first (ejabberd balances the domain); every IQ is answered', async function () {
        const second = await start(server!.componentPort)
        const seen = () => comp!.status().router.received + second.status().router.received
        const [first0, total0] = [comp!.status().router.received, seen()]
        try {
          assert.equal(second.status().connected, true)
          assert.equal(comp!.status().connected, true)
          for (let i = 0; i < 20; i++) {
            assertXml(
              await exchange(
                alice!,
                `<iq type='get' id='b${i}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
              ),
              `<iq type='result'/>`,
            )
          }
          assert.equal(seen() - total0, 20, 'each IQ reached exactly one of the two')
          const split = `${comp!.status().router.received - first0}/${20 - (comp!.status().router.received - first0)}`
          this.test!.title += ` [split ${split}]`
        } finally {
          await second.stop()
        }
        assertXml(
          await exchange(alice!, `<iq type='get' id='b-after' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`),
          `<iq type='result'/>`,
        )
      })
    }

    it('[xmpp] reconnects by itself when the XMPP server restarts', async function () {
      const before = comp!.status().connects
      await alice!.stop()
      const t0 = performance.now()
      await server!.restart()
      await waitUntil(() => comp!.status().connects > before && comp!.status().connected, 15_000)
      const ms = performance.now() - t0
      alice = await login()
      assertXml(
        await exchange(alice, `<iq type='get' id='after' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`),
        `<iq type='result' from='${D}'/>`,
      )
      assert.equal(comp!.status().reconnects, comp!.status().connects - 1)
      this.test!.title += ` [online again ${Math.round(ms)} ms after restart() began]`
    })
  })
}

export async function waitUntil(
  predicate: () => boolean,
  timeoutMs: number,
  what = () => 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
