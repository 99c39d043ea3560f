/**
 * The libp2p host every process runs (registry and node): TCP, Noise, Yamux, identify, ping
 * and kad-dht on `/xlattice/kad/1.0.0` in server mode. Connection limits keep a misbehaving
 * peer from exhausting file descriptors.
 *
 * The DHT carries `/xlattice/node/<NodeID hex>` records (certificate + signed peer record,
 * see gateway/node/records.ts), so a node can be found by NodeID when it is nobody's
 * neighbour. The registry runs the same DHT: every node keeps a connection to it, so it is
 * the bootstrap peer everybody's routing table starts from.
 */
import '../../lib/polyfill.js'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type Identify, identify } from '@libp2p/identify'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { nodeRecordSelector, nodeRecordValidator, XLATTICE_NAMESPACE } from '../node/records.js'
import { sodiumNoiseCrypto } from './noise-crypto.js'
import { noiseOneWrite } from './noise-writes.js'
import './prefix-decoder.js'
import './yamux-window.js'

export const DHT_PROTOCOL = '/xlattice/kad/1.0.0'

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
  /**
   * Run kad-dht (default true). Short-lived tools and test clients that only dial one
   * protocol turn it off so they never join the routing tables of the peers they probe.
   */
  dht?: boolean
  /**
   * Issuer keys whose NodeID certificates the DHT accepts in `/xlattice/node/` records.
   * Default: this host's own key, which is right for the registry (it issues them); a node
   * passes the registry's key from its `--registry` peer ID.
   */
  certificateIssuers?: Uint8Array[]
}

export type HostServices = {
  identify: Identify
  ping: Ping
  dht?: KadDHT
}

export type Host = Libp2p<HostServices>

export async function createHost(opts: HostOptions): Promise<Host> {
  const issuers = opts.certificateIssuers ?? [opts.privateKey.publicKey.raw]
  const services: Record<string, (components: any) => unknown> = {
    identify: identify(),
    // kad-dht pings through the same service as the keep-alives do; libp2p's default of one
    // outbound ping stream per connection makes the two refuse each other.
    ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 4 }),
  }
  if (opts.dht !== false) {
    services.dht = kadDHT({
      protocol: DHT_PROTOCOL,
      // Every node is dialable on the addresses it announces (a lattice may be on loopback or
      // a LAN), so serve from the start instead of waiting to look public.
      clientMode: false,
      // kad-dht drops private and loopback addresses by default; a one-machine lattice has
      // nothing else.
      peerInfoMapper: passthroughMapper,
      validators: { [XLATTICE_NAMESPACE]: nodeRecordValidator(issuers) },
      selectors: { [XLATTICE_NAMESPACE]: nodeRecordSelector },
      maxInboundStreams: 16,
    })
  }
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp()],
    connectionEncrypters: [noiseOneWrite({ crypto: sodiumNoiseCrypto })],
    // Yamux grows a stream's receive window up to 16 MiB, past the 4 MiB a paused stream may
    // buffer before libp2p resets it; at 2 MiB, pausing a stream (flow control against a fast
    // sender) holds the sender back instead of resetting it. Ample for loopback and LAN RTTs.
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 2 * 1024 * 1024 } })],
    connectionManager: {
      maxConnections: opts.maxConnections ?? 300,
      maxIncomingPendingConnections: 64,
      inboundConnectionThreshold: opts.inboundConnectionThreshold ?? 50,
    },
    services,
  }) as unknown as Host
}
