import assert from 'node:assert/strict'
import type { Connection } from '@libp2p/interface'
import { pino } from 'pino'
import { ConnectionTrimmer } from '../../../../gateway/node/trimmer.js'

function conn(id: string, peer: string, direction: 'inbound' | 'outbound', openedAt: number) {
  const c = {
    id,
    remotePeer: { toString: () => peer },
    direction,
    status: 'open',
    streams: [] as unknown[],
    timeline: { open: openedAt },
    closed: false,
    close: async () => {
      c.closed = true
      c.status = 'closed'
    },
    abort: () => {},
  }
  return c
}

describe('gateway/node ConnectionTrimmer', () => {
  it('closes idle outbound connections, untagged first; keeps inbound, busy and protected ones', async () => {
    const conns = [
      conn('1', 'dht-peer', 'outbound', 0),
      conn('2', 'neighbour', 'outbound', 0),
      conn('3', 'registry', 'outbound', 0),
      conn('4', 'dialled-us', 'inbound', 0),
      conn('5', 'busy', 'outbound', 0),
      conn('6', 'young', 'outbound', 9_500),
    ]
    conns[4].streams.push({})
    const untagged: string[] = []
    const trimmer = new ConnectionTrimmer(
      {
        connections: () => conns as unknown as Connection[],
        protectedPeers: () => new Set(['neighbour', 'registry']),
        untag: async (p) => {
          untagged.push(p)
        },
        log: pino({ level: 'silent' }),
      },
      1000,
    )
    assert.equal(trimmer.sweep(10_000), 1)
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(untagged, ['dht-peer'])
    assert.deepEqual(
      conns.filter((c) => c.closed).map((c) => c.remotePeer.toString()),
      ['dht-peer'],
    )
    // The busy one goes quiet: it is closed only a full idle period after it was last seen busy.
    conns[4].streams.length = 0
    assert.equal(trimmer.sweep(10_500), 1, 'only the young one, now idle for a second')
    await new Promise((r) => setImmediate(r))
    assert.equal(trimmer.sweep(11_000), 1, 'the formerly busy one')
  })
})
