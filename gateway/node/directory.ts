/**
 * NodeID -> peer: the neighbour table first, then peers that proved their NodeID to us in a
 * Hello, then the DHT record `/xlattice/node/<NodeID>` (certificate + signed peer record,
 * verified here against the registry key), and when the addresses found there do not
 * answer, libp2p peer routing (a kad-dht FIND_NODE for the peer ID). Also publishes this
 * node's own record.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../../lib/log.js'
import { UnreachableError } from '../messaging/errors.js'
import type { Connected } from '../messaging/link.js'
import type { Recipient, VerifiedPeer } from '../messaging/sealer.js'
import type { Host } from '../p2p/host.js'
import type { SignedCertificate } from '../registry/registry.pb.js'
import type { Neighbours } from './neighbours.js'
import { encodeNodeRecord, nodeRecordKey, nodeRecordSelector, openNodeRecord } from './records.js'

const CACHE_SIZE = 1024
/** A node's own record is put again this often, so holders that joined since get it. */
const REPUBLISH_MS = 30 * 60_000

export type Via = 'neighbour' | 'hello' | 'dht' | 'peer-routing'

export interface Route {
  nodeId: string
  peerId: PeerId
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  via: Via
}

export interface DirectoryComponents {
  host: Pick<Host, 'dial' | 'peerStore' | 'peerRouting' | 'services'>
  issuers: Uint8Array[]
  neighbours: Pick<Neighbours, 'byNodeId'>
  log: Logger
}

