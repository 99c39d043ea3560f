/**
 * The keep-alive table (seed row 0.0.4) with a stub ping and a manual clock: RTT and
 * last-seen, dead after N misses, redial with backoff, immediate retry on reconnect.
 */
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { Neighbours } from '../../../../gateway/node/neighbours.js'
import type { VerifiedNeighbour } from '../../../../gateway/registry/client.js'

const T = 1000

function neighbour(i: number, addrs = [`/ip4/127.0.0.1/tcp/${4000 + i}`]): VerifiedNeighbour {
  const nodeId = new Uint8Array(32).fill(i)
  return {
    nodeId,
    sigPublicKey: new Uint8Array(32),
    commsPublicKey: new Uint8Array(32),
    peerId: `peer-${i}`,
    addrs,
    peerRecord: new Uint8Array(),
    lastSeen: 0,
  }
}
const hex = (i: number) => Buffer.alloc(32, i).toString('hex')

function table(opts: { down?: Set<string>; rtt?: number } = {}) {
  let now = 1_000_000
  const down = opts.down ?? new Set<string>()
  const pings: string[] = []
  const addrs = new Map<string, string[]>()
  const n = new Neighbours(
    {
      ping: async (peer) => {
        pings.push(peer)
        if (down.has(peer)) throw new Error('connection refused')
        return opts.rtt ?? 0.4
      },
      setAddrs: async (peer, a) => {
        addrs.set(peer, a)
      },
      log: pino({ level: 'silent' }),
      now: () => now,
      random: () => 0.5,
    },
    { pingIntervalMs: T, deadAfterMisses: 3, reconnectMaxMs: 8 * T },
  )
  const settle = () => new Promise((r) => setImmediate(r))
  return {
    n,
    down,
    pings,
    addrs,
    async tick(ms = T) {
      now += ms
      n.tick()
      await settle()
      await settle()
    },
    entry: (i: number) => n.status().find((s) => s.nodeId === hex(i))!,
  }
}

describe('gateway/node Neighbours', () => {
  it('pings new neighbours before they appear: alive with RTT and last-seen, nearest first', async () => {
    const t = table()
    await t.n.update([neighbour(2), neighbour(1)])
    assert.deepEqual(
      t.n.status().map((s) => [s.nodeId, s.alive, s.rttMs, s.missed]),
      [
        [hex(2), true, 0.4, 0],
        [hex(1), true, 0.4, 0],
      ],
    )
    assert.ok(t.entry(1).lastSeen !== null)
    assert.deepEqual(t.addrs.get('peer-1'), ['/ip4/127.0.0.1/tcp/4001'])
  })

  it('is dead after N missed pings (within N x T), then redials with growing, capped backoff', async () => {
    const t = table()
    await t.n.update([neighbour(1)])
    t.down.add('peer-1')
    await t.tick()
    await t.tick()
    assert.equal(t.entry(1).alive, true, 'two misses: still alive')
    assert.equal(t.entry(1).missed, 2)
    await t.tick()
    assert.equal(t.entry(1).alive, false, 'third miss: dead')
    // While dead it is no longer pinged every T: attempts spread out (T, 2T, 4T, 8T, 8T with jitter 0.5).
    const attemptsAt: number[] = []
    for (let i = 1; i <= 40; i++) {
      const before = t.pings.length
      await t.tick()
      if (t.pings.length > before) attemptsAt.push(i)
    }
    const gaps = attemptsAt.slice(1).map((a, i) => a - attemptsAt[i])
    assert.ok(gaps.length >= 3, `redialled several times: ${attemptsAt}`)
    assert.ok(
      gaps.every((g, i) => i === 0 || g >= gaps[i - 1]),
      `gaps grow: ${gaps}`,
    )
    assert.ok(Math.max(...gaps) <= 8, `gaps are capped by reconnectMax: ${gaps}`)
  })

  it('a dead neighbour is retried at once when it connects to us or its addresses change', async () => {
    const t = table()
    await t.n.update([neighbour(1)])
    t.down.add('peer-1')
    for (let i = 0; i < 3; i++) await t.tick()
    assert.equal(t.entry(1).alive, false)
    t.down.delete('peer-1')
    t.n.peerConnected('peer-1')
    await new Promise((r) => setImmediate(r))
    assert.equal(t.entry(1).alive, true)
    assert.equal(t.entry(1).missed, 0)

    t.down.add('peer-1')
    for (let i = 0; i < 3; i++) await t.tick()
    assert.equal(t.entry(1).alive, false)
    t.down.delete('peer-1')
    await t.n.update([neighbour(1, ['/ip4/127.0.0.1/tcp/5999'])])
    await t.tick(1) // well before its backoff is due
    assert.equal(t.entry(1).alive, true, 'new addresses: tried without waiting for the backoff')
    assert.deepEqual(t.addrs.get('peer-1'), ['/ip4/127.0.0.1/tcp/5999'])
  })

  it('losing every connection to a neighbour pings it at once: a crash is counted without waiting for T', async () => {
    const t = table()
    await t.n.update([neighbour(1)])
    t.down.add('peer-1')
    t.n.peerDisconnected('peer-1')
    await new Promise((r) => setImmediate(r))
    assert.equal(t.entry(1).missed, 1)
    await t.tick()
    await t.tick()
    assert.equal(t.entry(1).alive, false, 'dead two rounds after the crash, not three')
  })

  it('a refreshed list keeps known neighbours and drops those no longer named', async () => {
    const t = table()
    await t.n.update([neighbour(1), neighbour(2)])
    t.down.add('peer-2')
    await t.tick()
    assert.equal(t.entry(2).missed, 1)
    await t.n.update([neighbour(2), neighbour(3)])
    assert.deepEqual(
      t.n.status().map((s) => s.nodeId),
      [hex(2), hex(3)],
    )
    assert.equal(t.entry(2).missed, 1, 'state survives the refresh')
    assert.equal(t.n.byNodeId(hex(1)), undefined)
    assert.deepEqual(t.n.peerIds(), ['peer-2', 'peer-3'])
  })

  it('a neighbour whose ping fails once on a dying connection is retried before a miss counts', async () => {
    let calls = 0
    const n = new Neighbours(
      {
        ping: async () => {
          if (++calls === 1) throw new Error('Cannot write to a stream that is closed')
          return 2
        },
        setAddrs: async () => {},
        log: pino({ level: 'silent' }),
      },
      { pingIntervalMs: T, deadAfterMisses: 3, reconnectMaxMs: 8 * T },
    )
    await n.update([neighbour(1)])
    assert.deepEqual(
      n.status().map((s) => [s.alive, s.missed, s.rttMs]),
      [[true, 0, 2]],
    )
  })
})
