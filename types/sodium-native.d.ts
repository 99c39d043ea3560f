// sodium-native (libsodium bindings, prebuilt) ships no type declarations. These cover the parts
// this project uses. Reference: https://sodium-friends.github.io/docs/docs/signing and
// https://sodium-friends.github.io/docs/docs/aead
declare module 'sodium-native' {
  const sodium: {
    crypto_sign_BYTES: number
    crypto_sign_PUBLICKEYBYTES: number
    crypto_sign_SECRETKEYBYTES: number
    crypto_sign_SEEDBYTES: number
    /** Fills pk (32) and sk (64: seed || pk) from a 32-byte seed (RFC 8032 §5.1.5). */
    crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
    /** Writes the 64-byte Ed25519 signature of message under sk into sig. */
    crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void
    /** Throws on wrong lengths; false for a signature that does not verify. */
    crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean
    crypto_aead_chacha20poly1305_ietf_ABYTES: number
    /** Seals m into c (m.length + 16 bytes: ciphertext, then tag); returns c's length. */
    crypto_aead_chacha20poly1305_ietf_encrypt(
      c: Uint8Array,
      m: Uint8Array,
      ad: Uint8Array | null,
      nsec: null,
      npub: Uint8Array,
      k: Uint8Array,
    ): number
    /** Opens c into m (c.length - 16 bytes; may be c itself); throws when the tag does not verify. */
    crypto_aead_chacha20poly1305_ietf_decrypt(
      m: Uint8Array,
      nsec: null,
      c: Uint8Array,
      ad: Uint8Array | null,
      npub: Uint8Array,
      k: Uint8Array,
    ): number
    sodium_memzero(buf: Uint8Array): void
  }
  export default sodium
}
