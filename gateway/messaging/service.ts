/**
 * Node-to-node messaging (seed rows 0.0.5, 0.0.7): the composition root of the protocol.
 * `send` numbers a message, seals it (SEALED: to the recipient's certified key, so the outbox
 * holds ciphertext; or PLAINTEXT_SIGNED when asked), and returns once it is in the persistent
 * outbox; a Link per destination delivers it over a session stream (/xlattice/session/1.0.0,
 * every frame sealed end to end) when this node has session keys, else over plaintext
 * /xlattice/msg/1.0.0. `start` loads the outbox and registers the responders, `stop` removes them.
 * Received messages of the kinds in `keep` are also kept on disk until `consume`'s callback
 * has taken them (kept.ts).
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { fromHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import type { Store } from '../../lib/store/index.js'
import { SESSION_PROTOCOL } from '../session/index.js'
import { helloInitiator, type SessionKeys, sessionInitiator } from './channel.js'
import {
  COMMIT_IDLE_DELAY_MS,
  MAX_FRAME_BYTES,
  MAX_INBOUND_STREAMS,
  MAX_INBOUND_TOTAL,
  MAX_PAYLOAD_BYTES,
  MSG_PROTOCOL,
} from './constants.js'
import { encodeEnvelope, type Envelope } from './envelope.js'
import {
  InvalidMessageError,
  ModeUnavailableError,
  NotKeptError,
  NotReadyError,
  OutboxFullError,
} from './errors.js'
import { GroupCommit } from '../../lib/store/index.js'
import type { SelfIdentity } from './hello.js'
import { Inbox } from './inbox.js'
import { type InboundKind, serveInbound } from './inbound.js'
import { type ConsumeOptions, type KeptMessage, KeptStore, type KeptWrite } from './kept.js'
import { type Connected, Link } from './link.js'
import { Message, Mode } from './messaging.pb.js'
import { Outbox } from './outbox.js'
import { type Recipient, type Sealer, type Sealers, type VerifiedPeer, modeLabel } from './sealer.js'
import { describeReceived, MessageStats, type ReceivedMessage } from './stats.js'

export interface MessagingInit {
  /** Longest wait between attempts to reach a destination, in ms. */
  retryMaxMs: number
  /** Messages the outbox holds at most (all destinations); `send` refuses beyond. */
  maxQueued: number
  /** Send plaintext (signed) when the caller does not say; off: encrypted or refused. */
  plaintextByDefault: boolean
  /** Undelivered records one kept kind may hold; default KEPT_MAX_PENDING. */
  maxKept?: number
  /** Received messages kept in memory for `/status` and `GET /messages`. */
  recent?: number
  /**
   * Message kinds whose payloads are kept on disk, written with the high-water mark before the
   * ack, until `consume`'s callback for them resolves (at-least-once hand-off).
   */
  keep?: string[]
}

export interface MessagingComponents {
  host: {
    handle(protocol: string, handler: (s: Stream, c: Connection) => void, opts?: object): Promise<void>
    unhandle(protocol: string): Promise<void>
    addEventListener(type: 'peer:connect', fn: (evt: CustomEvent<PeerId>) => void): void
    removeEventListener(type: 'peer:connect', fn: (evt: CustomEvent<PeerId>) => void): void
  }
  /** The node's messaging key space (one sublevel). */
  store: Store
  self(): SelfIdentity | undefined
  issuers: Uint8Array[]
  sealers: Sealers
  /** This node's certified X25519 key: with it, links use session streams and they are served. */
  session?: SessionKeys
  connect(nodeId: string, protocol: string, opts: { signal: AbortSignal; fresh: boolean }): Promise<Connected>
  /** The recipient's certified keys, for Sealers that need them at queue time. */
  recipient(nodeId: string): Promise<Recipient>
  learned(peer: VerifiedPeer): void
  log: Logger
}

export interface SendOptions {
  kind?: string
  /** Per message: true sends plaintext (signed); false insists on encryption. */
  plaintext?: boolean
}

export interface Sent {
  seq: bigint
  mode: string
  plaintext: boolean
  /** Resolves when the receiver has persisted it (cumulative ack). */
  acked: Promise<void>
}

export function messaging(init: MessagingInit) {
  return (components: MessagingComponents) => new Messaging(components, init)
}

