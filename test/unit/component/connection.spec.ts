// The XEP-0114 connection (component/connection.ts) against the raw server side in
// test/harness/raw-component-server.ts: handshake, from forcing, size limits, reconnection with
// backoff, conflict, and UTF-8 split across TCP reads.
import assert from 'node:assert/strict'
import { Connection, type ConnectionOptions } from '../../../component/connection.js'
import { NotConnectedError, StanzaTooLargeError } from '../../../component/errors.js'
import { type Element, xml } from '../../../component/xml.js'
import { type RawComponentServer, startRawComponentServer } from '../../harness/raw-component-server.js'
import { parse } from './stanza-helpers.js'

const D = 'lattice.example.org'
const SECRET = 's3cret'
const quiet = { info() {}, warn() {}, error() {}, debug() {} } as any

describe('component/connection', () => {
  let server: RawComponentServer
  const conns: Connection[] = []
  const connect = (opts: Partial<ConnectionOptions> = {}) => {
    const c = new Connection({
      domain: D,
      host: '127.0.0.1',
      port: server.port,
      secret: SECRET,
      maxStanzaBytes: 4096,
      backoff: { initialMs: 20, maxMs: 200, conflictMs: 400 },
      timeoutMs: 1000,
      log: quiet,
      ...opts,
    })
    conns.push(c)
    c.start()
    return c
  }

  beforeEach(async () => {
    server = await startRawComponentServer({ domain: D, secret: SECRET })
  })
  afterEach(async () => {
    await Promise.all(conns.splice(0).map((c) => c.stop()))
    await server.close()
  })

  it('[xmpp] XEP-0114 §2: handshakes, delivers stanzas, and sends with from forced under D', async () => {
    const c = connect()
    const got: Element[] = []
    c.on('stanza', (el) => got.push(el))
    const peer = await server.nextPeer()
    await c.waitOnline()
    assert.equal(c.status().state, 'online')

    await peer.write(`<message from='a@b.example/r' to='${D}'><body>hi</body></message>`)
    await peer.until('nothing', () => false, 50).catch(() => {})
    assert.equal(got[0]?.getChildText('body'), 'hi')

    const cases: [string | undefined, string][] = [
      [undefined, D],
      ['alice@' + D + '/r', `alice@${D}/r`],
      ['ALICE@LATTICE.example.ORG', `ALICE@${D}`], // canonical domain: Prosody compares it byte for byte
      ['mallory@evil.example', D],
      ['lattice.example.org.evil.example', D],
      ['not a jid', D],
    ]
    for (const [i, [from, expected]] of cases.entries()) {
      const attrs: Record<string, string> = { to: 'a@b.example', id: `f${i}` }
      if (from !== undefined) attrs.from = from
      await c.send(xml('message', attrs))
      const sent = await peer.next((el) => el.attrs.id === `f${i}`)
      assert.equal(sent.attrs.from, expected, `from ${from}`)
    }
  })

  it('[xmpp] refuses outbound stanzas over maxStanzaBytes, and sends nothing while offline', async () => {
    const c = connect()
    await c.waitOnline()
    await assert.rejects(
      c.send(xml('message', { to: 'a@b' }, xml('body', {}, 'x'.repeat(5000)))),
      StanzaTooLargeError,
    )
    assert.equal(c.status().dropped.outbound, 1)
    await c.stop()
    await assert.rejects(c.send(xml('message', { to: 'a@b' })), NotConnectedError)
  })

  it('[xmpp] keeps a UTF-8 character that is split across TCP reads', async () => {
    const c = connect()
    const got: Element[] = []
    c.on('stanza', (el) => got.push(el))
    const peer = await server.nextPeer()
    await c.waitOnline()
    const bytes = Buffer.from(`<message from='a@b' to='${D}'><body>\u20ac\ud83d\ude00</body></message>`)
    const cut = bytes.indexOf(0xe2) + 1 // inside the euro sign
    await peer.write(bytes.subarray(0, cut))
    await new Promise((r) => setTimeout(r, 20))
    await peer.write(bytes.subarray(cut))
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(got[0]?.getChildText('body'), '\u20ac\ud83d\ude00')
  })

  it('[xmpp] reconnects with backoff while the server refuses connections, and after it drops the stream', async () => {
    const port = server.port
    await server.close()
    const c = connect()
    await new Promise((r) => setTimeout(r, 300))
    const s = c.status()
    assert.equal(s.state === 'backoff' || s.state === 'connecting', true, s.state)
    assert.ok(s.failures >= 3, `${s.failures} failures in 300 ms with 20..200 ms backoff`)
    assert.match(s.lastError!.message, /ECONNREFUSED/)
    server = await startRawComponentServer({ domain: D, secret: SECRET, port })
    await c.waitOnline(2000)
    assert.equal(c.status().connects, 1)

    // The server closes the stream (as Prosody does on shutdown); the component comes back.
    const peer = await server.nextPeer()
    await peer.streamError('system-shutdown')
    const again = await server.nextPeer(2000)
    await c.waitOnline(2000)
    assert.equal(c.status().reconnects, 1)
    assert.equal(c.status().lastError?.condition, 'system-shutdown')
    again.destroy() // a reset without a stream error
    await server.nextPeer(2000)
    await c.waitOnline(2000)
    assert.equal(c.status().reconnects, 2)
  })

  it('[xmpp] a malformed stream is closed with a stream error and the component reconnects', async () => {
    const c = connect()
    const got: Element[] = []
    c.on('stanza', (el) => got.push(el))
    const peer = await server.nextPeer()
    await c.waitOnline()
    await peer.write(`<iq id='x' a='&bogus;'/>`)
    // References: RFC 6120 §4.9.3.1 (bad-format may stand for not-well-formed).
    const error = await peer.next((el) => el.name === 'stream:error')
    assert.equal(error.getChildElements()[0].name, 'bad-format')
    const next = await server.nextPeer(2000)
    await c.waitOnline(2000)
    assert.match(c.status().lastError!.message, /Illegal XML entity/)
    await next.write(`<message from='a@b' to='${D}' id='after'/>`)
    await next.until('the stanza', () => false, 50).catch(() => {})
    assert.deepEqual(
      got.map((el) => el.attrs.id),
      ['after'],
    )
  })

  it('[xmpp] bytes after the server closed its stream do not crash the process', async () => {
    const c = connect()
    const peer = await server.nextPeer()
    await c.waitOnline()
    await peer.write(`</stream:stream><iq id='late'/>trailing garbage`)
    await server.nextPeer(2000)
    await c.waitOnline(2000)
    assert.equal(c.status().reconnects, 1)
  })

  it('[xmpp] RFC 6120 §4.9.3.3: conflict is retried slowly, not fought over, each time more slowly', async () => {
    await server.close()
    const at: number[] = []
    server = await startRawComponentServer({
      domain: D,
      secret: SECRET,
      handshake: (n) => {
        at.push(Date.now())
        return n <= 2 ? 'conflict' : 'accept'
      },
    })
    // No jitter (random 1: the whole step): the waits are 100 ms, then 200 ms (a flat retry
    // period would wait conflictMs, 2 s, each time).
    const backoff = { initialMs: 20, maxMs: 200, conflictFirstMs: 100, conflictMs: 2000 }
    const c = connect({ backoff, random: () => 1 })
    await new Promise((r) => setTimeout(r, 40))
    const s = c.status()
    assert.equal(s.state, 'conflict')
    assert.equal(server.handshakes, 1, 'no fast retries while the domain is taken')
    assert.match(s.lastError!.message, /another connection holds component domain lattice.example.org/)
    await c.waitOnline(5000) // the third handshake is accepted (the other holder went away)
    assert.equal(server.handshakes, 3)
    // Each wait is at least its step (timers never fire early); the upper bounds leave room for
    // a loaded machine and still tell 100/200 ms from 2 s.
    const [first, second] = [at[1] - at[0], at[2] - at[1]]
    assert.ok(first >= 95 && first < 1000, `first wait ${first} ms`)
    assert.ok(second >= 195 && second < 1500, `second wait ${second} ms`)
  })

  it('[xmpp] a wrong secret is logged as such and retried with backoff', async () => {
    const c = connect({ secret: 'wrong' })
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(c.status().connected, false)
    assert.equal(c.status().lastError?.condition, 'not-authorized')
    assert.match(c.status().lastError!.message, /check the component secret/)
    assert.ok(server.handshakes >= 2)
  })

  it('[xmpp] stop() closes the stream cleanly and ends the loop, also while waiting to retry', async () => {
    const c = connect()
    const peer = await server.nextPeer()
    await c.waitOnline()
    const t0 = performance.now()
    const closed = new Promise((r) => peer.once('close', () => r(undefined)))
    await c.stop()
    await closed
    assert.ok(performance.now() - t0 < 200, 'the server answered </stream:stream> at once')
    assert.equal(c.status().state, 'stopped')

    await server.close()
    const d = connect()
    await new Promise((r) => setTimeout(r, 50))
    const t1 = performance.now()
    await d.stop()
    assert.ok(performance.now() - t1 < 100, 'stop() does not wait out the backoff')
  })

  it('[xmpp] counts inbound stanzas dropped whole by the parser', async () => {
    const c = connect()
    const peer = await server.nextPeer()
    await c.waitOnline()
    await peer.write(`<iq id='${'x'.repeat(5000)}'/><iq type='get' id='ok' from='a@b' to='${D}'/>`)
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(c.status().dropped.inbound, 1)
    assert.equal(c.status().stanzasIn, 1)
    assert.ok(parse('<x/>'))
  })
})
