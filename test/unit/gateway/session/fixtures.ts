/** Helpers for the session specs: nodes with real NodeID certificates, established sessions. */
import { readFileSync } from 'node:fs'
import { ed25519Generate, randomBytes, Signer } from '../../../../lib/crypto.js'
import { issueCertificate, verifyCertificate } from '../../../../gateway/registry/certificate.js'
import { SignedCertificate } from '../../../../gateway/registry/registry.pb.js'
import {
  type CertificateVerifier,
  DhKey,
  type Established,
  type HandshakeConfig,
  initiate,
  respond,
  type Session,
  type SessionLimits,
} from '../../../../gateway/session/index.js'

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const toHexStr = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'))

/** The certificate issuer (the XLattice server) every test node trusts. */
export const issuer = new Signer(ed25519Generate())

/** The verifier a node would inject: signature by a trusted issuer, then the certified fields. */
export const verify: CertificateVerifier = (bytes) => {
  const cert = verifyCertificate(SignedCertificate.decode(bytes), [issuer.publicKey])
  return { nodeId: cert.nodeId, commsPublicKey: cert.commsPublicKey }
}

export interface TestNode extends HandshakeConfig {
  nodeId: Uint8Array
}

/**
 * A node with a fresh X25519 key and a certificate from `issuer`. `certifiedKey` puts another
 * key in the certificate (a node presenting someone else's certificate); `signer` another issuer.
 */
export function makeNode(
  opts: { certifiedKey?: Uint8Array; signer?: Signer; limits?: Partial<SessionLimits> } = {},
): TestNode {
  const staticKey = DhKey.generate()
  const nodeId = randomBytes(32)
  const signed = issueCertificate(opts.signer ?? issuer, {
    nodeId,
    sigPublicKey: ed25519Generate().publicKey,
    commsPublicKey: opts.certifiedKey ?? staticKey.publicKey,
    issuedAt: 1_700_000_000_000,
  })
  return { nodeId, staticKey, certificate: SignedCertificate.encode(signed), verify, limits: opts.limits }
}

export interface Pair {
  initiator: Established
  responder: Established
}

/** Runs a whole handshake in memory: IK when `ik`, XX otherwise. */
export function establish(a: TestNode, b: TestNode, ik: boolean, now = 0): Pair {
  const { handshake, send } = initiate({
    ...a,
    remoteStatic: ik ? b.staticKey.publicKey : undefined,
    expectedNodeId: b.nodeId,
  })
  const r = respond(b, send, now)
  const i = handshake.receive(r.send as Uint8Array, now)
  if (ik) return { initiator: i.established as Established, responder: r.established as Established }
  const done = r.handshake.receive(i.send as Uint8Array, now)
  return { initiator: i.established as Established, responder: done.established as Established }
}

/** Two ends of a fresh IK session, with the given limits on both sides. */
export function sessions(limits: Partial<SessionLimits> = {}, now = 0): { a: Session; b: Session } {
  const pair = establish(makeNode({ limits }), makeNode({ limits }), true, now)
  return { a: pair.initiator.session, b: pair.responder.session }
}