export class Messaging {
  readonly stats: MessageStats
  readonly #c: MessagingComponents
  readonly #init: MessagingInit
  readonly #links = new Map<string, Link>()
  readonly #chains = new Map<string, Promise<unknown>>()
  /** Certified keys of recent recipients: a directory lookup per message showed in profiles. */
  readonly #recipients = new Map<string, Recipient>()
  readonly #onConnect = (evt: CustomEvent<PeerId>) => this.#peerConnected(evt.detail.toString())
  #commit?: GroupCommit
  #outbox?: Outbox
  #inbox?: Inbox
  #kept?: KeptStore
  #inbound = 0

  constructor(components: MessagingComponents, init: MessagingInit) {
    this.#c = components
    this.#init = init
    this.stats = new MessageStats(init.recent ?? 100)
  }

  async start(): Promise<void> {
    this.#commit = new GroupCommit(this.#c.store, { idleDelayMs: COMMIT_IDLE_DELAY_MS })
    this.#outbox = await Outbox.open(this.#c.store, this.#commit)
    this.#inbox = await Inbox.open(this.#c.store, this.#commit)
    this.#kept = await KeptStore.open(this.#c.store, this.#commit, this.#init.keep ?? [], {
      log: this.#c.log,
      maxPending: this.#init.maxKept,
    })
    await this.#c.host.handle(
      MSG_PROTOCOL,
      (stream, connection) => this.#serve(stream, connection, 'hello'),
      {
        maxInboundStreams: MAX_INBOUND_STREAMS,
      },
    )
    if (this.#c.session !== undefined) {
      await this.#c.host.handle(
        SESSION_PROTOCOL,
        (stream, connection) => this.#serve(stream, connection, 'session'),
        { maxInboundStreams: MAX_INBOUND_STREAMS },
      )
    }
    this.#c.host.addEventListener('peer:connect', this.#onConnect)
    for (const to of this.#outbox.destinations()) this.#link(to).kick()
  }

  async stop(): Promise<void> {
    this.#c.host.removeEventListener('peer:connect', this.#onConnect)
    await this.#c.host.unhandle(MSG_PROTOCOL).catch(() => {})
    if (this.#c.session !== undefined) await this.#c.host.unhandle(SESSION_PROTOCOL).catch(() => {})
    for (const link of this.#links.values()) link.stop()
    this.#kept?.stop()
    // A clean stop gives back the unused reservations: the next start owes no Skip.
    await this.#outbox?.close().catch((err: Error) => {
      this.#c.log.warn({ err: err.message }, 'could not release the outbox reservations')
    })
    await this.#commit?.flushed()
  }

  #serve(stream: Stream, connection: Connection, kind: InboundKind): void {
    if (this.#inbound >= MAX_INBOUND_TOTAL || this.#inbox === undefined) {
      stream.abort(new Error('too many message streams'))
      return
    }
    this.#inbound++
    void serveInbound(
      stream,
      connection,
      {
        self: () => this.#c.self(),
        issuers: this.#c.issuers,
        sealers: this.#c.sealers,
        session: this.#c.session,
        inbox: this.#inbox,
        log: this.#c.log,
        deliver: (from, env, mode) => this.#delivered(from, env, mode),
        keep: (from, env) => this.#keep(from.nodeIdBytes, env),
        full: (kind) => this.#kept?.full(kind) ?? false,
        refused: (reason, text, peer) => this.stats.refused(reason, text, peer, this.#c.log),
        learned: (peer) => this.#learned(peer),
      },
      kind,
    ).finally(() => {
      this.#inbound--
    })
  }

  get #box(): Outbox {
    if (this.#outbox === undefined) throw new Error('messaging not started')
    return this.#outbox
  }

  #sealer(plaintext: boolean): Sealer {
    if (plaintext) {
      const s = this.#c.sealers.get(Mode.PLAINTEXT_SIGNED)
      if (s !== undefined) return s
      throw new ModeUnavailableError('plaintext messaging is disabled')
    }
    // Queued messages must be readable later without a live session: prefer SEALED to queue.
    const s = this.#c.sealers.get(Mode.SEALED) ?? this.#c.sealers.get(Mode.SESSION)
    if (s !== undefined) return s
    throw new ModeUnavailableError(
      'encrypted messaging is not configured on this node; ask for plaintext explicitly (--plaintext, or messaging.plaintext = true)',
    )
  }

  /** Queues a message durably and starts delivering it; see Sent.acked for the receiver's ack. */
  async send(to: string, payload: Uint8Array, opts: SendOptions = {}): Promise<Sent> {
    if (!/^[0-9a-f]{64}$/.test(to)) throw new InvalidMessageError('a NodeID is 64 lowercase hex characters')
    const self = this.#c.self()
    if (self === undefined) throw new NotReadyError()
    if (to === self.nodeId) throw new InvalidMessageError('a node does not send messages to itself')
    const sealer = this.#sealer(opts.plaintext ?? this.#init.plaintextByDefault)
    const box = this.#box
    if (box.size >= this.#init.maxQueued)
      throw new OutboxFullError(`the outbox holds ${box.size} messages (messaging.maxQueued)`)
    const kind = opts.kind ?? 'text'
    // One message at a time per destination from numbering to enqueue, so sequence numbers
    // reach the outbox in order even when a Sealer is asynchronous.
    const run = (this.#chains.get(to) ?? Promise.resolve()).then(async () => {
      const recipient = sealer.needsRecipientKeys ? await this.#recipient(to) : { nodeId: to }
      const seq = box.nextSeq(to)
      const queuedAt = Date.now()
      const env = encodeEnvelope({
        from: self.nodeIdBytes,
        to: fromHex(to),
        seq,
        timestamp: queuedAt,
        kind,
        payload,
      })
      const message = Message.encode(await sealer.seal(env, recipient, seq))
      // Room for the Frame around it and, on a session stream, the packing in a transport frame.
      if (message.length + 64 > MAX_FRAME_BYTES) throw new InvalidMessageError('message is too large')
      return { seq, durable: box.enqueue(to, seq, message, queuedAt, sealer.mode) }
    })
    const tail = run.catch(() => {})
    this.#chains.set(to, tail)
    void tail.then(() => {
      if (this.#chains.get(to) === tail) this.#chains.delete(to)
    })
    const { seq, durable } = await run
    // Within the outbox's reservation the link may send before the batch is on disk: the
    // synced write and the trip to the receiver overlap (outbox.ts).
    const link = this.#link(to)
    link.kick()
    await durable
    this.stats.sent(sealer.plaintext)
    link.kick()
    if (sealer.plaintext) this.#c.log.debug({ to, seq, kind, plaintext: true }, 'message queued')
    return { seq, mode: modeLabel(sealer.mode), plaintext: sealer.plaintext, acked: box.whenAcked(to, seq) }
  }

  async #recipient(to: string): Promise<Recipient> {
    const known = this.#recipients.get(to)
    if (known !== undefined) return known
    const found = await this.#c.recipient(to)
    this.#remember(found)
    return found
  }

  #remember(r: Recipient): void {
    this.#recipients.delete(r.nodeId)
    if (this.#recipients.size >= 4096) this.#recipients.delete(this.#recipients.keys().next().value as string)
    this.#recipients.set(r.nodeId, r)
  }

  /** A peer proved its certificate: its keys replace what the cache held (a renewed certificate). */
  #learned(peer: VerifiedPeer): void {
    this.#remember({
      nodeId: peer.nodeId,
      sigPublicKey: peer.sigPublicKey,
      commsPublicKey: peer.commsPublicKey,
    })
    this.#c.learned(peer)
  }

  #link(to: string): Link {
    let link = this.#links.get(to)
    if (link === undefined) {
      link = new Link(to, {
        outbox: this.#box,
        connect: (nodeId, opts) =>
          this.#c.connect(nodeId, this.#c.session !== undefined ? SESSION_PROTOCOL : MSG_PROTOCOL, opts),
        open: (conn, to) => this.#open(conn, to),
        retryMaxMs: this.#init.retryMaxMs,
        log: this.#c.log,
        acked: (_to, n) => this.stats.delivered(n),
        refused: (peer, reason, text) =>
          this.#c.log.warn({ to: peer, reason, text }, 'peer refused a message'),
        learned: (peer) => this.#learned(peer),
      })
      this.#links.set(to, link)
    }
    return link
  }

  #open(conn: Connected, to: string) {
    const self = this.#c.self()
    if (self === undefined) throw new NotReadyError()
    const remote = { remoteKey: conn.remoteKey, remotePeer: conn.remotePeer }
    const keys = this.#c.session
    if (keys === undefined) return helloInitiator(conn.stream, self, remote, this.#c.issuers)
    return sessionInitiator(
      conn.stream,
      self,
      keys,
      { ...remote, to, remoteStatic: conn.commsPublicKey },
      this.#c.issuers,
    )
  }

  #peerConnected(peerId: string): void {
    for (const link of this.#links.values()) {
      if (link.peerId === peerId && link.state === 'backoff') link.kick(true)
    }
  }

  #delivered(from: VerifiedPeer, env: Envelope, mode: Mode): void {
    const plaintext = this.#c.sealers.get(mode)?.plaintext ?? false
    const label = modeLabel(mode)
    this.stats.received(from.nodeId, env, label, plaintext)
    // Built only when someone reads it: at 10k messages/s the formatting shows in profiles.
    if (this.#c.log.isLevelEnabled('info') || this.#listeners.length > 0) {
      const received = describeReceived(from.nodeId, env, label, plaintext)
      this.#c.log.info(received, 'message received')
      for (const fn of this.#listeners) fn(received, env.payload)
    }
  }

  /** The record of an inbound message of a kept kind, written with its high-water mark. */
  #keep(from: Uint8Array, env: Envelope): KeptWrite | undefined {
    const kept = this.#kept
    if (kept === undefined || !kept.isKept(env.kind)) return undefined
    return kept.prepare(env.kind, from, env.seq, Number(env.timestamp), env.payload)
  }

  get #keptStore(): KeptStore {
    if (this.#kept === undefined || this.#inbox === undefined) throw new Error('messaging not started')
    return this.#kept
  }

  /**
   * Keeps a message this node addresses to itself (both ends at home here), exactly as a
   * received one: from this NodeID, numbered in its own sequence, resolved once on disk.
   * It does not go to onMessage listeners or the received counters: nothing was received.
   */
  async keepLocal(kind: string, payload: Uint8Array): Promise<void> {
    const kept = this.#keptStore
    if (!kept.isKept(kind)) throw new NotKeptError(kind)
    if (payload.length > MAX_PAYLOAD_BYTES) throw new InvalidMessageError('payload is too large')
    if (kept.full(kind)) throw new OutboxFullError(`${kind}: too many undelivered messages held here`)
    const self = this.#c.self()
    if (self === undefined) throw new NotReadyError()
    const inbox = this.#inbox as Inbox
    const seq = inbox.expected(self.nodeId)
    const write = kept.prepare(kind, self.nodeIdBytes, seq, Date.now(), payload)
    // `.then` like the inbound path, so records become durable in the order they were numbered.
    return inbox.admit(self.nodeId, seq, write.ops).then(() => write.durable())
  }

  /**
   * Hands every kept message of `kind` to `fn`, oldest first: those on disk from before, then
   * new ones as they arrive. Up to `window` (256) calls are outstanding at once; a record is
   * deleted when its call resolves. A rejection stops the calls; after a backoff (500 ms
   * doubling to 30 s, jittered) every unresolved record is handed over again, in order. One
   * consumer per kind; the returned function detaches it.
   */
  consume(kind: string, fn: (m: KeptMessage) => Promise<void>, opts?: ConsumeOptions): () => void {
    return this.#keptStore.consume(kind, fn, opts)
  }

  readonly #listeners: ((m: ReceivedMessage, payload: Uint8Array) => void)[] = []

  /** Called for every delivered message (once per (from, seq)), after it is persisted. */
  onMessage(fn: (m: ReceivedMessage, payload: Uint8Array) => void): void {
    this.#listeners.push(fn)
  }

  status() {
    const box = this.#outbox
    return {
      ...this.stats.counters(box?.size ?? 0),
      kept: this.#kept?.counts() ?? Object.fromEntries((this.#init.keep ?? []).map((k) => [k, 0])),
      links: [...this.#links.values()]
        .filter((l) => l.state !== 'idle' || (box?.sizeOf(l.to) ?? 0) > 0)
        .map((l) => ({
          nodeId: l.to,
          peerId: l.peerId ?? null,
          state: l.state,
          encrypted: l.encrypted,
          queued: box?.sizeOf(l.to) ?? 0,
          lastError: l.lastError,
          nextAttemptAt: l.nextAttemptAt === null ? null : new Date(l.nextAttemptAt).toISOString(),
        })),
    }
  }

  /** The last received messages, oldest first. */
  recent(): ReceivedMessage[] {
    return this.stats.recent()
  }
}
