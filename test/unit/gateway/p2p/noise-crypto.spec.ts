/**
 * Noise's ChaCha20-Poly1305 on libsodium (gateway/p2p/noise-crypto.ts) against the library's
 * own implementation: the same ciphertext for every size either of its paths takes, plaintext
 * opened in place as the library asks, and a damaged message refused, never opened.
 */
import assert from 'node:assert/strict'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { sodiumNoiseCrypto } from '../../../../gateway/p2p/noise-crypto.js'
import { rng } from '../../../helpers/rng.js'

type NoiseList = Parameters<typeof sodiumNoiseCrypto.chaCha20Poly1305Encrypt>[0]

/** A plain Uint8Array view (Buffers and Uint8Arrays never compare deep-equal). */
const u8 = (b: { subarray(): Uint8Array }) => {
  const a = b.subarray()
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

describe('Noise ChaCha20-Poly1305 on libsodium', () => {
  const r = rng(8439)
  // Both sides of the library's 1,200-byte switch, and a full 65,519-byte Noise message.
  const sizes = [0, 1, 15, 16, 17, 150, 1199, 1200, 1201, 4096, 65_519]

  it('seals exactly as the library does and opens what the library sealed', () => {
    for (const size of sizes) {
      const k = r.bytes(32)
      const nonce = r.bytes(12)
      const ad = r.bytes(size % 3 === 0 ? 0 : 32)
      const plaintext = r.bytes(size)
      const ours = u8(sodiumNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))
      const theirs = u8(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))
      assert.deepEqual(ours, theirs, `size ${size}`)
      const opened = u8(sodiumNoiseCrypto.chaCha20Poly1305Decrypt(theirs, nonce, ad, k))
      assert.deepEqual(opened, plaintext, `size ${size}`)
    }
  })

  it('takes lists as well as arrays', () => {
    const k = r.bytes(32)
    const nonce = r.bytes(12)
    const parts = [r.bytes(100), r.bytes(1), r.bytes(300)]
    // The library's copy of uint8arraylist is another version of the same class.
    const list = new Uint8ArrayList(...parts) as unknown as NoiseList
    const sealed = sodiumNoiseCrypto.chaCha20Poly1305Encrypt(list, nonce, new Uint8Array(0), k).subarray()
    const opened = sodiumNoiseCrypto.chaCha20Poly1305Decrypt(
      new Uint8ArrayList(sealed.subarray(0, 7), sealed.subarray(7)) as unknown as NoiseList,
      nonce,
      new Uint8Array(0),
      k,
    )
    assert.deepEqual(u8(opened), u8(list))
  })

  it('opens in place into the dst the library passes', () => {
    const k = r.bytes(32)
    const nonce = r.bytes(12)
    const plaintext = r.bytes(500)
    const sealed = Uint8Array.from(
      defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, new Uint8Array(0), k).subarray(),
    )
    const dst = sealed.subarray(0, sealed.length - 16)
    const opened = sodiumNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, new Uint8Array(0), k, dst)
    assert.deepEqual(u8(opened), plaintext)
    assert.equal(opened.subarray().buffer, sealed.buffer, 'the plaintext is written over the ciphertext')
  })

  it('refuses a damaged message, a wrong key, nonce or ad, and one shorter than its tag', () => {
    const k = r.bytes(32)
    const nonce = r.bytes(12)
    const ad = r.bytes(32)
    const plaintext = r.bytes(200)
    const sealed = sodiumNoiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k).subarray()
    const flipped = (bytes: Uint8Array, i: number) => {
      const c = Uint8Array.from(bytes)
      c[i] ^= 1
      return c
    }
    const open =
      (c: Uint8Array, kk = k, nn = nonce, aa = ad) =>
      () =>
        sodiumNoiseCrypto.chaCha20Poly1305Decrypt(c, nn, aa, kk)
    const invalid = /Invalid chacha20poly1305 decryption/
    for (let i = 0; i < sealed.length; i += 37) assert.throws(open(flipped(sealed, i)), invalid, `byte ${i}`)
    assert.throws(open(flipped(sealed, sealed.length - 1)), invalid)
    assert.throws(open(sealed, flipped(k, 0)), invalid)
    assert.throws(open(sealed, k, flipped(nonce, 11)), invalid)
    assert.throws(open(sealed, k, nonce, flipped(ad, 5)), invalid)
    assert.throws(open(sealed.subarray(0, 15)), invalid)
  })
})
