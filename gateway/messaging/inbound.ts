/**
 * The responder side of /xlattice/msg/1.0.0 and /xlattice/session/1.0.0: a Channel (Hellos,
 * or a Noise handshake and sealed frames; see channel.ts), then Messages answered with
 * cumulative Acks. Each message is opened by its mode's Sealer (signature or AEAD), checked against the
 * stream's proved NodeID, admitted in sequence order, persisted (synced, group commit; with
 * its record when its kind is kept), delivered, and only then acknowledged. A bad frame gets
 * a Refusal and, unless the stream can no longer be trusted to be in step, the stream stays open.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { equalBytes } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import { SessionError } from '../session/index.js'
import { type Channel, helloResponder, type SessionKeys, sessionResponder } from './channel.js'
import { INBOUND_IDLE_MS } from './constants.js'
import { decodeEnvelope, type Envelope } from './envelope.js'
import { Refused, reasonOf } from './errors.js'
import { FrameTooLarge, FrameWriter } from './framing.js'
import { decodeFrame, type SelfIdentity } from './hello.js'
import type { Inbox } from './inbox.js'
import type { KeptWrite } from './kept.js'
import { ErrorCode, Frame, type Message, type Mode, type Skip } from './messaging.pb.js'
import type { Sealers, VerifiedPeer } from './sealer.js'

/** Admitted messages not yet on disk, per stream, before reading pauses until they are. */
const MAX_UNPERSISTED = 4096
/** Answers waiting for the next write before reading waits for them to leave. */
const MAX_QUEUED_ANSWERS = 256
/**
 * Refusals one stream may earn before it is closed. An honest sender gets a few (duplicates
 * after a lost ack: at most one window of them); thousands are junk.
 */
const MAX_REFUSALS_PER_STREAM = 4096

export interface InboundContext {
  self(): SelfIdentity | undefined
  issuers: Uint8Array[]
  sealers: Sealers
  inbox: Inbox
  log: Logger
  /** Called once per (from, seq), in order, after it is on disk and before it is acked. */
  deliver(from: VerifiedPeer, env: Envelope, mode: Mode): void
  /** For a kept kind: the record to write with the high-water mark (kept.ts). */
  keep?(from: VerifiedPeer, env: Envelope): KeptWrite | undefined
  /** Whether a kept kind holds all the undelivered messages it may (then: BUSY, fatal). */
  full?(kind: string): boolean
  /** Counts and logs a refusal. */
  refused(reason: string, text: string, peer: string): void
  /** A peer proved itself with a Hello (the directory caches NodeID -> peer). */
  learned(peer: VerifiedPeer): void
  /** This node's certified X25519 key, for session streams. */
  session?: SessionKeys
}

export type InboundKind = 'hello' | 'session'

