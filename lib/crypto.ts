/**
 * Signatures and hashes on node:crypto (native; ~10x faster than pure JS here).
 *
 * Every signature is domain-separated: sign(tag || 0x00 || bytes), with tags such as
 * `xlattice/reg/v1`, over the exact bytes sent. Verifiers check the bytes they received
 * and never re-encode first.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

export const ED25519_SIGNATURE_LENGTH = 64
export const KEY_LENGTH = 32

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n))
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function sha512(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(bytes).digest())
}

function edPrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== KEY_LENGTH) throw new RangeError('Ed25519 seed must be 32 bytes')
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

/** Bounded cache of public KeyObjects: verifying against a known key skips the DER import. */
const publicKeyCache = new Map<string, KeyObject>()
function edPublicKey(publicKey: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(publicKey).toString('base64')
  let key = publicKeyCache.get(cacheKey)
  if (key === undefined) {
    key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    })
    if (publicKeyCache.size >= 4096) publicKeyCache.clear()
    publicKeyCache.set(cacheKey, key)
  }
  return key
}

export interface Ed25519Keys {
  seed: Uint8Array
  publicKey: Uint8Array
}

export function ed25519Generate(): Ed25519Keys {
  return ed25519FromSeed(randomBytes(KEY_LENGTH))
}

export function ed25519FromSeed(seed: Uint8Array): Ed25519Keys {
  const pub = createPublicKey(edPrivateKey(seed)).export({ format: 'der', type: 'spki' })
  return { seed, publicKey: new Uint8Array(pub.subarray(ED25519_SPKI_PREFIX.length)) }
}

function domainMessage(tag: string, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(tag, 'utf8'), Buffer.from([0]), bytes])
}

/** A signer that keeps its private KeyObject; signs `tag || 0x00 || bytes`. */
export class Signer {
  readonly publicKey: Uint8Array
  readonly #key: KeyObject

  constructor(keys: Ed25519Keys) {
    this.publicKey = keys.publicKey
    this.#key = edPrivateKey(keys.seed)
  }

  sign(tag: string, bytes: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, domainMessage(tag, bytes), this.#key))
  }
}

/** Verifies a domain-separated signature; false (never a throw) for any malformed input. */
export function verifySignature(
  tag: string,
  bytes: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (publicKey.length !== KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false
  try {
    return nodeVerify(null, domainMessage(tag, bytes), edPublicKey(publicKey), signature)
  } catch {
    return false
  }
}

export interface X25519Keys {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export function x25519Generate(): X25519Keys {
  const { privateKey } = generateKeyPairSync('x25519')
  const der = privateKey.export({ format: 'der', type: 'pkcs8' })
  return x25519FromPrivate(new Uint8Array(der.subarray(X25519_PKCS8_PREFIX.length)))
}

function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  if (privateKey.length !== KEY_LENGTH) throw new RangeError('X25519 private key must be 32 bytes')
  return createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]),
    format: 'der',
    type: 'pkcs8',
  })
}

export function x25519FromPrivate(privateKey: Uint8Array): X25519Keys {
  const pub = createPublicKey(x25519PrivateKeyObject(privateKey)).export({ format: 'der', type: 'spki' })
  return { privateKey, publicKey: new Uint8Array(pub.subarray(X25519_SPKI_PREFIX.length)) }
}

export function x25519SharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({
    key: Buffer.concat([X25519_SPKI_PREFIX, peerPublicKey]),
    format: 'der',
    type: 'spki',
  })
  return new Uint8Array(diffieHellman({ privateKey: x25519PrivateKeyObject(privateKey), publicKey }))
}
