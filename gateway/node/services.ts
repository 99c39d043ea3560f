/**
 * Wires the node's peer-to-peer services onto its libp2p host and store: the keep-alive
 * table, the NodeID directory, messaging and the idle-connection trimmer. Each gets only the
 * narrow components it asks for; the defaults of their settings live here.
 */
import { KEEP_ALIVE } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { x25519FromPrivate } from '../../lib/crypto.js'
import type { Identity } from '../../lib/identity.js'
import { identitySigner } from '../../lib/identity.js'
import { logger } from '../../lib/log.js'
import type { Store } from '../../lib/store/index.js'
import type { SelfIdentity } from '../messaging/hello.js'
import { XMPP_KIND } from '../messaging/constants.js'
import { plaintextSigned, sealedToNode, sealers } from '../messaging/sealer.js'
import { DhKey } from '../session/index.js'
import { type Messaging, messaging } from '../messaging/service.js'
import type { Host } from '../p2p/host.js'
import { Directory } from './directory.js'
import { type Neighbours, neighbours } from './neighbours.js'
import { ConnectionTrimmer } from './trimmer.js'

/** The tag kad-dht puts on its closest peers so libp2p keeps them connected (see trimmer.ts). */
const KAD_KEEP_ALIVE = `${KEEP_ALIVE}-kad-dht`

export interface ServiceSettings {
  pingIntervalSec?: number
  deadAfterMisses?: number
  reconnectMaxSec?: number
  idleConnectionSec?: number
  messaging?: { retryMaxSec?: number; maxQueued?: number; plaintext?: boolean; maxKept?: number }
}

export interface NodeServices {
  neighbours: Neighbours
  directory: Directory
  messaging: Messaging
  trimmer: ConnectionTrimmer
}

export function nodeServices(
  c: {
    host: Host
    store: Store
    identity: Identity
    issuers: Uint8Array[]
    registryPeer: string
    self(): SelfIdentity | undefined
  },
  s: ServiceSettings,
): NodeServices {
  const { host } = c
  const log = logger('gateway:node')
  const table = neighbours({
    pingIntervalMs: (s.pingIntervalSec ?? 10) * 1000,
    deadAfterMisses: s.deadAfterMisses ?? 3,
    reconnectMaxMs: (s.reconnectMaxSec ?? 60) * 1000,
  })({
    ping: (peer, signal) => host.services.ping.ping(peerIdFromString(peer), { signal }),
    setAddrs: async (peer, addrs) => {
      await host.peerStore.patch(peerIdFromString(peer), { multiaddrs: addrs.map((a) => multiaddr(a)) })
    },
    log: logger('gateway:node:neighbours'),
  })
  const directory = new Directory({ host, issuers: c.issuers, neighbours: table, log })
  const msg = messaging({
    retryMaxMs: (s.messaging?.retryMaxSec ?? 30) * 1000,
    maxQueued: s.messaging?.maxQueued ?? 100_000,
    plaintextByDefault: s.messaging?.plaintext ?? false,
    maxKept: s.messaging?.maxKept,
    // The XMPP component's stanzas between home nodes: kept until it has delivered them.
    keep: [XMPP_KIND],
  })({
    host,
    store: c.store.sublevel('msg'),
    self: c.self,
    issuers: c.issuers,
    sealers: sealers(
      plaintextSigned(identitySigner(c.identity)),
      sealedToNode(c.self, x25519FromPrivate(c.identity.commsPrivateKey)),
    ),
    session: { staticKey: DhKey.fromPrivate(c.identity.commsPrivateKey) },
    connect: (nodeId, protocol, o) => directory.connect(nodeId, protocol, o),
    recipient: (nodeId) => directory.recipient(nodeId, AbortSignal.timeout(10_000)),
    learned: (peer) => directory.learn(peer),
    log: logger('gateway:messaging'),
  })
  const trimmer = new ConnectionTrimmer(
    {
      connections: () => host.getConnections(),
      protectedPeers: () => new Set([c.registryPeer, ...table.peerIds()]),
      untag: async (peer) => {
        await host.peerStore.merge(peerIdFromString(peer), { tags: { [KAD_KEEP_ALIVE]: undefined } })
      },
      log,
    },
    (s.idleConnectionSec ?? 60) * 1000,
  )
  host.addEventListener('peer:connect', (evt) => table.peerConnected(evt.detail.toString()))
  host.addEventListener('peer:disconnect', (evt) => table.peerDisconnected(evt.detail.toString()))
  return { neighbours: table, directory, messaging: msg, trimmer }
}
