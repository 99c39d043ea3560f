// Delivery's acknowledgement by IQ ping (component/delivery.ts) over a connection and a server
// in memory: what a ping covers, one unanswered ping per domain, and what does not count.
import assert from 'node:assert/strict'
import type { Connection } from '../../../component/connection.js'
import { Delivery } from '../../../component/delivery.js'
import { StanzaError } from '../../../component/errors.js'
import { type Element, xml } from '../../../component/xml.js'

/** A connection whose server answers pings when the test says so; it records the stream. */
function harness() {
  const stream: string[] = []
  const pending: { to: string; answer(err?: Error): void }[] = []
  const connection = {
    online: true,
    epoch: 1,
    waitOnline: async () => {},
    send: async (el: Element) => {
      stream.push(`${el.name}:${el.attrs.id ?? ''}`)
    },
  }
  const delivery = new Delivery({
    connection: connection as unknown as Connection,
    request: (iq) => {
      stream.push(`ping:${iq.attrs.to}`)
      return new Promise<Element>((resolve, reject) =>
        pending.push({ to: iq.attrs.to, answer: (err) => (err ? reject(err) : resolve(iq)) }),
      )
    },
  })
  const msg = (id: string, to = 'bob@b.example') => xml('message', { to, id }, xml('body', {}, id))
  return { stream, pending, connection, delivery, msg }
}

const turn = () => new Promise((r) => setImmediate(r))
const settle = async () => {
  for (let i = 0; i < 5; i++) await turn()
}

describe('component/delivery', () => {
  it('[0.1.4] a lone stanza is pinged at once; resolved only by the answer to a ping sent after it', async () => {
    const { stream, pending, delivery, msg } = harness()
    let done = false
    const p = delivery.deliver(msg('m1')).then(() => {
      done = true
    })
    await settle()
    assert.deepEqual(stream, ['message:m1', 'ping:b.example'])
    assert.equal(done, false)
    pending.shift()!.answer()
    await p
    assert.equal(delivery.delivered, 1)
    // An error reply is the server's answer too (a server without XEP-0199).
    const q = delivery.deliver(msg('m2'))
    await settle()
    pending.shift()!.answer(new StanzaError('service-unavailable'))
    await q
    assert.equal(delivery.pings, 2)
  })

  it('[0.1.4] one unanswered ping per domain: stanzas written meanwhile share the next one', async () => {
    const { stream, pending, delivery, msg } = harness()
    const first = delivery.deliver(msg('a1'))
    await settle()
    const resolved: string[] = []
    const later = ['a2', 'a3', 'a4'].map((id) => delivery.deliver(msg(id)).then(() => resolved.push(id)))
    // Another domain has its own lane.
    const other = delivery.deliver(msg('c1', 'carol@c.example')).then(() => resolved.push('c1'))
    await settle()
    assert.deepEqual(stream, [
      'message:a1',
      'ping:b.example',
      'message:a2',
      'message:a3',
      'message:a4',
      'message:c1',
      'ping:c.example',
    ])
    assert.equal(pending.length, 2)
    pending.pop()!.answer() // c.example
    await other
    assert.deepEqual(resolved, ['c1'])
    pending.shift()!.answer() // the first b.example ping: a1 only
    await first
    await settle()
    assert.deepEqual(resolved, ['c1'], 'a2-a4 wait for a ping sent after them')
    assert.deepEqual(stream.slice(-1), ['ping:b.example'])
    pending.shift()!.answer()
    await Promise.all(later)
    assert.deepEqual(resolved.sort(), ['a2', 'a3', 'a4', 'c1'])
    assert.equal(delivery.pings, 3)
    assert.equal(delivery.delivered, 5)
  })

  it('[0.1.4] a ping that times out, or a connection replaced before the answer, acknowledges nothing', async () => {
    const { pending, connection, delivery, msg } = harness()
    const lost = delivery.deliver(msg('t1'))
    await settle()
    const queued = delivery.deliver(msg('t2'))
    await settle()
    pending.shift()!.answer(new Error('ping timed out'))
    await assert.rejects(lost, /timed out/)
    await settle()
    // t2's ping is out; the connection is replaced before its answer arrives.
    connection.epoch = 2
    pending.shift()!.answer()
    await assert.rejects(queued, /replaced/)
    assert.equal(delivery.delivered, 0)
  })
})
