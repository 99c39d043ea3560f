/**
 * A Channel carries messaging Frames between this node and one peer whose NodeID certificate
 * it has verified. Two kinds, one interface, so the Link (sender) and the inbound loop
 * (receiver) do not care which:
 *
 * - `/xlattice/msg/1.0.0` (plaintext): each side sends a Hello with its certificate, bound to
 *   the key libp2p's Noise proved for the connection; Frames then travel as they are.
 * - `/xlattice/session/1.0.0` (seed rows 0.0.6, 0.0.7): a Noise IK or XX handshake whose
 *   payloads carry the certificates (the static key must be the certified X25519 key, and the
 *   certificate's Ed25519 key the connection's), then every Frame is sealed under the session:
 *   Frames written together are length-prefixed, packed into as few transport frames as fit,
 *   and each transport frame is one ChaCha20-Poly1305 AEAD. A transport frame that does not
 *   open (tampered, replayed, unknown epoch) ends the stream: nothing on it can be trusted.
 *
 * See docs/protocols/messaging.md and docs/protocols/session.md.
 */
import type { Stream } from '@libp2p/interface'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { packFrames, unpackFrames } from '../p2p/frames.js'
import { CertificateError, verifyCertificate } from '../registry/certificate.js'
import { SignedCertificate } from '../registry/registry.pb.js'
import {
  type DhKey,
  initiate,
  MAX_FRAME_BYTES as MAX_TRANSPORT_BYTES,
  MAX_PLAINTEXT_BYTES,
  respond,
  type Session,
  SessionError,
} from '../session/index.js'
import { HELLO_TIMEOUT_MS, MAX_FRAME_BYTES } from './constants.js'
import { Refused } from './errors.js'
import { FrameWriter, readFrames } from './framing.js'
import { decodeFrame, helloFrame, type SelfIdentity, verifyHello } from './hello.js'
import { ErrorCode, Frame } from './messaging.pb.js'
import type { VerifiedPeer } from './sealer.js'

export interface Channel {
  readonly peer: VerifiedPeer
  /** True on a session stream: every frame is sealed end to end between the two nodes. */
  readonly encrypted: boolean
  /** Writes encoded Frames in order, in one stream send. */
  write(frames: Uint8Array[]): Promise<void>
  /** Writes one Frame object. */
  frame(frame: Frame): Promise<void>
  /** Resolves when every write asked for so far has been handed to the stream. */
  idle(): Promise<void>
  /** The peer's Frames (exact bytes) until the stream ends; throws Refused for a bad transport frame. */
  readonly frames: AsyncIterator<Uint8Array>
}

/** What the session kind needs beyond the plaintext one: this node's certified X25519 key. */
export interface SessionKeys {
  staticKey: DhKey
}

export interface ChannelPeer {
  /** The Ed25519 key libp2p's Noise proved for the connection. */
  remoteKey: Uint8Array | undefined
  remotePeer: string
}

/** Reads the next raw frame within the handshake deadline, or fails. */
async function nextWithin(
  frames: AsyncIterator<Uint8Array>,
  stream: Stream,
  what: string,
): Promise<Uint8Array> {
  const timer = setTimeout(() => stream.abort(new Error(`no ${what} in time`)), HELLO_TIMEOUT_MS)
  try {
    const next = await frames.next()
    if (next.done === true) throw new Error(`stream closed before the ${what}`)
    return next.value
  } finally {
    clearTimeout(timer)
  }
}

class PlainChannel implements Channel {
  readonly encrypted = false
  readonly peer: VerifiedPeer
  readonly frames: AsyncIterator<Uint8Array>
  readonly #writer: FrameWriter

  constructor(peer: VerifiedPeer, writer: FrameWriter, frames: AsyncIterator<Uint8Array>) {
    this.peer = peer
    this.#writer = writer
    this.frames = frames
  }

