/**
 * Signature checks with a bounded cache of successes. Each precommit is checked once as a vote
 * and again inside the next block's certificate (and again by catch-up); the bytes are the
 * same canonical encoding both times, so the second check is a lookup. Our own signatures are
 * entered as we make them (a certificate usually carries our precommit). Only successes of
 * small messages are cached: the key holds the whole message, so a forged signature can never
 * be mistaken for a good one, and failures are not cached so junk cannot evict good entries.
 */
import { verifySignature } from '../../../lib/crypto.js'
import type { ConsensusSigner } from '../state.js'
import type { VerifyFn } from '../verify.js'

const MAX_ENTRIES = 16_384
const MAX_CACHED_BYTES = 512

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

export class VerifyCache {
  readonly #ok = new Set<string>()
  readonly #verify: VerifyFn

  constructor(verify: VerifyFn = verifySignature) {
    this.#verify = verify
  }

  readonly verify: VerifyFn = (tag, bytes, signature, publicKey) => {
    if (bytes.length > MAX_CACHED_BYTES) return this.#verify(tag, bytes, signature, publicKey)
    const key = `${tag}|${latin1(publicKey)}|${latin1(signature)}|${latin1(bytes)}`
    if (this.#ok.has(key)) return true
    if (!this.#verify(tag, bytes, signature, publicKey)) return false
    this.#remember(key)
    return true
  }

  /** A signer whose signatures are known good without checking them again. */
  signer(inner: ConsensusSigner): ConsensusSigner {
    return {
      publicKey: inner.publicKey,
      sign: (tag, bytes) => {
        const signature = inner.sign(tag, bytes)
        if (bytes.length <= MAX_CACHED_BYTES) {
          this.#remember(`${tag}|${latin1(inner.publicKey)}|${latin1(signature)}|${latin1(bytes)}`)
        }
        return signature
      },
    }
  }

  #remember(key: string): void {
    if (this.#ok.size >= MAX_ENTRIES) this.#ok.clear()
    this.#ok.add(key)
  }
}
