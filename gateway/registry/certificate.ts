/**
 * NodeID certificates and signed neighbour lists: issued by the server (a cluster later),
 * verified by anyone holding the issuer's key. Verification works on the exact bytes
 * received and returns the decoded contents only after the signature checks.
 */
import { type Signer, verifySignature } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import { NeighbourList, NodeCertificate, type SignedCertificate } from './registry.pb.js'
import { TAG_NEIGHBOURS, TAG_NODE_CERT } from './tags.js'

export interface CertificateFields {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  issuedAt: number
}

function certificateBytes(issuer: Signer, fields: CertificateFields): Uint8Array {
  return NodeCertificate.encode({
    nodeId: fields.nodeId,
    sigPublicKey: fields.sigPublicKey,
    commsPublicKey: fields.commsPublicKey,
    issuer: issuer.publicKey,
    issuedAt: BigInt(fields.issuedAt),
  })
}

export function issueCertificate(issuer: Signer, fields: CertificateFields): SignedCertificate {
  const certificate = certificateBytes(issuer, fields)
  return { certificate, signature: issuer.sign(TAG_NODE_CERT, certificate) }
}

export class CertificateError extends Error {
  override name = 'CertificateError'
}

/** Checks a certificate against the trusted issuer key(s); returns the decoded certificate. */
export function verifyCertificate(signed: SignedCertificate, trustedIssuers: Uint8Array[]): NodeCertificate {
  let cert: NodeCertificate
  try {
    cert = NodeCertificate.decode(signed.certificate)
  } catch (err) {
    throw new CertificateError(`certificate is malformed: ${(err as Error).message}`)
  }
  if (!trustedIssuers.some((k) => equalBytes(k, cert.issuer))) {
    throw new CertificateError('certificate issuer is not trusted')
  }
  if (!verifySignature(TAG_NODE_CERT, signed.certificate, signed.signature, cert.issuer)) {
    throw new CertificateError('certificate signature does not verify')
  }
  if (cert.nodeId.length !== 32 || cert.sigPublicKey.length !== 32 || cert.commsPublicKey.length !== 32) {
    throw new CertificateError('certificate fields have wrong lengths')
  }
  return cert
}

export function verifyNeighbourList(
  body: Uint8Array,
  signature: Uint8Array,
  issuer: Uint8Array,
): NeighbourList {
  if (!verifySignature(TAG_NEIGHBOURS, body, signature, issuer)) {
    throw new CertificateError('neighbour list signature does not verify')
  }
  return NeighbourList.decode(body, { limits: { neighbours: 64 } })
}
