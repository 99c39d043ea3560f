/**
 * Closes outbound connections this node no longer needs. libp2p 3 has no idle timeout: every
 * peer a DHT query touched stays connected until the connection limit forces pruning, and in
 * a small lattice that is everyone. A connection we dialled is closed once it has carried no
 * stream for `idleMs`, unless it goes to the registry or a neighbour. Inbound connections are
 * left to their dialler, who runs the same rule, so neither side closes what the other
 * still pings.
 *
 * kad-dht 16 tags its 20 kad-closest peers `keep-alive-kad-dht`, and libp2p redials tagged
 * peers the moment they disconnect, which in a lattice of fewer than 21 nodes is a full mesh
 * forever. The trimmer drops that tag before it closes: the connections a node keeps are its
 * neighbours' (pinged every T, redialled with backoff); the DHT dials whom it needs on demand.
 */
import type { Connection } from '@libp2p/interface'
import type { Logger } from '../../lib/log.js'

export interface TrimmerComponents {
  connections(): Connection[]
  /** Peer IDs whose connections are kept however quiet (registry, neighbours). */
  protectedPeers(): Set<string>
  /** Removes the kad-dht keep-alive tag, so libp2p does not redial the peer at once. */
  untag(peerId: string): Promise<void>
  log: Logger
}

export class ConnectionTrimmer {
  readonly #c: TrimmerComponents
  readonly #idleMs: number
  readonly #busyAt = new Map<string, number>()
  #timer?: NodeJS.Timeout

  constructor(components: TrimmerComponents, idleMs: number) {
    this.#c = components
    this.#idleMs = idleMs
  }

  start(): void {
    this.#timer = setInterval(() => this.sweep(), Math.max(250, Math.min(this.#idleMs / 2, 10_000)))
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  sweep(now = Date.now()): number {
    const keep = this.#c.protectedPeers()
    const seen = new Set<string>()
    let closed = 0
    for (const conn of this.#c.connections()) {
      seen.add(conn.id)
      if (conn.direction !== 'outbound' || conn.status !== 'open') continue
      if (conn.streams.length > 0 || keep.has(conn.remotePeer.toString())) {
        this.#busyAt.set(conn.id, now)
        continue
      }
      const since = this.#busyAt.get(conn.id) ?? conn.timeline.open
      if (now - since < this.#idleMs) continue
      closed++
      const peer = conn.remotePeer.toString()
      this.#c.log.debug({ peer }, 'closing an idle connection')
      this.#c
        .untag(peer)
        .catch(() => {})
        .then(() => conn.close())
        .catch(() => conn.abort(new Error('close failed')))
    }
    for (const id of this.#busyAt.keys()) if (!seen.has(id)) this.#busyAt.delete(id)
    return closed
  }
}
