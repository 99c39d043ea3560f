/**
 * How the driver reaches its peers. The Transport interface is what the driver uses (unit tests
 * pass an in-memory hub); Libp2pTransport implements it over /xlattice/bft/1.0.0 with one
 * long-lived outbound stream per peer (opening a stream per vote costs more than the vote),
 * re-dialled with backoff, and an inbound handler for anyone's streams. Both directions carry
 * frames both ways: a request is answered on the stream it came on.
 */
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../../../lib/log.js'
import type { Host } from '../../p2p/host.js'
import { BFT_PROTOCOL } from './constants.js'
import { consumeFrames, FrameTooLarge, FrameWriter } from './framing.js'
import type { DriverDropReason } from './metrics.js'
import { PeerLink } from './peer-link.js'

export interface PeerInfo {
  peerId: string
  addrs: string[]
}

export type Reply = (frame: Uint8Array) => void

export interface TransportHandler {
  frame(peer: string, bytes: Uint8Array, reply: Reply): void
  /** An outbound stream to `peer` (re)opened: a good moment to resend what it may have missed. */
  connected(peer: string): void
  dropped(reason: DriverDropReason): void
}

export interface Transport {
  start(handler: TransportHandler): Promise<void>
  stop(): Promise<void>
  /** The peers to keep outbound streams to; links to others are closed. */
  setPeers(peers: readonly PeerInfo[]): void
  /** Best effort: queued on the peer's stream when it is open, dropped otherwise (gossip recovers). */
  send(peer: string, frame: Uint8Array): void
  isConnected(peer: string): boolean
}

export class Libp2pTransport implements Transport {
  readonly #host: Host
  readonly #log: Logger
  readonly #links = new Map<string, PeerLink>()
  readonly #inbound = new Set<Stream>()
  #handler?: TransportHandler
  /** A peer that connects to us has (re)started: re-dial it now rather than after the backoff. */
  readonly #onConnect = (e: CustomEvent<PeerId>) => this.#links.get(e.detail.toString())?.kick()

  constructor(host: Host, log: Logger) {
    this.#host = host
    this.#log = log
  }

  async start(handler: TransportHandler): Promise<void> {
    this.#handler = handler
    await this.#host.handle(
      BFT_PROTOCOL,
      (stream, connection) => this.#serve(stream, connection.remotePeer.toString()),
      {
        maxInboundStreams: 32,
        maxOutboundStreams: 4,
      },
    )
    this.#host.addEventListener('peer:connect', this.#onConnect)
  }

  async stop(): Promise<void> {
    this.#host.removeEventListener('peer:connect', this.#onConnect)
    for (const link of this.#links.values()) link.stop()
    this.#links.clear()
    for (const s of this.#inbound) s.abort(new Error('consensus stopped'))
    await this.#host.unhandle(BFT_PROTOCOL)
  }

  setPeers(peers: readonly PeerInfo[]): void {
    const wanted = new Map(peers.map((p) => [p.peerId, p]))
    for (const [id, link] of this.#links) {
      if (!wanted.has(id)) {
        link.stop()
        this.#links.delete(id)
      }
    }
    for (const p of wanted.values()) {
      if (this.#links.has(p.peerId)) continue
      const link = new PeerLink(p.peerId, {
        dial: (signal) => this.#dial(p, signal),
        serve: (stream) => this.#read(stream, p.peerId),
        connected: () => this.#handler?.connected(p.peerId),
        overflow: () => this.#handler?.dropped('sendOverflow'),
        log: this.#log,
      })
      this.#links.set(p.peerId, link)
      link.kick()
    }
  }

  send(peer: string, frame: Uint8Array): void {
    this.#links.get(peer)?.write(frame)
  }

  isConnected(peer: string): boolean {
    return this.#links.get(peer)?.open ?? false
  }

  async #dial(p: PeerInfo, signal: AbortSignal): Promise<Stream> {
    const id = peerIdFromString(p.peerId)
    if (p.addrs.length > 0)
      await this.#host.peerStore.merge(id, { multiaddrs: p.addrs.map((a) => multiaddr(a)) })
    return this.#host.dialProtocol(id, BFT_PROTOCOL, { signal })
  }

  async #serve(stream: Stream, peer: string): Promise<void> {
    this.#inbound.add(stream)
    try {
      await this.#read(stream, peer)
    } finally {
      this.#inbound.delete(stream)
      await stream.close().catch(() => stream.abort(new Error('close failed')))
    }
  }

  /** Reads frames until the stream ends; replies go back on the same stream. */
  async #read(stream: Stream, peer: string): Promise<void> {
    const writer = new FrameWriter(stream, () => {
      this.#handler?.dropped('sendOverflow')
      stream.abort(new Error('peer is not reading'))
    })
    const reply: Reply = (frame) => writer.write(frame)
    try {
      await consumeFrames(stream, (frame) => this.#handler?.frame(peer, frame, reply))
    } catch (err) {
      if (err instanceof FrameTooLarge) {
        // A length prefix over the bound: the stream cannot be resynchronised, so it goes.
        this.#handler?.dropped('frameOversize')
        stream.abort(err)
      } else {
        this.#log.debug({ peer, err: (err as Error).message }, 'bft stream ended')
      }
    }
  }
}
