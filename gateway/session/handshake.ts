/**
 * The session handshake of /xlattice/session/1.0.0 as a pure state machine: `initiate` and
 * `respond` produce the bytes to send; `receive` consumes the peer's next message. Each side
 * sends its NodeID certificate in its Noise payload; the caller's verifier checks it and
 * returns the certified X25519 key and NodeID, and the handshake aborts unless that key is
 * the static key the peer proved in Noise. No sockets, clocks or disk: `now` is passed in
 * and only stamps the new session's first epoch.
 *
 * IK when the initiator knows the responder's certified key (one round trip, initiator
 * identity hidden); XX otherwise (three messages).
 *
 * References: Noise Protocol Framework rev 34 §5.3, §7.5 (IK, XX), §7.8 (identity
 * hiding), §6 (prologue), §11.2 (channel binding via the handshake hash).
 */
import { equalBytes } from '../../lib/encoding.js'
import {
  decodeHandshakeMessage,
  decodeHandshakePayload,
  HandshakeMessage,
  HandshakePattern,
  HandshakePayload,
} from './codec.js'
import { SESSION_ID_BYTES, SESSION_PROLOGUE } from './constants.js'
import { BadCertificateError, HandshakeError, SessionError, WrongKeyError } from './errors.js'
import { HandshakeState, type Pattern } from './noise.js'
import type { DhKey } from './primitives.js'
import { Session, type SessionLimits } from './session.js'

/** What a verified certificate says: the NodeID and the X25519 key it certifies. */
export interface CertifiedPeer {
  nodeId: Uint8Array
  commsPublicKey: Uint8Array
}

/** Checks certificate bytes (signature, issuer, lengths); throws on any problem. */
export type CertificateVerifier = (certificate: Uint8Array) => CertifiedPeer

export interface HandshakeConfig {
  /** This node's certified X25519 key pair. */
  staticKey: DhKey
  /** This node's NodeID certificate, sent as is (an encoded SignedCertificate). */
  certificate: Uint8Array
  verify: CertificateVerifier
  limits?: Partial<SessionLimits>
  /** Ephemeral key generation; replaced only in tests. */
  generateEphemeral?: () => DhKey
}

export interface InitiateOptions extends HandshakeConfig {
  /** The responder's certified X25519 key, if known: selects IK. Absent: XX. */
  remoteStatic?: Uint8Array
  /** The NodeID being dialled: a peer certified under another NodeID is refused. */
  expectedNodeId?: Uint8Array
}

export interface PeerIdentity {
  nodeId: Uint8Array
  staticKey: Uint8Array
  certificate: Uint8Array
}

export interface Established {
  session: Session
  peer: PeerIdentity
  /** The Noise handshake hash: a channel binding both sides share. */
  handshakeHash: Uint8Array
}

/** The outcome of one handshake step: bytes to send, a finished session, or both. */
export interface HandshakeStep {
  send?: Uint8Array
  established?: Established
}

export class PendingHandshake {
  readonly #noise: HandshakeState
  readonly #config: HandshakeConfig
  readonly #expectedNodeId: Uint8Array | undefined
  #peer: PeerIdentity | undefined
  #step = 0
  #failed = false

  constructor(noise: HandshakeState, config: HandshakeConfig, expectedNodeId?: Uint8Array) {
    this.#noise = noise
    this.#config = config
    this.#expectedNodeId = expectedNodeId
  }

  get pattern(): Pattern {
    return this.#noise.pattern
  }

  get complete(): boolean {
    return this.#noise.complete
  }

