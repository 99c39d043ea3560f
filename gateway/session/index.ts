/**
 * /xlattice/session/1.0.0 cores (seed rows 0.0.6 and 0.0.7): the Noise handshake bound to
 * NodeID certificates, the transport session, and HPKE sealed messages. Pure: the driver
 * that runs them on libp2p streams and an outbox lives elsewhere.
 */
export {
  type CertificateVerifier,
  type CertifiedPeer,
  type Established,
  type HandshakeConfig,
  type HandshakeStep,
  type InitiateOptions,
  initiate,
  PendingHandshake,
  type PeerIdentity,
  respond,
} from './handshake.js'
export { DEFAULT_SESSION_LIMITS, Session, type SessionLimits } from './session.js'
export {
  DEFAULT_MAX_EPOCH_MESSAGES,
  DEFAULT_MAX_EPOCH_MS,
  DEFAULT_MAX_EPOCHS,
  DEFAULT_MAX_EPOCHS_PER_SENDER,
  type NodeOpenParams,
  type NodeSealParams,
  type OpenedMessage,
  open as openSealed,
  openForNode,
  type SealedBox,
  SealedReceiver,
  type SealedReceiverOptions,
  SealedSender,
  type SealedSenderOptions,
  type SealParams,
  seal as sealTo,
  sealedAad,
  sealedInfo,
  sealForNode,
} from './sealed.js'
export { DhKey } from './primitives.js'
export { benchSealed, benchSession, type SealedBenchResult, type SessionBenchResult } from './bench.js'
export * from './errors.js'
export { MAX_FRAME_BYTES, MAX_HANDSHAKE_BYTES, MAX_PLAINTEXT_BYTES, SESSION_PROTOCOL } from './constants.js'
export { decodeHandshakeMessage, decodeSealedMessage, decodeTransportFrame } from './codec.js'
