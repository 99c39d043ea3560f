// 10,000 hostile stanzas through the raw XEP-0114 peer (what no server would forward: bad from,
// missing ids, foreign to) and 5,000 through Prosody (what any client can send), a flood of IQs,
// and stream-level garbage: every stanza that deserves an answer gets the right error, nothing
// else is answered, and afterwards the component still answers a ping with bounded memory.
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import type { Client } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import { type RunningComponent, startComponent } from '../../component/index.js'
import { startServer, type XmppServer, xmppClient } from '../harness/index.js'
import {
  type RawComponentServer,
  type RawPeer,
  startRawComponentServer,
} from '../harness/raw-component-server.js'
import { parse } from '../unit/component/stanza-helpers.js'
import { check, type HostileStanza, hostileStanzas, tagSoup } from './component-hostile-cases.js'
import { exchange, STANZAS, waitUntil } from './component-suite.js'

const MAX = 16 * 1024
/** Smaller through Prosody: it parses every oversize body before we can refuse it (~3 MB/s here). */
const MAX_VIA_SERVER = 4 * 1024
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet } as any

// Heap after a full collection: what the component keeps, not what is merely not yet collected.
v8.setFlagsFromString('--expose-gc')
const gc: () => void = vm.runInNewContext('gc')
const heapMb = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}
const rssMb = () => process.memoryUsage().rss / 2 ** 20

