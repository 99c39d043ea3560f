/**
 * Neighbours and keep-alives (seed row 0.0.4): the table of the neighbours the registry names
 * (later the cluster), each pinged with libp2p ping every T. A ping answered sets RTT and
 * last-seen; N pings missed in a row mark the neighbour dead, after which it is redialled
 * with exponential backoff and jitter instead of every T. A dead neighbour that connects to
 * us, or whose addresses change in a refreshed list, is tried again at once.
 */
import { toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import type { VerifiedNeighbour } from '../registry/client.js'
import { backoffDelay } from '../../lib/backoff.js'

export interface NeighbourComponents {
  /** libp2p ping over an existing connection, or a new one to the peer's known addresses; ms. */
  ping(peerId: string, signal: AbortSignal): Promise<number>
  /** Replaces the addresses libp2p dials for `peerId` (the registry's list is the fresh one). */
  setAddrs(peerId: string, addrs: string[]): Promise<void>
  log: Logger
  now?(): number
  random?(): number
}

export interface NeighbourInit {
  pingIntervalMs: number
  deadAfterMisses: number
  reconnectMaxMs: number
}

export interface Neighbour {
  nodeId: string
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  peerId: string
  addrs: string[]
  alive: boolean
  rttMs: number | null
  lastSeen: number | null
  /** Pings missed in a row. */
  missed: number
  /** While dead: when the next reconnection attempt is due. */
  nextDialAt: number | null
  attempt: number
  pinging: boolean
}

export interface NeighbourStatus {
  nodeId: string
  peerId: string
  addrs: string[]
  alive: boolean
  rttMs: number | null
  lastSeen: string | null
  missed: number
}

export function neighbours(init: NeighbourInit) {
  return (components: NeighbourComponents) => new Neighbours(components, init)
}

export class Neighbours {
  readonly #c: NeighbourComponents
  readonly #init: NeighbourInit
  readonly #pingTimeoutMs: number
  #entries = new Map<string, Neighbour>()
  #timer?: NodeJS.Timeout

  constructor(components: NeighbourComponents, init: NeighbourInit) {
    this.#c = components
    this.#init = init
    // A ping slower than T would overlap the next round; cap it so "N misses" stays ~N x T.
    this.#pingTimeoutMs = Math.max(1000, Math.min(init.pingIntervalMs, 5000))
  }

  #now(): number {
    return (this.#c.now ?? Date.now)()
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#init.pingIntervalMs)
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /** One keep-alive round: pings every neighbour that is alive, suspect, or due a redial. */
  tick(): void {
    const now = this.#now()
    for (const n of this.#entries.values()) {
      if (n.nextDialAt !== null && now < n.nextDialAt) continue
      void this.#probe(n)
    }
  }

  /** Resolves with the ping's outcome; never rejects. */
  async #probe(n: Neighbour): Promise<void> {
    if (n.pinging) return
    n.pinging = true
    try {
      const signal = AbortSignal.timeout(this.#pingTimeoutMs)
      // A stream error on a connection being replaced is no evidence against the neighbour:
      // one more try, within the same deadline, before counting a miss.
      const rtt = await this.#c.ping(n.peerId, signal).catch((err) => {
        if (signal.aborted) throw err
        return this.#c.ping(n.peerId, signal)
      })
      if (!n.alive && n.lastSeen !== null)
        this.#c.log.info({ nodeId: n.nodeId, peerId: n.peerId }, 'neighbour is back')
      n.alive = true
      n.rttMs = Math.round(rtt * 1000) / 1000
      n.lastSeen = this.#now()
      n.missed = 0
      n.attempt = 0
      n.nextDialAt = null
    } catch (err) {
      n.missed++
      if (n.missed >= this.#init.deadAfterMisses) {
        if (n.alive) {
          this.#c.log.info({ nodeId: n.nodeId, peerId: n.peerId, missed: n.missed }, 'neighbour is dead')
        }
        n.alive = false
        const delay = backoffDelay(
          n.attempt++,
          this.#init.pingIntervalMs,
          this.#init.reconnectMaxMs,
          this.#c.random,
        )
        n.nextDialAt = this.#now() + delay
      }
      this.#c.log.debug({ nodeId: n.nodeId, err: (err as Error).message, missed: n.missed }, 'ping missed')
    } finally {
      n.pinging = false
    }
  }

  /**
   * Replaces the list (nearest first). Neighbours already known keep their state; new ones
   * are pinged once before they appear, so the table never shows an untried neighbour.
   */
  async update(list: VerifiedNeighbour[]): Promise<void> {
    const fresh: Neighbour[] = []
    for (const v of list) {
      const old = this.#entries.get(toHex(v.nodeId))
      if (old !== undefined && old.peerId === v.peerId) {
        const moved = old.addrs.join() !== v.addrs.join()
        old.addrs = v.addrs
        if (moved) {
          await this.#c.setAddrs(v.peerId, v.addrs).catch(() => {})
          if (!old.alive) old.nextDialAt = null
        }
      } else {
        fresh.push({
          nodeId: toHex(v.nodeId),
          sigPublicKey: v.sigPublicKey,
          commsPublicKey: v.commsPublicKey,
          peerId: v.peerId,
          addrs: v.addrs,
          alive: false,
          rttMs: null,
          lastSeen: null,
          missed: 0,
          nextDialAt: null,
          attempt: 0,
          pinging: false,
        })
      }
    }
    await Promise.all(
      fresh.map(async (n) => {
        await this.#c.setAddrs(n.peerId, n.addrs).catch(() => {})
        await this.#probe(n)
      }),
    )
    const next = new Map<string, Neighbour>()
    const byId = new Map(fresh.map((n) => [n.nodeId, n]))
    for (const v of list) {
      const id = toHex(v.nodeId)
      const n = byId.get(id) ?? this.#entries.get(id)
      if (n !== undefined) next.set(id, n)
    }
    this.#entries = next
  }

  /**
   * Every connection to a peer closed: ping its neighbour now rather than at the next round,
   * so a crash shows up as a miss at once (it still takes N misses to be declared dead).
   */
  peerDisconnected(peerId: string): void {
    for (const n of this.#entries.values()) {
      if (n.peerId === peerId && n.alive) void this.#probe(n)
    }
  }

  /** A peer connected to us: a dead neighbour behind it is retried now, not at its backoff. */
  peerConnected(peerId: string): void {
    for (const n of this.#entries.values()) {
      if (n.peerId === peerId && !n.alive) {
        n.nextDialAt = null
        void this.#probe(n)
      }
    }
  }

  byNodeId(nodeId: string): Neighbour | undefined {
    return this.#entries.get(nodeId)
  }

  peerIds(): string[] {
    return [...this.#entries.values()].map((n) => n.peerId)
  }

  get size(): number {
    return this.#entries.size
  }

  get alive(): number {
    return [...this.#entries.values()].filter((n) => n.alive).length
  }

  /** The neighbours answering pings now, with their certified keys. */
  live(): { nodeId: string; peerId: string; sigPublicKey: Uint8Array }[] {
    return [...this.#entries.values()]
      .filter((n) => n.alive)
      .map((n) => ({ nodeId: n.nodeId, peerId: n.peerId, sigPublicKey: n.sigPublicKey }))
  }

  status(): NeighbourStatus[] {
    return [...this.#entries.values()].map((n) => ({
      nodeId: n.nodeId,
      peerId: n.peerId,
      addrs: n.addrs,
      alive: n.alive,
      rttMs: n.rttMs,
      lastSeen: n.lastSeen === null ? null : new Date(n.lastSeen).toISOString(),
      missed: n.missed,
    }))
  }
}