  write(frames: Uint8Array[]): Promise<void> {
    return this.#writer.write(frames)
  }

  frame(frame: Frame): Promise<void> {
    return this.#writer.frame(frame)
  }

  idle(): Promise<void> {
    return this.#writer.idle()
  }
}

/** Dialer side of /xlattice/msg/1.0.0: our Hello, then the responder's, checked. */
export async function helloInitiator(
  stream: Stream,
  self: SelfIdentity,
  remote: ChannelPeer,
  issuers: Uint8Array[],
): Promise<Channel> {
  const writer = new FrameWriter(stream)
  const frames = readFrames(stream)[Symbol.asyncIterator]()
  await writer.write([helloFrame(self)])
  const reply = decodeFrame(await nextWithin(frames, stream, 'Hello'))
  if (reply.refusal !== undefined) throw new Error(`refused: ${reply.refusal.code} ${reply.refusal.text}`)
  return new PlainChannel(
    verifyHello(reply.hello, remote.remoteKey, remote.remotePeer, issuers),
    writer,
    frames,
  )
}

/**
 * Responder side of /xlattice/msg/1.0.0: the dialer's Hello, checked, then ours. Throws
 * Refused (answered with a Refusal by the caller through `writer`) for a bad Hello.
 */
export async function helloResponder(
  stream: Stream,
  writer: FrameWriter,
  self: SelfIdentity,
  remote: ChannelPeer,
  issuers: Uint8Array[],
): Promise<Channel> {
  const frames = readFrames(stream)[Symbol.asyncIterator]()
  const frame = decodeFrame(await nextWithin(frames, stream, 'Hello'))
  const peer = verifyHello(frame.hello, remote.remoteKey, remote.remotePeer, issuers)
  await writer.write([helloFrame(self)])
  return new PlainChannel(peer, writer, frames)
}

class SessionChannel implements Channel {
  readonly encrypted = true
  readonly peer: VerifiedPeer
  readonly frames: AsyncIterator<Uint8Array>
  readonly #session: Session
  readonly #writer: FrameWriter

  constructor(peer: VerifiedPeer, session: Session, writer: FrameWriter, raw: AsyncIterator<Uint8Array>) {
    this.peer = peer
    this.#session = session
    this.#writer = writer
    this.frames = this.#open(raw)
  }

  write(frames: Uint8Array[]): Promise<void> {
    // Sealed now, in call order, so counters follow the order the writer sends them in.
    const now = Date.now()
    const sealed: Uint8Array[] = []
    let batch: Uint8Array[] = []
    let size = 0
    const flush = () => {
      if (batch.length > 0) sealed.push(this.#session.seal(packFrames(batch), now))
      batch = []
      size = 0
    }
    for (const f of frames) {
      const need = f.length + 5
      if (size + need > MAX_PLAINTEXT_BYTES) flush()
      batch.push(f)
      size += need
    }
    flush()
    return this.#writer.write(sealed)
  }

  frame(frame: Frame): Promise<void> {
    return this.write([Frame.encode(frame)])
  }

  idle(): Promise<void> {
    return this.#writer.idle()
  }

  async *#open(raw: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await raw.next()
      if (next.done === true) return
      let plaintext: Uint8Array
      let frames: Uint8Array[]
      try {
        plaintext = this.#session.open(next.value, Date.now())
        frames = unpackFrames(plaintext, MAX_FRAME_BYTES)
      } catch (err) {
        const why = err instanceof SessionError ? `${err.code}: ${err.message}` : (err as Error).message
        throw new Refused(ErrorCode.BAD_CIPHERTEXT, `transport frame refused (${why})`, { fatal: true })
      }
      // Empty frames carry nothing; the plaintext reader (LengthPrefixedDecoder) drops them too.
      for (const f of frames) if (f.length > 0) yield f
    }
  }
}