describe('component under hostile input', function () {
  this.timeout(120_000)

  describe('through a raw XEP-0114 peer', () => {
    const D = 'lattice.example.org'
    let server: RawComponentServer
    let comp: RunningComponent
    let peer: RawPeer

    before(async () => {
      server = await startRawComponentServer({ domain: D, secret: 's' })
      comp = await startComponent({
        domain: D,
        host: '127.0.0.1',
        port: server.port,
        secret: 's',
        version: 'hostile',
        maxStanzaBytes: MAX,
        rate: { perSec: 100, burst: 200 },
        backoff: { initialMs: 10, maxMs: 30 },
        waitOnlineMs: 5000,
        log: quiet,
      })
      peer = await server.nextPeer()
    })
    after(async () => {
      await comp.stop()
      await server.close()
    })

    const ping = async (p: RawPeer, id: string) => {
      await p.write(
        `<iq type='get' id='${id}' from='ok@good.example/r' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      return p.next((el) => el.attrs.id === id, 3000)
    }

    it('[xmpp] 10,000 hostile stanzas: each deserving one gets its error, the rest none, one stream throughout', async function () {
      const heap0 = heapMb()
      let cases: HostileStanza[] | undefined = hostileStanzas(10_000, {
        mode: 'raw',
        domain: D,
        maxStanzaBytes: MAX,
        senders: 200,
      })
      let replies: Map<string, Element[]> | undefined = new Map()
      // Presence answers go to bare JIDs (one key for all); replies are counted one by one.
      let count = 0
      const onElement = (el: Element) => {
        count++
        const key = String(el.attrs.to).split('/')[1]
        replies!.set(key, [...(replies!.get(key) ?? []), el])
      }
      peer.on('element', onElement)
      const expected = cases.filter((c) => c.expect.reply !== 'none').length
      const t0 = performance.now()
      for (let i = 0; i < cases.length; i += 500)
        await peer.write(
          cases
            .slice(i, i + 500)
            .map((c) => c.xml)
            .join(''),
        )
      await peer.until('every reply', () => count >= expected, 30_000)
      const ms = performance.now() - t0
      await new Promise((r) => setTimeout(r, 200)) // anything extra would arrive now
      assert.deepEqual(check(cases, replies).slice(0, 10), [])
      assert.equal([...replies.values()].flat().length, expected)
      assert.equal(comp.status().connects, 1, 'no stanza-level input closed the stream')
      assert.equal((await ping(peer, 'after-10k')).attrs.type, 'result')
      // What the test itself holds goes; what the component still holds stays.
      peer.off('element', onElement)
      peer.received.length = 0
      cases = replies = undefined
      const kept = heapMb() - heap0
      assert.ok(kept < 8, `the component kept ${kept.toFixed(1)} MB`)
      this.test!.title +=
        ` [${Math.round(10_000 / (ms / 1000))} stanzas/s, ${expected} answers, heap kept ${kept.toFixed(1)} MB, RSS ${rssMb().toFixed(0)} MB]`
    })

    it('[xmpp] an IQ flood from one sender: every IQ answered, past the burst with resource-constraint', async () => {
      const n = 2000
      const ids = Array.from({ length: n }, (_, i) => `flood${i}`)
      await peer.write(
        ids
          .map(
            (id) =>
              `<iq type='get' id='${id}' from='flood@evil.example/x' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          )
          .join(''),
      )
      await peer.until(
        'every flood reply',
        () => peer.received.filter((el) => String(el.attrs.id).startsWith('flood')).length >= n,
        10_000,
      )
      const answers = peer.received.filter((el) => String(el.attrs.id).startsWith('flood'))
      assert.equal(new Set(answers.map((a) => a.attrs.id)).size, n, 'one answer per IQ')
      const limited = answers.filter((a) => a.getChild('error')?.getChild('resource-constraint', STANZAS))
      const ok = answers.filter((a) => a.attrs.type === 'result')
      assert.equal(limited.length + ok.length, n)
      assert.ok(ok.length >= 200 && ok.length < 400, `${ok.length} within the burst of 200 (+100/s)`)
      // Others are not affected by one sender's flood.
      assert.equal((await ping(peer, 'after-flood')).attrs.type, 'result')
    })

    it('[xmpp] stream-level garbage (RFC 6120 §4.9.3): a stream error, a reconnect, and service again', async () => {
      const fatal = [
        `<iq id='x' a='&bogus;'/>`,
        `<message><body>&#0;</body></message>`,
        `<iq><a></b></iq>`,
        `not xml at all`,
        `<!-- a comment -->`,
        `<!DOCTYPE x [<!ENTITY lol "lol">]>`,
        `<iq><?php echo 1 ?></iq>`,
        `</stream:stream><iq/>`,
        `<iq/ id='1'><q/></iq>`,
      ]
      // Tag soup made of complete tokens: it may be fatal or (rarely) harmless, never a hang.
      const soup = Array.from({ length: 30 }, (_, i) => tagSoup(i))
      let p = peer
      let reconnects = 0
      for (const [i, g] of [...fatal, ...soup].entries()) {
        const before = comp.status().connects
        const id = `after-garbage-${i}`
        await p.write(
          `${g}<iq type='get' id='${id}' from='ok@good.example/r' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
        )
        await p.until(
          'an answer or a closed stream',
          () => p.closed || p.received.some((el) => el.attrs.id === id),
          3000,
        )
        if (!p.closed) {
          assert.ok(i >= fatal.length, `garbage ${i} was not fatal: ${g}`)
          continue
        }
        reconnects++
        p = await server.nextPeer(3000)
        await comp.waitOnline(3000)
        assert.equal(comp.status().connects, before + 1)
        assert.equal((await ping(p, id)).attrs.type, 'result')
      }
      assert.ok(reconnects >= fatal.length + 20, `${reconnects} streams ended`)
      peer = p
    })
  })

  describe('through Prosody', () => {
    const host = 'a.localhost'
    const D = `lattice.${host}`
    const TIGHT = `tight.${host}`
    let server: XmppServer
    let comp: RunningComponent
    let tight: RunningComponent
    let alice: Client

    before(async () => {
      server = await startServer('prosody', {
        domains: [
          {
            host,
            components: [
              { domain: D, secret: 's' },
              { domain: TIGHT, secret: 's' },
            ],
          },
        ],
        users: [{ user: 'alice', host, password: 'pw' }],
      })
      const common = {
        host: '127.0.0.1',
        port: server.componentPort,
        secret: 's',
        version: 'hostile',
        maxStanzaBytes: MAX_VIA_SERVER,
        waitOnlineMs: 5000,
        log: quiet,
      }
      comp = await startComponent({ ...common, domain: D, rate: { perSec: 1e6, burst: 1e6 } })
      tight = await startComponent({ ...common, domain: TIGHT, rate: { perSec: 100, burst: 200 } })
      alice = await xmppClient({
        service: server.c2sService,
        domain: host,
        username: 'alice',
        password: 'pw',
      })
    })
    after(async () => {
      await alice?.stop().catch(() => {})
      await comp?.stop()
      await tight?.stop()
      await server?.stop()
    })

    it('[xmpp] 5,000 hostile stanzas from a client: each deserving one gets its error, the stream never drops', async function () {
      const heap0 = heapMb()
      let cases: HostileStanza[] | undefined = hostileStanzas(5000, {
        mode: 'server',
        domain: D,
        maxStanzaBytes: MAX_VIA_SERVER,
        seed: 2,
      })
      let replies: Map<string, Element[]> | undefined = new Map()
      const onStanza = (el: Element) => {
        const key = String(el.attrs.id)
        if (key.startsWith('k')) replies!.set(key, [...(replies!.get(key) ?? []), el])
      }
      alice.on('stanza', onStanza)
      const expected = cases.filter((c) => c.expect.reply !== 'none').length
      const t0 = performance.now()
      for (let i = 0; i < cases.length; i += 500)
        await alice.sendMany(cases.slice(i, i + 500).map((c) => parse(c.xml)))
      await waitUntil(
        () => replies!.size >= expected,
        60_000,
        () => `${replies!.size} of ${expected} replies`,
      )
      const ms = performance.now() - t0
      await new Promise((r) => setTimeout(r, 300))
      alice.off('stanza', onStanza)
      assert.deepEqual(check(cases, replies).slice(0, 10), [])
      assert.equal(comp.status().connects, 1, 'nothing a client sends can close the component stream')
      const after = await exchange(
        alice,
        `<iq type='get' id='after' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
      )
      assert.equal(after.attrs.type, 'result')
      cases = replies = undefined
      const kept = heapMb() - heap0
      assert.ok(kept < 8, `kept ${kept.toFixed(1)} MB`)
      this.test!.title += ` [${Math.round(5000 / (ms / 1000))} stanzas/s, heap kept ${kept.toFixed(1)} MB]`
    })

    it('[xmpp] an IQ flood through Prosody is answered in full, past the burst with resource-constraint', async () => {
      const n = 1000
      const answers: Element[] = []
      const onStanza = (el: Element) => {
        if (String(el.attrs.id).startsWith('fl')) answers.push(el)
      }
      alice.on('stanza', onStanza)
      await alice.sendMany(
        Array.from({ length: n }, (_, i) =>
          parse(`<iq type='get' id='fl${i}' to='${TIGHT}'><ping xmlns='urn:xmpp:ping'/></iq>`),
        ),
      )
      await waitUntil(
        () => answers.length >= n,
        20_000,
        () => `${answers.length} of ${n}`,
      )
      alice.off('stanza', onStanza)
      const limited = answers.filter((a) =>
        a.getChild('error')?.getChild('resource-constraint', STANZAS),
      ).length
      assert.ok(limited > 0 && limited < n - 199, `${limited} limited`)
      assert.equal(answers.length - limited, answers.filter((a) => a.attrs.type === 'result').length)
      assert.equal(tight.status().connects, 1)
    })
  })
})
