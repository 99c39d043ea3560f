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
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'

// Keys are imported as JWK, never DER: with Node 20's OpenSSL 3 the DER decoder costs ~10x a
// JWK import (measured here: public key 330 µs vs 30 µs, private key 1.3 ms vs 0.11 ms), which
// would dominate every verification against a key seen for the first time.
const b64u = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
const raw = (text: string | undefined) => new Uint8Array(Buffer.from(text ?? '', 'base64url'))

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

type OkpCurve = 'Ed25519' | 'X25519'

/**
 * A private KeyObject from its raw 32 bytes. JWK wants an `x`, but Node builds OKP private keys
 * from `d` alone (EVP_PKEY_new_raw_private_key) and ignores `x`; the public half is always the
 * one OpenSSL derives from `d`, never one taken on trust.
 */
export function okpPrivateKey(crv: OkpCurve, d: Uint8Array): KeyObject {
  if (d.length !== KEY_LENGTH) throw new RangeError(`${crv} private key must be ${KEY_LENGTH} bytes`)
  const text = b64u(d)
  return createPrivateKey({ key: { kty: 'OKP', crv, d: text, x: text }, format: 'jwk' })
}

function okpPublicOf(crv: OkpCurve, d: Uint8Array): Uint8Array {
  return raw(createPublicKey(okpPrivateKey(crv, d)).export({ format: 'jwk' }).x)
}

/**
 * Fresh keys are 32 random bytes (RFC 8032 §5.1.5 seed, RFC 7748 §5 scalar), never
 * generateKeyPairSync: on Node 20 a KeyObject from generateKeyPairSync shares its mutex with
 * the KeyGenJob that made it, and when a garbage collection inside that key's export() runs the
 * job's destructor, the destructor waits on the mutex export() holds: the process hangs for
 * good (seen here, in one run of the session fuzz out of a few; gdb showed
 * ~KeyGenJob -> uv_mutex_lock under KeyObjectHandle::ExportJWK).
 */
function freshOkp(crv: OkpCurve): { d: Uint8Array; x: Uint8Array } {
  const d = randomBytes(KEY_LENGTH)
  return { d, x: okpPublicOf(crv, d) }
}

/** Bounded cache of public KeyObjects: verifying against a known key skips the import. */
const publicKeyCache = new Map<string, KeyObject>()
function edPublicKey(publicKey: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(publicKey).toString('base64')
  let key = publicKeyCache.get(cacheKey)
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) }, format: 'jwk' })
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
  const { d, x } = freshOkp('Ed25519')
  return { seed: d, publicKey: x }
}

export function ed25519FromSeed(seed: Uint8Array): Ed25519Keys {
  return { seed, publicKey: okpPublicOf('Ed25519', seed) }
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
    this.#key = okpPrivateKey('Ed25519', keys.seed)
  }

  sign(tag: string, bytes: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, domainMessage(tag, bytes), this.#key))
  }

  /** sign on libuv's threadpool: the same signature, with the event loop free meanwhile. */
  signAsync(tag: string, bytes: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      nodeSign(null, domainMessage(tag, bytes), this.#key, (err, sig) =>
        err === null ? resolve(new Uint8Array(sig)) : reject(err),
      )
    })
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

/**
 * verifySignature on libuv's threadpool (node:crypto's callback form): the Ed25519 check, the
 * bulk of a verification, runs off the event loop, so a server verifying many signatures from
 * keys it has never seen (the registry's RegisterNode) keeps its main thread for the protocol.
 * The key import stays on the caller's thread. Resolves false for any malformed input.
 */
export function verifySignatureAsync(
  tag: string,
  bytes: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
    return Promise.resolve(false)
  }
  return new Promise((resolve) => {
    try {
      nodeVerify(null, domainMessage(tag, bytes), edPublicKey(publicKey), signature, (err, ok) =>
        resolve(err === null && ok),
      )
    } catch {
      resolve(false)
    }
  })
}

export interface X25519Keys {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export function x25519Generate(): X25519Keys {
  const { d, x } = freshOkp('X25519')
  return { privateKey: d, publicKey: x }
}

/** Derives the public half of a stored private key. */
export function x25519FromPrivate(privateKey: Uint8Array): X25519Keys {
  return { privateKey, publicKey: okpPublicOf('X25519', privateKey) }
}

/** X25519(own private, peer public). */
export function x25519SharedSecret(own: X25519Keys | Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  const privateKey = okpPrivateKey('X25519', own instanceof Uint8Array ? own : own.privateKey)
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: b64u(peerPublicKey) },
    format: 'jwk',
  })
  return new Uint8Array(diffieHellman({ privateKey, publicKey }))
}
