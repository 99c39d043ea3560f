/**
 * Noise_IK_25519_ChaChaPoly_SHA256 and Noise_XX_25519_ChaChaPoly_SHA256: CipherState,
 * SymmetricState and HandshakeState as pure objects (no I/O, no clock). The only randomness,
 * ephemeral key generation, is injectable so the Cacophony test vectors can be replayed.
 *
 * `noise-handshake` (Hypercore) was the first choice, but it hard-wires BLAKE2b and
 * sodium-universal; this is the SHA-256 suite the design asks for, checked against the
 * Cacophony vectors and, primitive by primitive, against @noble.
 *
 * References: Noise Protocol Framework rev 34 §5 (processing rules), §7.5 (IK, XX),
 * §8 (protocol names), §3 (65535-byte message limit).
 */
import { concatBytes } from '../../lib/encoding.js'
import { HandshakeError, SessionLimitError, TamperedFrameError } from './errors.js'
import {
  aeadDecrypt,
  aeadEncrypt,
  DHLEN,
  DhKey,
  HASHLEN,
  hash,
  hkdf,
  MAX_NONCE,
  rekey,
  TAGLEN,
} from './primitives.js'

/** Noise §3: no message, handshake or transport, may exceed 65535 bytes. */
export const MAX_NOISE_MESSAGE = 65535

export type Pattern = 'IK' | 'XX'
type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss'

