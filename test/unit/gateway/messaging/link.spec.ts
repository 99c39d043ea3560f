/**
 * The sender's link over a stand-in channel (no network): with few messages unacked each goes
 * out as soon as it is queued; under load, what is queued within one turn of the event loop
 * goes out in one write (one packed frame), not one write per message.
 */
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import type { Channel } from '../../../../gateway/messaging/channel.js'
import { Link } from '../../../../gateway/messaging/link.js'
import { Frame, Mode } from '../../../../gateway/messaging/messaging.pb.js'
import { Outbox } from '../../../../gateway/messaging/outbox.js'
import { logger } from '../../../../lib/log.js'
import { GroupCommit, MemoryStore } from '../../../../lib/store/index.js'

const TO = 'c'.repeat(64)
const turn = () => new Promise((resolve) => setImmediate(resolve))

async function setup() {
  const store = new MemoryStore(new Map())
  const outbox = await Outbox.open(store, new GroupCommit(store))
  const writes: number[] = []
  const acks: ((r: IteratorResult<Uint8Array>) => void)[] = []
  const channel: Channel = {
    peer: {
      nodeId: TO,
      nodeIdBytes: new Uint8Array(32),
      sigPublicKey: new Uint8Array(32),
      commsPublicKey: new Uint8Array(32),
      peerId: 'p',
    },
    encrypted: true,
    write: async (frames) => {
      writes.push(frames.length)
    },
    frame: async () => {},
    idle: async () => {},
    frames: { next: () => new Promise((resolve) => acks.push(resolve)) },
  }
  const stream = {
    close: async () => {},
    abort: () => {
      for (const r of acks) r({ done: true, value: undefined })
    },
  }
  const link = new Link(TO, {
    outbox,
    connect: async () => ({
      stream: stream as unknown as Stream,
      remoteKey: new Uint8Array(32),
      remotePeer: 'p',
    }),
    open: async () => channel,
    retryMaxMs: 1000,
    log: logger('test'),
    acked: () => {},
    refused: () => {},
    learned: () => {},
  })
  let seq = 0n
  /** Queues one message the way MessagingService.send does: enqueue, kick, kick once durable. */
  const send = () => {
    const durable = outbox.enqueue(TO, ++seq, new Uint8Array(1000), 0, Mode.SEALED)
    link.kick()
    return durable.then(() => link.kick())
  }
  const ack = (upTo: bigint) => acks.shift()?.({ done: false, value: Frame.encode({ ack: { seq: upTo } }) })
  return { link, outbox, writes, send, ack }
}

describe('gateway/messaging link', () => {
  it('[0.0.5] with few unacked a message is written at once; under load one write per turn carries all queued in it', async () => {
    const { link, outbox, writes, send, ack } = await setup()
    try {
      await send() // the first waits for its batch (no reservation yet), then opens the link
      for (let i = 0; i < 20 && link.state !== 'open'; i++) await turn()
      assert.equal(link.state, 'open')
      assert.deepEqual(writes, [1])

      // Latency case: one unacked, so the next goes out without waiting for a turn.
      ack(1n)
      await turn()
      void send()
      for (let i = 0; i < 5; i++) await Promise.resolve()
      assert.deepEqual(writes, [1, 1], 'written within the same turn')

      // Load: 40 more queued one microtask apart (as concurrent senders' chains do), 41 unacked.
      for (let i = 0; i < 40; i++) {
        await Promise.resolve()
        void send()
      }
      await turn()
      await turn()
      assert.equal(outbox.lastSeq(TO) - outbox.acked(TO), 41n)
      assert.deepEqual(
        writes.slice(2),
        [1, 1, 1, 1, 1, 1, 1, 33],
        'one at a time up to 8 unacked, then one write for the rest of the turn, not one per message',
      )
    } finally {
      link.stop()
    }
  })
})
