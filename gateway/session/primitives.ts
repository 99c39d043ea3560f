/**
 * The crypto functions of Noise_*_25519_ChaChaPoly_SHA256 on node:crypto (native; the AEAD on
 * libsodium, lib/crypto.ts), plus the nonce encoding and REKEY that the session layer reuses for
 * its explicit-counter frames.
 *
 * Keys cross into node:crypto as JWK, not DER: on Node 20 / OpenSSL 3 here a DER import costs
 * 0.2-0.9 ms, a JWK import 16-72 µs, which is most of a handshake.
 *
 * References: Noise Protocol Framework rev 34 §4 (crypto functions), §4.3 (HKDF), §11.3
 * (Rekey), §12.1 (25519), §12.3 (ChaChaPoly nonce), §12.5 (SHA256); RFC 7748; RFC 8439.
 */
import { createHash, createHmac, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto'
import {
  CHACHAPOLY_TAG_LENGTH,
  chachaPolyOpen,
  chachaPolySeal,
  okpPrivateKey,
  randomBytes,
} from '../../lib/crypto.js'
import { HandshakeError } from './errors.js'

export const DHLEN = 32
export const HASHLEN = 32
export const KEYLEN = 32
export const TAGLEN = CHACHAPOLY_TAG_LENGTH
/** 2^64 - 1: reserved by Noise §5.1 for REKEY, never used to encrypt a message. */
export const MAX_NONCE = 0xffff_ffff_ffff_ffffn

const EMPTY = new Uint8Array(0)
const ZEROS32 = new Uint8Array(32)

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

function fromB64u(text: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(text ?? '', 'base64url'))
}

/** An X25519 key pair whose private half stays a native KeyObject (Noise §4.1 GENERATE_KEYPAIR, DH). */
export class DhKey {
  readonly publicKey: Uint8Array
  readonly #key: KeyObject

  private constructor(key: KeyObject) {
    this.#key = key
    // The public half is derived by OpenSSL from the private scalar, never taken on trust.
    this.publicKey = fromB64u(createPublicKey(key).export({ format: 'jwk' }).x)
  }

  /** 32 random bytes, not generateKeyPairSync (which can deadlock on Node 20: see lib/crypto.ts). */
  static generate(): DhKey {
    return DhKey.fromPrivate(randomBytes(DHLEN))
  }

  /** Imports a 32-byte X25519 private key (RFC 7748 §5; clamping is applied by X25519 itself). */
  static fromPrivate(privateKey: Uint8Array): DhKey {
    // The constructor reads back the public key OpenSSL derives (checked against @noble in the tests).
    return new DhKey(okpPrivateKey('X25519', privateKey))
  }

  /** The raw private scalar, for persistence and test vectors. */
  exportPrivate(): Uint8Array {
    return fromB64u(this.#key.export({ format: 'jwk' }).d)
  }

  /**
   * DH(key, public_key) of Noise §4.1. A low-order public key (all-zero shared secret) is
   * refused by OpenSSL; that and any malformed key become a HandshakeError.
   */
  dh(publicKey: Uint8Array): Uint8Array {
    if (publicKey.length !== DHLEN) throw new HandshakeError('X25519 public key must be 32 bytes')
    try {
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(publicKey) }, format: 'jwk' })
      return new Uint8Array(diffieHellman({ privateKey: this.#key, publicKey: peer }))
    } catch (err) {
      throw new HandshakeError('invalid X25519 public key', { cause: err })
    }
  }
}

export function hash(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** HKDF(chaining_key, input_key_material, num_outputs) exactly as Noise §4.3 defines it. */
export function hkdf(chainingKey: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const tempKey = hmac(chainingKey, ikm)
  const out1 = hmac(tempKey, Uint8Array.of(1))
  const out2 = hmac(tempKey, out1, Uint8Array.of(2))
  if (outputs === 2) return [out1, out2]
  return [out1, out2, hmac(tempKey, out2, Uint8Array.of(3))]
}

/** The 96-bit ChaChaPoly nonce of Noise §12.3: 32 zero bits, then the 64-bit counter little-endian. */
export function chachaNonce(n: bigint): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeBigUInt64LE(n, 4)
  return nonce
}

/** ENCRYPT(k, n, ad, plaintext) of Noise §4.2: ChaCha20-Poly1305 (RFC 8439), ciphertext || 16-byte tag. */
export function aeadEncrypt(key: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const sealed = chachaPolySeal(key, chachaNonce(n), ad, plaintext)
  return new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength)
}

/** DECRYPT(k, n, ad, ciphertext) of Noise §4.2; null (never a throw) when authentication fails. */
export function aeadDecrypt(
  key: Uint8Array,
  n: bigint,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  const body = chachaPolyOpen(key, chachaNonce(n), ad, ciphertext)
  return body === null ? null : new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
}

/** REKEY(k) of Noise §4.2 / §11.3: the first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, zeros). */
export function rekey(key: Uint8Array): Uint8Array {
  return aeadEncrypt(key, MAX_NONCE, EMPTY, ZEROS32).slice(0, KEYLEN)
}