/** Noise §7.5 (IK with its `<- s` pre-message, XX). The initiator writes the even messages. */
const PATTERNS: Record<Pattern, { responderPreS: boolean; messages: Token[][] }> = {
  IK: {
    responderPreS: true,
    messages: [
      ['e', 'es', 's', 'ss'],
      ['e', 'ee', 'se'],
    ],
  },
  XX: { responderPreS: false, messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']] },
}

export function protocolName(pattern: Pattern): string {
  return `Noise_${pattern}_25519_ChaChaPoly_SHA256`
}

/** Noise §5.1. */
export class CipherState {
  #k: Uint8Array | undefined
  #n = 0n

  constructor(key?: Uint8Array) {
    this.#k = key
  }

  initializeKey(key: Uint8Array | undefined): void {
    this.#k = key
    this.#n = 0n
  }

  hasKey(): boolean {
    return this.#k !== undefined
  }

  /** The raw key after Split(), for the session layer's explicit-counter frames. */
  get key(): Uint8Array {
    if (this.#k === undefined) throw new SessionLimitError('cipher state has no key')
    return this.#k
  }

  setNonce(n: bigint): void {
    this.#n = n
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return plaintext
    if (this.#n >= MAX_NONCE) throw new SessionLimitError('nonce space exhausted')
    const ct = aeadEncrypt(this.#k, this.#n, ad, plaintext)
    this.#n++
    return ct
  }

  /** Noise §5.1: on failure the nonce is not incremented; here that is a TamperedFrameError. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return ciphertext
    if (this.#n >= MAX_NONCE) throw new SessionLimitError('nonce space exhausted')
    const pt = aeadDecrypt(this.#k, this.#n, ad, ciphertext)
    if (pt === null) throw new TamperedFrameError()
    this.#n++
    return pt
  }

  rekey(): void {
    this.#k = rekey(this.key)
  }
}

/** Noise §5.2. HASHLEN is 32, so the protocol name (< 32 bytes) is zero-padded, not hashed. */
export class SymmetricState {
  readonly cs = new CipherState()
  #ck: Uint8Array
  #h: Uint8Array

  constructor(name: string) {
    const bytes = new TextEncoder().encode(name)
    this.#h =
      bytes.length <= HASHLEN ? concatBytes(bytes, new Uint8Array(HASHLEN - bytes.length)) : hash(bytes)
    this.#ck = this.#h
  }

  get handshakeHash(): Uint8Array {
    return this.#h
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.#ck, ikm, 2)
    this.#ck = ck
    this.cs.initializeKey(tempK)
  }

  mixHash(data: Uint8Array): void {
    this.#h = hash(this.#h, data)
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cs.encryptWithAd(this.#h, plaintext)
    this.mixHash(ct)
    return ct
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cs.decryptWithAd(this.#h, ciphertext)
    this.mixHash(ciphertext)
    return pt
  }

  /** Split(): c1 carries initiator-to-responder traffic, c2 the other direction. */
  split(): { c1: CipherState; c2: CipherState } {
    const [k1, k2] = hkdf(this.#ck, new Uint8Array(0), 2)
    return { c1: new CipherState(k1), c2: new CipherState(k2) }
  }
}

export interface HandshakeStateOptions {
  pattern: Pattern
  initiator: boolean
  prologue: Uint8Array
  /** The local static key pair. */
  s: DhKey
  /** The responder's static public key, known in advance (IK initiator only). */
  rs?: Uint8Array
  /** Ephemeral key generation; replaced only to replay test vectors. */
  generateEphemeral?: () => DhKey
}

/** Noise §5.3: one side of one IK or XX handshake. Any failure leaves it permanently failed. */
export class HandshakeState {
  readonly pattern: Pattern
  readonly initiator: boolean
  readonly #ss: SymmetricState
  readonly #s: DhKey
  readonly #generate: () => DhKey
  #e: DhKey | undefined
  #rs: Uint8Array | undefined
  #re: Uint8Array | undefined
  #index = 0
  #failed = false

  constructor(opts: HandshakeStateOptions) {
    const def = PATTERNS[opts.pattern]
    if (def === undefined) throw new HandshakeError(`unsupported pattern ${String(opts.pattern)}`)
    if (opts.pattern === 'IK' && opts.initiator && opts.rs === undefined) {
      throw new HandshakeError('IK initiator needs the responder static key')
    }
    this.pattern = opts.pattern
    this.initiator = opts.initiator
    this.#s = opts.s
    this.#rs = opts.initiator ? opts.rs : undefined
    this.#generate = opts.generateEphemeral ?? DhKey.generate
    this.#ss = new SymmetricState(protocolName(opts.pattern))
    this.#ss.mixHash(opts.prologue)
    if (def.responderPreS) this.#ss.mixHash(opts.initiator ? (this.#rs as Uint8Array) : this.#s.publicKey)
  }

  /** True once every handshake message has been written or read. */
  get complete(): boolean {
    return this.#index === PATTERNS[this.pattern].messages.length
  }

  /** True when the next message is ours to write. */
  get myTurn(): boolean {
    return !this.complete && this.#index % 2 === (this.initiator ? 0 : 1)
  }

  get remoteStatic(): Uint8Array | undefined {
    return this.#rs
  }

  get handshakeHash(): Uint8Array {
    return this.#ss.handshakeHash
  }

  /** WriteMessage(payload, message_buffer) of Noise §5.3. */
  writeMessage(payload: Uint8Array): Uint8Array {
    this.#checkUsable(true)
    const parts: Uint8Array[] = []
    try {
      for (const token of PATTERNS[this.pattern].messages[this.#index]) {
        if (token === 'e') {
          this.#e = this.#generate()
          parts.push(this.#e.publicKey)
          this.#ss.mixHash(this.#e.publicKey)
        } else if (token === 's') {
          parts.push(this.#ss.encryptAndHash(this.#s.publicKey))
        } else {
          this.#ss.mixKey(this.#dh(token))
        }
      }
      parts.push(this.#ss.encryptAndHash(payload))
    } catch (err) {
      throw this.#fail(err)
    }
    const message = concatBytes(...parts)
    if (message.length > MAX_NOISE_MESSAGE)
      throw this.#fail(new HandshakeError('handshake message too large'))
    this.#index++
    return message
  }

  /** ReadMessage(message, payload_buffer) of Noise §5.3; returns the decrypted payload. */
  readMessage(message: Uint8Array): Uint8Array {
    this.#checkUsable(false)
    if (message.length > MAX_NOISE_MESSAGE)
      throw this.#fail(new HandshakeError('handshake message too large'))
    let offset = 0
    const take = (n: number): Uint8Array => {
      if (offset + n > message.length) throw new HandshakeError('handshake message truncated')
      const part = message.subarray(offset, offset + n)
      offset += n
      return part
    }
    try {
      for (const token of PATTERNS[this.pattern].messages[this.#index]) {
        if (token === 'e') {
          this.#re = take(DHLEN).slice()
          this.#ss.mixHash(this.#re)
        } else if (token === 's') {
          this.#rs = this.#ss.decryptAndHash(take(this.#ss.cs.hasKey() ? DHLEN + TAGLEN : DHLEN)).slice()
        } else {
          this.#ss.mixKey(this.#dh(token))
        }
      }
      if (this.#ss.cs.hasKey() && message.length - offset < TAGLEN)
        throw new HandshakeError('payload truncated')
      const payload = this.#ss.decryptAndHash(message.subarray(offset))
      this.#index++
      return payload
    } catch (err) {
      throw this.#fail(err)
    }
  }

  /** Split() once the handshake is complete. */
  split(): { c1: CipherState; c2: CipherState } {
    if (!this.complete || this.#failed) throw new HandshakeError('handshake is not complete')
    return this.#ss.split()
  }

  /** The DH tokens of §5.3: ee, es, se, ss with the initiator/responder asymmetry of es and se. */
  #dh(token: Token): Uint8Array {
    const need = <T>(v: T | undefined): T => {
      if (v === undefined) throw new HandshakeError(`key missing for ${token}`)
      return v
    }
    const local = (which: 'e' | 's'): DhKey => (which === 'e' ? need(this.#e) : this.#s)
    const remote = (which: 'e' | 's'): Uint8Array => need(which === 'e' ? this.#re : this.#rs)
    const [ini, res] = [token[0] as 'e' | 's', token[1] as 'e' | 's']
    return this.initiator ? local(ini).dh(remote(res)) : local(res).dh(remote(ini))
  }

  #checkUsable(writing: boolean): void {
    if (this.#failed) throw new HandshakeError('handshake already failed')
    if (this.complete) throw new HandshakeError('handshake already complete')
    if (this.myTurn !== writing)
      throw new HandshakeError(writing ? 'not our turn to write' : 'not our turn to read')
  }

  #fail(err: unknown): HandshakeError {
    this.#failed = true
    if (err instanceof HandshakeError) return err
    const reason =
      err instanceof TamperedFrameError ? 'handshake message failed authentication' : 'handshake failed'
    return new HandshakeError(reason, { cause: err })
  }
}