/**
 * The certificate check both sides of a session handshake run on the peer's payload: issued
 * by a trusted registry key and naming the connection's Ed25519 key (so a node cannot relay
 * another's certificate); the handshake then checks the X25519 key against the Noise static.
 */
function certificateVerifier(remote: ChannelPeer, issuers: Uint8Array[], out: { peer?: VerifiedPeer }) {
  return (bytes: Uint8Array) => {
    let cert: ReturnType<typeof verifyCertificate>
    try {
      cert = verifyCertificate(SignedCertificate.decode(bytes), issuers)
    } catch (err) {
      throw err instanceof CertificateError ? err : new CertificateError('certificate does not decode')
    }
    if (remote.remoteKey === undefined || !equalBytes(cert.sigPublicKey, remote.remoteKey)) {
      throw new CertificateError("the certificate's key is not this connection's key")
    }
    out.peer = {
      nodeId: toHex(cert.nodeId),
      nodeIdBytes: cert.nodeId,
      sigPublicKey: cert.sigPublicKey,
      commsPublicKey: cert.commsPublicKey,
      peerId: remote.remotePeer,
    }
    return { nodeId: cert.nodeId, commsPublicKey: cert.commsPublicKey }
  }
}

function handshakeConfig(self: SelfIdentity, keys: SessionKeys, remote: ChannelPeer, issuers: Uint8Array[]) {
  const out: { peer?: VerifiedPeer } = {}
  const config = {
    staticKey: keys.staticKey,
    certificate: SignedCertificate.encode(self.certificate),
    verify: certificateVerifier(remote, issuers, out),
  }
  return { config, out }
}

function verified(out: { peer?: VerifiedPeer }): VerifiedPeer {
  if (out.peer === undefined) throw new Error('handshake finished without a verified certificate')
  return out.peer
}

/**
 * Dialer side of /xlattice/session/1.0.0: IK when the peer's certified X25519 key is known
 * (one round trip), XX otherwise. The peer must be certified under `to`.
 */
export async function sessionInitiator(
  stream: Stream,
  self: SelfIdentity,
  keys: SessionKeys,
  remote: ChannelPeer & { to: string; remoteStatic?: Uint8Array },
  issuers: Uint8Array[],
): Promise<Channel> {
  const writer = new FrameWriter(stream)
  const raw = readFrames(stream, MAX_TRANSPORT_BYTES)[Symbol.asyncIterator]()
  const { config, out } = handshakeConfig(self, keys, remote, issuers)
  const { handshake, send } = initiate({
    ...config,
    remoteStatic: remote.remoteStatic,
    expectedNodeId: fromHex(remote.to),
  })
  await writer.write([send])
  for (;;) {
    const step = handshake.receive(await nextWithin(raw, stream, 'handshake reply'), Date.now())
    if (step.send !== undefined) await writer.write([step.send])
    if (step.established !== undefined) {
      return new SessionChannel(verified(out), step.established.session, writer, raw)
    }
  }
}

/** Responder side of /xlattice/session/1.0.0. Throws SessionError for a failed handshake. */
export async function sessionResponder(
  stream: Stream,
  writer: FrameWriter,
  self: SelfIdentity,
  keys: SessionKeys,
  remote: ChannelPeer,
  issuers: Uint8Array[],
): Promise<Channel> {
  const raw = readFrames(stream, MAX_TRANSPORT_BYTES)[Symbol.asyncIterator]()
  const { config, out } = handshakeConfig(self, keys, remote, issuers)
  let step = respond(config, await nextWithin(raw, stream, 'handshake'), Date.now())
  if (step.send !== undefined) await writer.write([step.send])
  while (step.established === undefined) {
    const next = step.handshake.receive(await nextWithin(raw, stream, 'handshake'), Date.now())
    if (next.send !== undefined) await writer.write([next.send])
    step = { ...next, handshake: step.handshake }
  }
  return new SessionChannel(verified(out), step.established.session, writer, raw)
}