export class Directory {
  readonly #c: DirectoryComponents
  readonly #cache = new Map<string, Omit<Route, 'via'>>()
  readonly #reached: Record<Via | 'failed', number> = {
    neighbour: 0,
    hello: 0,
    dht: 0,
    'peer-routing': 0,
    failed: 0,
  }
  #published: { at: number | null; error: string | null } = { at: null, error: null }
  #publishedAddrs = ''
  #publishing = false

  constructor(components: DirectoryComponents) {
    this.#c = components
  }

  /** A peer proved its NodeID in a Hello: remember where it is. */
  learn(peer: VerifiedPeer): void {
    this.#cache.delete(peer.nodeId)
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(peer.nodeId, {
      nodeId: peer.nodeId,
      peerId: peerIdFromString(peer.peerId),
      sigPublicKey: peer.sigPublicKey,
      commsPublicKey: peer.commsPublicKey,
    })
  }

  #known(nodeId: string): Route | undefined {
    const n = this.#c.neighbours.byNodeId(nodeId)
    if (n !== undefined) return { ...n, peerId: peerIdFromString(n.peerId), via: 'neighbour' }
    const c = this.#cache.get(nodeId)
    return c === undefined ? undefined : { ...c, via: 'hello' }
  }

  /** Looks the NodeID up in the DHT and adds the record's addresses to the peer store. */
  async lookup(nodeId: string, signal: AbortSignal): Promise<Route | undefined> {
    const dht = this.#c.host.services.dht
    if (dht === undefined) return undefined
    const key = nodeRecordKey(nodeId)
    const values: Uint8Array[] = []
    try {
      for await (const ev of dht.get(key, { signal })) if (ev.name === 'VALUE') values.push(ev.value)
    } catch (err) {
      if (values.length === 0) throw err
    }
    if (values.length === 0) return undefined
    const rec = await openNodeRecord(values[nodeRecordSelector(key, values)], this.#c.issuers, nodeId)
    const peerId = peerIdFromString(rec.peerId)
    await this.#c.host.peerStore.merge(peerId, { multiaddrs: rec.addrs.map((a) => multiaddr(a)) })
    return {
      nodeId,
      peerId,
      sigPublicKey: rec.cert.sigPublicKey,
      commsPublicKey: rec.cert.commsPublicKey,
      via: 'dht',
    }
  }

  /**
   * Runs `use` against the node's peer, trying routes in order (known ones first unless
   * `fresh`), then peer routing for fresh addresses. Throws UnreachableError with each reason.
   */
  async reach<T>(
    nodeId: string,
    opts: { signal: AbortSignal; fresh?: boolean },
    use: (route: Route) => Promise<T>,
  ): Promise<T> {
    const known = async () => this.#known(nodeId)
    const dht = () => this.lookup(nodeId, opts.signal)
    const errors: string[] = []
    let last: Route | undefined
    for (const find of opts.fresh === true ? [dht, known] : [known, dht]) {
      let route: Route | undefined
      try {
        route = await find()
      } catch (err) {
        errors.push(`dht: ${(err as Error).message}`)
      }
      if (route === undefined) continue
      last = route
      try {
        const out = await use(route)
        this.#reached[route.via]++
        return out
      } catch (err) {
        errors.push(`${route.via}: ${(err as Error).message}`)
      }
    }
    if (last !== undefined && !opts.signal.aborted) {
      try {
        const info = await this.#c.host.peerRouting.findPeer(last.peerId, { signal: opts.signal })
        await this.#c.host.peerStore.merge(last.peerId, { multiaddrs: info.multiaddrs })
        const out = await use({ ...last, via: 'peer-routing' })
        this.#reached['peer-routing']++
        return out
      } catch (err) {
        errors.push(`peer-routing: ${(err as Error).message}`)
      }
    }
    this.#reached.failed++
    throw new UnreachableError(
      `cannot reach ${nodeId}: ${errors.length > 0 ? errors.join('; ') : 'not a neighbour and not in the DHT'}`,
    )
  }

  /** Opens a stream on `protocol` to the node; the remote key is the one Noise proved. */
  connect(
    nodeId: string,
    protocol: string,
    opts: { signal: AbortSignal; fresh: boolean },
  ): Promise<Connected> {
    return this.reach(nodeId, opts, async (route) => {
      const conn = await this.#c.host.dial(route.peerId, { signal: opts.signal })
      const stream = await conn.newStream(protocol, { signal: opts.signal })
      const key = conn.remotePeer.publicKey
      if (key === undefined || key.type !== 'Ed25519') throw new Error('remote peer has no Ed25519 key')
      return {
        stream,
        remoteKey: key.raw,
        remotePeer: conn.remotePeer.toString(),
        commsPublicKey: route.commsPublicKey,
      }
    })
  }

  /** The recipient's certified keys (for sealing to a node before any session exists). */
  async recipient(nodeId: string, signal: AbortSignal): Promise<Recipient> {
    const route = this.#known(nodeId) ?? (await this.lookup(nodeId, signal))
    if (route === undefined) throw new UnreachableError(`no certificate known for ${nodeId}`)
    return { nodeId, sigPublicKey: route.sigPublicKey, commsPublicKey: route.commsPublicKey }
  }

  /** Puts this node's record in the DHT (newest peer record wins at every holder). */
  async publish(nodeId: string, certificate: SignedCertificate, peerRecord: Uint8Array, signal: AbortSignal) {
    const dht = this.#c.host.services.dht
    if (dht === undefined) return
    try {
      for await (const _ of dht.put(nodeRecordKey(nodeId), encodeNodeRecord(certificate, peerRecord), {
        signal,
      })) {
        // drain: put() does its work as it is iterated
      }
      this.#published = { at: Date.now(), error: null }
    } catch (err) {
      this.#published = { at: this.#published.at, error: (err as Error).message }
      throw err
    }
  }

  /**
   * Publishes this node's record unless the same addresses went out less than REPUBLISH_MS
   * ago or a put is under way; failures are logged and retried at the next call.
   */
  async publishWhenDue(
    nodeId: string,
    certificate: SignedCertificate,
    addrs: string[],
    peerRecord: () => Promise<Uint8Array>,
  ): Promise<void> {
    const key = addrs.join()
    const last = this.#published.at
    const fresh = key === this.#publishedAddrs && last !== null && Date.now() - last < REPUBLISH_MS
    if (fresh || this.#publishing) return
    this.#publishing = true
    try {
      await this.publish(nodeId, certificate, await peerRecord(), AbortSignal.timeout(30_000))
      this.#publishedAddrs = key
      this.#c.log.debug({ nodeId }, 'published the node record in the DHT')
    } catch (err) {
      this.#c.log.warn({ err: (err as Error).message }, 'could not publish the node record in the DHT')
    } finally {
      this.#publishing = false
    }
  }

  status() {
    return {
      reached: { ...this.#reached },
      cached: this.#cache.size,
      recordPublishedAt: this.#published.at === null ? null : new Date(this.#published.at).toISOString(),
      recordError: this.#published.error,
    }
  }
}
