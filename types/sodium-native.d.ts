// sodium-native (libsodium bindings, prebuilt) ships no type declarations. These cover the parts
// this project uses. Reference: https://sodium-friends.github.io/docs/docs/signing
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
    sodium_memzero(buf: Uint8Array): void
  }
  export default sodium
}
