/**
 * Ed25519 signatures on libsodium (sodium-native, prebuilt), hashes, X25519 and randomness on
 * node:crypto. libsodium here: verify 64 us, sign 19 us; node:crypto (OpenSSL 3) 114-122 us and
 * 37 us, against keys seen for the first time too (no key import). Verification dominates the
 * registry, consensus and cluster registrations, so this is the faster of the two natives.
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
  type KeyObject,
} from 'node:crypto'
import sodium from 'sodium-native'

/** A Buffer over the same bytes (no copy), for node:crypto and libsodium. */
const nativeView = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

// Keys are imported as JWK, never DER: with Node 20's OpenSSL 3 the DER decoder costs ~10x a
// JWK import (measured here: public key 330 µs vs 30 µs, private key 1.3 ms vs 0.11 ms), which
// would dominate every verification against a key seen for the first time.
const b64u = (bytes: Uint8Array) => nativeView(bytes).toString('base64url')
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

/** A signer that keeps libsodium's secret key (seed || public key); signs `tag || 0x00 || bytes`. */
export class Signer {
  readonly publicKey: Uint8Array
  readonly #secret: Uint8Array

  constructor(keys: Ed25519Keys) {
    if (keys.seed.length !== KEY_LENGTH) throw new RangeError(`Ed25519 seed must be ${KEY_LENGTH} bytes`)
    const derived = new Uint8Array(KEY_LENGTH)
    this.#secret = new Uint8Array(sodium.crypto_sign_SECRETKEYBYTES)
    sodium.crypto_sign_seed_keypair(derived, this.#secret, keys.seed)
    // Signing uses the public half derived from the seed, never one taken on trust.
    this.publicKey = keys.publicKey
  }

  sign(tag: string, bytes: Uint8Array): Uint8Array {
    const signature = new Uint8Array(ED25519_SIGNATURE_LENGTH)
    sodium.crypto_sign_detached(signature, domainMessage(tag, bytes), this.#secret)
    return signature
  }
}

/**
 * Verifies a domain-separated signature; false (never a throw) for any malformed input.
 * libsodium also refuses non-canonical encodings and small-order keys and R (a strict
 * verifier): every node runs this same check, so they agree on what verifies.
 */
export function verifySignature(
  tag: string,
  bytes: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (publicKey.length !== KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false
  try {
    return sodium.crypto_sign_verify_detached(signature, domainMessage(tag, bytes), publicKey)
  } catch {
    return false
  }
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

export const CHACHAPOLY_TAG_LENGTH = 16

/**
 * ChaCha20-Poly1305 (RFC 8439: 32-byte key, 12-byte nonce, ciphertext || 16-byte tag) on
 * libsodium. One native call, where node:crypto builds a cipher object per message: 0.95 us
 * against 5.2 for 150 bytes here, 1.6 against 7.1 for 1,100, 10.5 against 12.4 for 16,000.
 * Used by Noise on libp2p (gateway/p2p/noise-crypto.ts) and by the session layer, for every
 * message between nodes.
 */
export function chachaPolySeal(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const out = Buffer.allocUnsafe(plaintext.byteLength + CHACHAPOLY_TAG_LENGTH)
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
    out,
    nativeView(plaintext),
    nativeView(ad),
    null,
    nativeView(nonce),
    nativeView(key),
  )
  return out
}

/**
 * Opens what chachaPolySeal sealed; null (never a throw) when it does not authenticate. With
 * `dst` (ciphertext's length less the tag, possibly the ciphertext's own bytes: libsodium checks
 * the tag before it writes, and allows the two to coincide) the plaintext is written there.
 */
export function chachaPolyOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  ciphertext: Uint8Array,
  dst?: Uint8Array,
): Buffer | null {
  const length = ciphertext.byteLength - CHACHAPOLY_TAG_LENGTH
  if (length < 0 || key.byteLength !== 32 || nonce.byteLength !== 12) return null
  const out = dst !== undefined && dst.byteLength === length ? nativeView(dst) : Buffer.allocUnsafe(length)
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
      out,
      null,
      nativeView(ciphertext),
      nativeView(ad),
      nativeView(nonce),
      nativeView(key),
    )
  } catch {
    return null
  }
  return out
}
