/**
 * Bounded decoding of the session wire messages: a size check before protons sees the bytes,
 * field checks after, and every failure a MalformedFrameError (never a RangeError or a
 * protobuf library error), so arbitrary bytes from the network cannot crash a caller.
 */
import {
  MAX_CERTIFICATE_BYTES,
  MAX_FRAME_BYTES,
  MAX_HANDSHAKE_BYTES,
  NODE_ID_BYTES,
  SESSION_ID_BYTES,
} from './constants.js'
import { MalformedFrameError } from './errors.js'
import {
  HandshakeMessage,
  HandshakePattern,
  HandshakePayload,
  SealedMessage,
  TransportFrame,
} from './session.pb.js'

export { HandshakeMessage, HandshakePattern, HandshakePayload, SealedMessage, TransportFrame }

const TAG_BYTES = 16

function decodeBounded<T>(what: string, bytes: Uint8Array, max: number, decode: (b: Uint8Array) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new MalformedFrameError(`${what} is not bytes`)
  if (bytes.length > max) throw new MalformedFrameError(`${what} exceeds ${max} bytes`)
  try {
    return decode(bytes)
  } catch (err) {
    throw new MalformedFrameError(`${what} does not decode`, { cause: err })
  }
}

export function decodeHandshakeMessage(bytes: Uint8Array): HandshakeMessage {
  const m = decodeBounded('handshake message', bytes, MAX_HANDSHAKE_BYTES, HandshakeMessage.decode)
  if (m.pattern !== HandshakePattern.IK && m.pattern !== HandshakePattern.XX) {
    throw new MalformedFrameError('unknown handshake pattern')
  }
  return m
}

export function decodeHandshakePayload(bytes: Uint8Array): HandshakePayload {
  const p = decodeBounded('handshake payload', bytes, MAX_HANDSHAKE_BYTES, HandshakePayload.decode)
  if (p.certificate.length === 0 || p.certificate.length > MAX_CERTIFICATE_BYTES) {
    throw new MalformedFrameError('handshake payload certificate missing or too large')
  }
  return p
}

export function decodeTransportFrame(bytes: Uint8Array): TransportFrame {
  const f = decodeBounded('transport frame', bytes, MAX_FRAME_BYTES, TransportFrame.decode)
  if (f.sessionId.length !== SESSION_ID_BYTES) throw new MalformedFrameError('session id must be 8 bytes')
  if (f.ciphertext.length < TAG_BYTES) throw new MalformedFrameError('ciphertext shorter than its tag')
  return f
}

export function decodeSealedMessage(bytes: Uint8Array): SealedMessage {
  const m = decodeBounded('sealed message', bytes, MAX_FRAME_BYTES, SealedMessage.decode)
  if (m.senderNodeId.length !== NODE_ID_BYTES) throw new MalformedFrameError('sender NodeID must be 32 bytes')
  if (m.enc.length !== 32) throw new MalformedFrameError('encapsulated key must be 32 bytes')
  if (m.ct.length < TAG_BYTES) throw new MalformedFrameError('ciphertext shorter than its tag')
  return m
}
