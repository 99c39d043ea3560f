/**
 * The libp2p host every process runs (registry and node): TCP, Noise, Yamux, identify, ping.
 * kad-dht joins in the networking layer. Connection limits keep a misbehaving peer from
 * exhausting file descriptors.
 */
import '../../lib/polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import type { Identify } from '@libp2p/identify'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

export interface HostOptions {
  privateKey: Ed25519PrivateKey
  listen: string[]
  maxConnections?: number
  /**
   * New inbound connections accepted per second from one IP address. libp2p's default of 5
   * refuses a registry's clients behind one NAT, and every process of a one-machine lattice
   * (they all dial from 127.0.0.1); 50 still stops a single host from flooding handshakes.
   */
  inboundConnectionThreshold?: number
}

export type Host = Libp2p<{ identify: Identify; ping: Ping }>

export async function createHost(opts: HostOptions): Promise<Host> {
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: opts.maxConnections ?? 300,
      maxIncomingPendingConnections: 64,
      inboundConnectionThreshold: opts.inboundConnectionThreshold ?? 50,
    },
    services: {
      identify: identify(),
      ping: ping(),
    },
  }) as unknown as Host
}
