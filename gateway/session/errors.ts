/**
 * Named failures of /xlattice/session/1.0.0 and of sealed (HPKE) messages. Every input from the
 * wire that is refused ends in one of these, never in a bare TypeError or RangeError; the
 * driver maps `code` to a wire error or a log line at the edge.
 */
import { XLatticeError } from '../../lib/errors.js'

/** Base of every session error, so a driver can catch them all with one `instanceof`. */
export class SessionError extends XLatticeError {}

/** A handshake message is malformed, out of turn, fails to decrypt or carries a bad DH key. */
export class HandshakeError extends SessionError {
  constructor(message = 'handshake failed', options?: { cause?: unknown }) {
    super('ERR_SESSION_HANDSHAKE', message, options)
  }
}

/** The peer's certificate is missing, malformed or rejected by the verifier. */
export class BadCertificateError extends SessionError {
  constructor(message = 'bad certificate', options?: { cause?: unknown }) {
    super('ERR_SESSION_BAD_CERTIFICATE', message, options)
  }
}

/** The static key proved in the handshake is not the certified one, or the NodeID is not the expected one. */
export class WrongKeyError extends SessionError {
  constructor(message = 'static key does not match the certificate', options?: { cause?: unknown }) {
    super('ERR_SESSION_WRONG_KEY', message, options)
  }
}

/** A frame does not decode, exceeds a size bound, or belongs to another session. */
export class MalformedFrameError extends SessionError {
  constructor(message = 'malformed frame', options?: { cause?: unknown }) {
    super('ERR_SESSION_MALFORMED', message, options)
  }
}

/** AEAD authentication failed: the frame was altered, or was not sealed under this key. */
export class TamperedFrameError extends SessionError {
  constructor(message = 'frame failed authentication', options?: { cause?: unknown }) {
    super('ERR_SESSION_TAMPERED', message, options)
  }
}

/** The counter was already seen, or is older than the replay window. */
export class ReplayError extends SessionError {
  constructor(message = 'replayed frame', options?: { cause?: unknown }) {
    super('ERR_SESSION_REPLAY', message, options)
  }
}

/** The frame's epoch is too far ahead, or an old epoch whose grace period has ended. */
export class UnknownEpochError extends SessionError {
  constructor(message = 'unknown epoch', options?: { cause?: unknown }) {
    super('ERR_SESSION_UNKNOWN_EPOCH', message, options)
  }
}

/** A local limit: plaintext too large, or a nonce or epoch space exhausted. Never raised by wire input. */
export class SessionLimitError extends SessionError {
  constructor(message = 'session limit reached', options?: { cause?: unknown }) {
    super('ERR_SESSION_LIMIT', message, options)
  }
}

/** A sealed (HPKE) message does not open: wrong keys, altered bytes or wrong context. */
export class SealedOpenError extends SessionError {
  constructor(message = 'sealed message does not open', options?: { cause?: unknown }) {
    super('ERR_SEALED_OPEN', message, options)
  }
}
