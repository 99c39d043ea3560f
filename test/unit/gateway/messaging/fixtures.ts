/** Registry-issued identities for messaging unit tests: an issuer and nodes with real certificates. */
import '../../../../lib/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import {
  ed25519Generate,
  randomBytes,
  Signer,
  type X25519Keys,
  x25519Generate,
} from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import type { SelfIdentity } from '../../../../gateway/messaging/hello.js'
import type { VerifiedPeer } from '../../../../gateway/messaging/sealer.js'
import { issueCertificate } from '../../../../gateway/registry/certificate.js'

export interface TestNode {
  privateKey: Ed25519PrivateKey
  signer: Signer
  /** The certified X25519 key pair (sessions and sealed messages). */
  comms: X25519Keys
  self: SelfIdentity
  peer: VerifiedPeer
}

export function issuer(): Signer {
  return new Signer(ed25519Generate())
}

export async function testNode(by: Signer): Promise<TestNode> {
  const privateKey = await generateKeyPair('Ed25519')
  const signer = new Signer({ seed: privateKey.raw.subarray(0, 32), publicKey: privateKey.publicKey.raw })
  const nodeId = randomBytes(32)
  const comms = x25519Generate()
  const certificate = issueCertificate(by, {
    nodeId,
    sigPublicKey: signer.publicKey,
    commsPublicKey: comms.publicKey,
    issuedAt: Date.now(),
  })
  return {
    privateKey,
    signer,
    comms,
    self: { nodeId: toHex(nodeId), nodeIdBytes: nodeId, certificate },
    peer: {
      nodeId: toHex(nodeId),
      nodeIdBytes: nodeId,
      sigPublicKey: signer.publicKey,
      commsPublicKey: comms.publicKey,
      peerId: '',
    },
  }
}
