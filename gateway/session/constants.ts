/** Identifiers and size bounds of /xlattice/session/1.0.0 and sealed messages. See docs/protocols/session.md. */

export const SESSION_PROTOCOL = '/xlattice/session/1.0.0'
/** Noise prologue (Noise §6): both sides mix it into h, so a peer speaking anything else fails. */
export const SESSION_PROLOGUE = new TextEncoder().encode('xlattice/session/v1')
/** Domain tag at the head of every sealed message's HPKE info. */
export const SEALED_INFO_TAG = 'xlattice/sealed/v1'

export const SESSION_ID_BYTES = 8
export const NODE_ID_BYTES = 32
/** A certificate inside a handshake payload (an encoded SignedCertificate is ~200 bytes). */
export const MAX_CERTIFICATE_BYTES = 2048
/** One encoded HandshakeMessage. */
export const MAX_HANDSHAKE_BYTES = 4096
/** Plaintext of one transport frame or sealed message: Noise's 65535-byte message less the tag. */
export const MAX_PLAINTEXT_BYTES = 65535 - 16
/** One encoded TransportFrame or SealedMessage: the largest ciphertext plus header room. */
export const MAX_FRAME_BYTES = 65535 + 128