export async function serveInbound(
  stream: Stream,
  connection: Connection,
  ctx: InboundContext,
  kind: InboundKind = 'hello',
): Promise<void> {
  const writer = new FrameWriter(stream)
  const remotePeer = connection.remotePeer.toString()
  const remote = { remoteKey: connection.remotePeer.publicKey?.raw, remotePeer }
  stream.inactivityTimeout = INBOUND_IDLE_MS
  let channel: Channel | undefined
  let peer: VerifiedPeer | undefined
  let unpersisted = 0
  let lastDurable: Promise<void> = Promise.resolve()
  // Answers (refusals, then the cumulative ack) are queued and written together once per
  // event-loop turn: one write per batch of input, never one per refused frame, so junk cannot
  // make the node spend a seal and a send on every few bytes it receives.
  const outgoing: Uint8Array[] = []
  let flushScheduled = false
  let flushing: Promise<void> = Promise.resolve()
  let ackSeq = 0n
  let ackSent = 0n
  let refusals = 0
  const flush = () => {
    flushScheduled = false
    if (ackSeq > ackSent) {
      outgoing.push(Frame.encode({ ack: { seq: ackSeq } }))
      ackSent = ackSeq
    }
    if (outgoing.length === 0) return
    const frames = outgoing.splice(0)
    // Before a session exists there is no way to answer on a session stream: failures only close it.
    const sent =
      channel !== undefined ? channel.write(frames) : kind === 'hello' ? writer.write(frames) : undefined
    if (sent !== undefined) flushing = sent.catch(() => {})
  }
  const schedule = () => {
    if (flushScheduled) return
    flushScheduled = true
    setImmediate(flush)
  }

  // One Ack per event-loop turn covers every message persisted in that turn. `again` repeats
  // it even if already sent: a duplicate means the sender did not see it.
  const ack = (seq: bigint, again = false) => {
    if (seq > ackSeq) ackSeq = seq
    if (again) ackSent = 0n
    schedule()
  }

  const refuse = async (err: Refused) => {
    refusals++
    ctx.refused(reasonOf(err.wire), err.message, peer?.nodeId ?? remotePeer)
    outgoing.push(Frame.encode({ refusal: { code: err.wire, text: err.message, seq: err.seq } }))
    schedule()
    // Backpressure: a sender of junk waits for its refusals to leave.
    if (outgoing.length >= MAX_QUEUED_ANSWERS || err.fatal) {
      flush()
      await flushing
    }
  }

  const onMessage = async (message: Message, from: VerifiedPeer, me: SelfIdentity) => {
    const sealer = ctx.sealers.get(message.mode)
    if (sealer === undefined)
      throw new Refused(ErrorCode.UNSUPPORTED_MODE, `mode ${message.mode} is not supported`)
    const env = decodeEnvelope(await sealer.open(message, from))
    if (!equalBytes(env.from, from.nodeIdBytes)) {
      throw new Refused(
        ErrorCode.FROM_MISMATCH,
        "envelope.from is not the NodeID of this stream's certificate",
        {
          seq: env.seq,
        },
      )
    }
    if (!equalBytes(env.to, me.nodeIdBytes))
      throw new Refused(ErrorCode.WRONG_RECIPIENT, 'envelope.to is not this node', { seq: env.seq })
    const admission = ctx.inbox.check(from.nodeId, env.seq)
    if (admission === 'duplicate') {
      // A replay, or a retransmission after a lost ack: never delivered again, but acked so an
      // honest sender can drop it.
      const persisted = ctx.inbox.persisted(from.nodeId)
      if (env.seq <= persisted) ack(persisted, true)
      throw new Refused(ErrorCode.DUPLICATE, `seq ${env.seq} was delivered before`, { seq: env.seq })
    }
    if (admission === 'gap') {
      const expected = ctx.inbox.expected(from.nodeId)
      throw new Refused(ErrorCode.OUT_OF_ORDER, `seq ${env.seq} skips ahead (expected ${expected})`, {
        seq: env.seq,
        fatal: true,
      })
    }
    if (ctx.full?.(env.kind) === true) {
      // Back-pressure: the stream closes, the sender keeps the message and retries with backoff.
      throw new Refused(ErrorCode.BUSY, `too many undelivered ${env.kind.slice(0, 32)} messages held here`, {
        seq: env.seq,
        fatal: true,
      })
    }
    unpersisted++
    const kept = ctx.keep?.(from, env)
    const durable = ctx.inbox.admit(from.nodeId, env.seq, kept?.ops).then(
      () => {
        unpersisted--
        kept?.durable()
        ctx.deliver(from, env, message.mode)
        ack(env.seq)
      },
      (err: Error) => {
        ctx.log.error({ err: err.message, from: from.nodeId }, 'could not persist a received message')
        stream.abort(err)
      },
    )
    lastDurable = durable
    if (unpersisted > MAX_UNPERSISTED) await durable
  }

  const onSkip = (skip: Skip, from: VerifiedPeer) => {
    const admitted = ctx.inbox.expected(from.nodeId) - 1n
    if (skip.upTo <= skip.after)
      throw new Refused(ErrorCode.BAD_FRAME, `a Skip must move forward (${skip.after} -> ${skip.upTo})`)
    if (admitted >= skip.upTo) {
      // Seen before (a resend after a lost ack): ack again so the sender stops owing it.
      const persisted = ctx.inbox.persisted(from.nodeId)
      if (skip.upTo <= persisted) ack(persisted, true)
      return
    }
    if (admitted < skip.after) {
      throw new Refused(
        ErrorCode.OUT_OF_ORDER,
        `a Skip after ${skip.after}, but the last message received is ${admitted}`,
        { seq: skip.after + 1n, fatal: true },
      )
    }
    unpersisted++
    const durable = ctx.inbox.skip(from.nodeId, skip.upTo).then(
      () => {
        unpersisted--
        ctx.log.info(
          { from: from.nodeId, after: skip.after, upTo: skip.upTo },
          'sender skipped numbers after a restart',
        )
        ack(skip.upTo)
      },
      (err: Error) => {
        ctx.log.error({ err: err.message, from: from.nodeId }, 'could not persist a Skip')
        stream.abort(err)
      },
    )
    lastDurable = durable
  }

  // When this run of frames, handled without yielding, began; -1 once the event loop has had a
  // turn since, so the first frame after a pause starts a run instead of yielding at once.
  let sliceStart = -1
  const startSlice = () => {
    sliceStart = performance.now()
    setImmediate(() => {
      sliceStart = -1
    })
  }
  try {
    const self = ctx.self()
    try {
      if (self === undefined)
        throw new Refused(ErrorCode.NOT_READY, 'this node has no NodeID yet', { fatal: true })
      if (kind === 'session') {
        if (ctx.session === undefined) throw new Error('sessions are not configured')
        channel = await sessionResponder(stream, writer, self, ctx.session, remote, ctx.issuers)
      } else {
        channel = await helloResponder(stream, writer, self, remote, ctx.issuers)
      }
    } catch (err) {
      if (err instanceof Refused) await refuse(err)
      else if (err instanceof SessionError)
        ctx.refused('handshake', `${err.code}: ${err.message}`, remotePeer)
      else throw err
      return
    }
    peer = channel.peer
    ctx.learned(peer)
    for (;;) {
      let frame: Frame
      try {
        const next = await channel.frames.next()
        if (next.done === true) break
        // Frames that arrived together are handled in one macrotask; after ~1 ms of that, let
        // the event loop run so the group commit starts and acks go out while the rest is
        // verified: the sender can seal the next messages meanwhile instead of waiting.
        if (sliceStart < 0) startSlice()
        else if (performance.now() - sliceStart > 1) {
          await new Promise((resolve) => setImmediate(resolve))
          startSlice()
        }
        frame = decodeFrame(next.value)
        if (frame.skip !== undefined) {
          onSkip(frame.skip, peer)
          continue
        }
        if (frame.message === undefined) {
          const what = frame.hello !== undefined ? 'a second Hello' : 'an Ack or Refusal'
          throw new Refused(ErrorCode.BAD_FRAME, `expected a Message, got ${what}`)
        }
        await onMessage(frame.message, peer, self as SelfIdentity)
      } catch (err) {
        if (!(err instanceof Refused)) throw err
        await refuse(err)
        if (err.fatal) break
        if (refusals >= MAX_REFUSALS_PER_STREAM) {
          await refuse(
            new Refused(ErrorCode.BAD_FRAME, `${refusals} frames refused on this stream: closing it`, {
              fatal: true,
            }),
          )
          break
        }
      }
    }
  } catch (err) {
    if (err instanceof FrameTooLarge) {
      await refuse(
        new Refused(ErrorCode.TOO_LARGE, `frame over the size limit: ${err.message}`, { fatal: true }),
      )
    } else {
      ctx.log.debug({ err: (err as Error).message, peer: remotePeer }, 'inbound message stream ended')
    }
  } finally {
    // Let messages already admitted reach the disk and their ack go out before closing.
    await lastDurable
    await new Promise((resolve) => setImmediate(resolve))
    flush()
    await flushing
    await (channel ?? writer).idle()
    await stream.close().catch(() => stream.abort(new Error('close failed')))
    // A peer that keeps sending after we are done gets a reset once the Refusal had time to go.
    if (stream.status === 'open') setTimeout(() => stream.abort(new Error('stream refused')), 2000).unref()
  }
}