  /** Consumes the peer's next HandshakeMessage; any failure aborts the handshake for good. */
  receive(bytes: Uint8Array, now: number): HandshakeStep {
    if (this.#failed) throw new HandshakeError('handshake already failed')
    try {
      const message = decodeHandshakeMessage(bytes)
      if (message.pattern !== this.#noise.pattern || message.step !== this.#step) {
        throw new HandshakeError('unexpected handshake message')
      }
      const payload = this.#noise.readMessage(message.noise)
      this.#step++
      if (this.#peerSpeaksNow()) this.#checkPeer(payload)
      if (this.#noise.complete) return { established: this.#establish(now) }
      const send = this.write()
      return this.#noise.complete ? { send, established: this.#establish(now) } : { send }
    } catch (err) {
      this.#failed = true
      throw asSessionError(err)
    }
  }

  /** Writes our next message when it is our turn (`initiate` uses it for message 1). */
  write(): Uint8Array {
    // Only XX's first message is written before any key exists; it carries no certificate.
    const payload = this.#step === 0 && this.#noise.pattern === 'XX' ? new Uint8Array(0) : this.#ourPayload()
    const noise = this.#noise.writeMessage(payload)
    const pattern = this.#noise.pattern === 'IK' ? HandshakePattern.IK : HandshakePattern.XX
    const bytes = HandshakeMessage.encode({ pattern, step: this.#step, noise })
    this.#step++
    return bytes
  }

  #ourPayload(): Uint8Array {
    return HandshakePayload.encode({ certificate: this.#config.certificate })
  }

  /** True when the message just read was the peer's certificate-bearing one. */
  #peerSpeaksNow(): boolean {
    // IK: step 0 (initiator's) and 1 (responder's) both carry certificates. XX: steps 1 and 2.
    return this.#noise.pattern === 'IK' || this.#step >= 2
  }

  #checkPeer(payloadBytes: Uint8Array): void {
    const { certificate } = decodeHandshakePayload(payloadBytes)
    let certified: CertifiedPeer
    try {
      certified = this.#config.verify(certificate)
    } catch (err) {
      throw new BadCertificateError('peer certificate rejected', { cause: err })
    }
    const staticKey = this.#noise.remoteStatic
    if (staticKey === undefined || !equalBytes(certified.commsPublicKey, staticKey)) {
      throw new WrongKeyError('peer static key is not the X25519 key its certificate certifies')
    }
    if (this.#expectedNodeId !== undefined && !equalBytes(certified.nodeId, this.#expectedNodeId)) {
      throw new WrongKeyError('peer is certified under another NodeID than the one dialled')
    }
    this.#peer = { nodeId: certified.nodeId, staticKey, certificate }
  }

  #establish(now: number): Established {
    if (this.#peer === undefined) throw new HandshakeError('peer never presented a certificate')
    const { c1, c2 } = this.#noise.split()
    const handshakeHash = this.#noise.handshakeHash
    const initiator = this.#noise.initiator
    const session = new Session(
      {
        id: handshakeHash.slice(0, SESSION_ID_BYTES),
        initiator,
        sendKey: initiator ? c1.key : c2.key,
        recvKey: initiator ? c2.key : c1.key,
      },
      now,
      this.#config.limits,
    )
    return { session, peer: this.#peer, handshakeHash }
  }
}

function asSessionError(err: unknown): SessionError {
  return err instanceof SessionError ? err : new HandshakeError('handshake failed', { cause: err })
}

/** Starts a handshake: IK when `remoteStatic` is given, XX otherwise. Returns the first message. */
export function initiate(opts: InitiateOptions): { handshake: PendingHandshake; send: Uint8Array } {
  try {
    const noise = new HandshakeState({
      pattern: opts.remoteStatic === undefined ? 'XX' : 'IK',
      initiator: true,
      prologue: SESSION_PROLOGUE,
      s: opts.staticKey,
      rs: opts.remoteStatic,
      generateEphemeral: opts.generateEphemeral,
    })
    const handshake = new PendingHandshake(noise, opts, opts.expectedNodeId)
    return { handshake, send: handshake.write() }
  } catch (err) {
    throw asSessionError(err)
  }
}

/**
 * Answers an initiator's first message. For IK the result is already established (and
 * carries the reply); for XX, feed the initiator's third message to `handshake.receive`.
 */
export function respond(
  config: HandshakeConfig,
  first: Uint8Array,
  now: number,
): HandshakeStep & { handshake: PendingHandshake } {
  let pattern: Pattern
  try {
    pattern = decodeHandshakeMessage(first).pattern === HandshakePattern.IK ? 'IK' : 'XX'
  } catch (err) {
    throw asSessionError(err)
  }
  const noise = new HandshakeState({
    pattern,
    initiator: false,
    prologue: SESSION_PROLOGUE,
    s: config.staticKey,
    generateEphemeral: config.generateEphemeral,
  })
  const handshake = new PendingHandshake(noise, config)
  return { handshake, ...handshake.receive(first, now) }
}
