/**
 * In-process validators for the driver's specs: an in-memory Transport hub (frames delivered on
 * a later turn, like a socket), MemoryStores that survive a "crash" (the data map is kept, the
 * driver is dropped mid-flight), and helpers to wait for heights.
 */
import { Registry } from 'prom-client'
import { pino } from 'pino'
import { toHex } from '../../../../../lib/encoding.js'
import type { Signer } from '../../../../../lib/crypto.js'
import { type BatchOp, MemoryStore, type Store, type WriteOptions } from '../../../../../lib/store/index.js'
import {
  Driver,
  driverTimeouts,
  KvApp,
  type Transport,
  type TransportHandler,
} from '../../../../../gateway/consensus/driver/index.js'
import type { ValidatorSet } from '../../../../../gateway/consensus/index.js'
import { CHAIN } from '../fixtures.js'

export const silent = pino({ level: 'silent' })
export const peerOf = (publicKey: Uint8Array) => ({ peerId: toHex(publicKey), addrs: [] })

export interface Sent {
  from: string
  to: string
  frame: Uint8Array
}

/** Connects MemTransports by peer ID; a node that is down neither sends nor receives. */
export class Hub {
  readonly handlers = new Map<string, TransportHandler>()
  readonly transports = new Map<string, MemTransport>()
  readonly sent: Sent[] = []
  /** Frames for which this returns false are lost (partitions, targeted drops). */
  filter: (from: string, to: string) => boolean = () => true
  /** Sees every frame as it is sent. */
  tap: (sent: Sent) => void = () => {}

  deliver(from: string, to: string, frame: Uint8Array): void {
    if (!this.handlers.has(from) || !this.handlers.has(to) || !this.filter(from, to)) return
    this.sent.push({ from, to, frame })
    this.tap({ from, to, frame })
    const copy = frame.slice()
    setImmediate(() => {
      const h = this.handlers.get(to)
      if (h !== undefined && this.handlers.has(from)) h.frame(from, copy, (f) => this.deliver(to, from, f))
    })
  }

  up(self: string, handler: TransportHandler): void {
    this.handlers.set(self, handler)
    // Peers holding a link to the newcomer see it connect (as a libp2p link re-dial would).
    for (const [id, t] of this.transports) if (id !== self && t.peers.has(self)) t.notify(self)
  }
}

export class MemTransport implements Transport {
  peers = new Set<string>()
  #handler?: TransportHandler

  constructor(
    readonly hub: Hub,
    readonly self: string,
  ) {
    hub.transports.set(self, this)
  }

  async start(handler: TransportHandler): Promise<void> {
    this.#handler = handler
    this.hub.up(this.self, handler)
  }

  async stop(): Promise<void> {
    this.hub.handlers.delete(this.self)
  }

  setPeers(peers: readonly { peerId: string }[]): void {
    const next = new Set(peers.map((p) => p.peerId))
    for (const p of next) if (!this.peers.has(p) && this.hub.handlers.has(p)) this.notify(p)
    this.peers = next
  }

  notify(peer: string): void {
    setImmediate(() => this.#handler?.connected(peer))
  }

  send(peer: string, frame: Uint8Array): void {
    this.hub.deliver(this.self, peer, frame)
  }

  isConnected(peer: string): boolean {
    return this.hub.handlers.has(peer)
  }
}

/** A Store whose synced batches can be observed (and stalled) by a test. */
export class ObservedStore implements Store {
  onBatch: (ops: BatchOp[], synced: boolean) => void = () => {}
  constructor(readonly inner: Store) {}
  get = (key: string) => this.inner.get(key)
  put = (key: string, value: Uint8Array, o?: WriteOptions) => this.inner.put(key, value, o)
  del = (key: string, o?: WriteOptions) => this.inner.del(key, o)
  entries = (range?: Parameters<Store['entries']>[0]) => this.inner.entries(range)
  sublevel = (name: string) => this.inner.sublevel(name)
  close = () => this.inner.close()
  async batch(ops: BatchOp[], o?: WriteOptions): Promise<void> {
    await this.inner.batch(ops, o)
    this.onBatch(ops, o?.sync === true)
  }
}

export interface Member {
  key: Signer
  peerId: string
  data: Map<string, Uint8Array>
  store: ObservedStore
  app: KvApp
  driver: Driver
  metrics: Registry
}

export interface StartOptions {
  proposeTimeoutMs?: number
  emptyBlockIntervalMs?: number
  onFatal?: (err: Error) => void
}

/** Starts (or restarts, on the same data) one validator of `genesis` on the hub. */
export async function startMember(
  hub: Hub,
  genesis: ValidatorSet,
  key: Signer,
  data = new Map<string, Uint8Array>(),
  opts: StartOptions = {},
): Promise<Member> {
  const peerId = toHex(key.publicKey)
  const store = new ObservedStore(new MemoryStore(data).sublevel('consensus'))
  const app = new KvApp(store, { chainId: CHAIN })
  const metrics = new Registry()
  const driver = await Driver.open({
    chainId: CHAIN,
    genesis,
    signer: key,
    store,
    app,
    transport: new MemTransport(hub, peerId),
    peerOf,
    timeouts: driverTimeouts(opts.proposeTimeoutMs ?? 200),
    emptyBlockIntervalMs: opts.emptyBlockIntervalMs ?? 100,
    gossipIntervalMs: 100,
    log: silent,
    metrics,
    onFatal: opts.onFatal,
  })
  await driver.start()
  return { key, peerId, data, store, app, driver, metrics }
}

export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The height every member has committed at least. */
export const committed = (members: readonly Member[]) =>
  Math.min(...members.map((m) => m.driver.chain.height))
