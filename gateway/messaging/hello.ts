/**
 * The Hello exchange that opens every /xlattice/msg/1.0.0 stream: each side presents its
 * NodeID certificate. A certificate counts only if its issuer is trusted (the registry's key,
 * from the `/p2p/` part of `--registry`) and its signing key is the key libp2p's Noise
 * handshake proved for the connection, so a peer cannot present someone else's certificate,
 * and every envelope on the stream must come `from` the NodeID it proved.
 */
import { equalBytes, toHex } from '../../lib/encoding.js'
import { CertificateError, verifyCertificate } from '../registry/certificate.js'
import type { SignedCertificate } from '../registry/registry.pb.js'
import { PROTOCOL_VERSION } from './constants.js'
import { Refused } from './errors.js'
import { ErrorCode, Frame, type Hello } from './messaging.pb.js'
import type { VerifiedPeer } from './sealer.js'

/** This node as messaging sees it: known once it holds a verified certificate. */
export interface SelfIdentity {
  nodeId: string
  nodeIdBytes: Uint8Array
  certificate: SignedCertificate
}

export function helloFrame(self: SelfIdentity): Uint8Array {
  return Frame.encode({
    hello: {
      version: PROTOCOL_VERSION,
      certificate: self.certificate.certificate,
      certificateSignature: self.certificate.signature,
    },
  })
}

export function verifyHello(
  hello: Hello | undefined,
  remoteKey: Uint8Array | undefined,
  remotePeer: string,
  issuers: Uint8Array[],
): VerifiedPeer {
  if (hello === undefined) throw new Refused(ErrorCode.BAD_HELLO, 'expected a Hello first', { fatal: true })
  if (hello.version !== PROTOCOL_VERSION)
    throw new Refused(ErrorCode.BAD_HELLO, `unsupported version ${hello.version}`, { fatal: true })
  let cert: ReturnType<typeof verifyCertificate>
  try {
    cert = verifyCertificate(
      { certificate: hello.certificate, signature: hello.certificateSignature },
      issuers,
    )
  } catch (err) {
    const text = err instanceof CertificateError ? err.message : 'certificate does not verify'
    throw new Refused(ErrorCode.UNTRUSTED_CERTIFICATE, text, { fatal: true })
  }
  if (remoteKey === undefined || !equalBytes(cert.sigPublicKey, remoteKey)) {
    throw new Refused(ErrorCode.KEY_MISMATCH, "the certificate's key is not this connection's key", {
      fatal: true,
    })
  }
  return {
    nodeId: toHex(cert.nodeId),
    nodeIdBytes: cert.nodeId,
    sigPublicKey: cert.sigPublicKey,
    commsPublicKey: cert.commsPublicKey,
    peerId: remotePeer,
  }
}

/** Decodes a frame; Refused(BAD_FRAME) when it is not a Frame with exactly one field set. */
export function decodeFrame(raw: Uint8Array): Frame {
  let frame: Frame
  try {
    frame = Frame.decode(raw)
  } catch (err) {
    throw new Refused(ErrorCode.BAD_FRAME, `frame is malformed: ${(err as Error).message}`)
  }
  const fields = [frame.hello, frame.message, frame.ack, frame.refusal, frame.skip].filter(
    (f) => f !== undefined,
  )
  if (fields.length !== 1)
    throw new Refused(ErrorCode.BAD_FRAME, 'a frame holds exactly one of hello, message, ack, refusal, skip')
  return frame
}

/** A Skip over the numbers (after, upTo] a crashed sender may have spent (outbox.ts). */
export function skipFrame(after: bigint, upTo: bigint): Uint8Array {
  return Frame.encode({ skip: { after, upTo } })
}

/** A Frame holding an already encoded Message, without decoding and re-encoding it. */
export function messageFrame(message: Uint8Array): Uint8Array {
  let n = message.length
  const len: number[] = []
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  len.push(n)
  const out = new Uint8Array(1 + len.length + message.length)
  out[0] = 0x12 // field 2 (message), wire type 2 (length-delimited)
  out.set(len, 1)
  out.set(message, 1 + len.length)
  return out
}
