/**
 * An established session: two directional ChaCha20-Poly1305 keys from Noise Split(), sealed
 * frames with explicit 64-bit counters (so frames may travel on separate streams and arrive
 * out of order), a sliding replay window per receive epoch, and rekeying by message count and
 * age. Pure: time is an argument, there is no socket, timer or disk inside.
 *
 * Rekey: each direction moves on its own. The sender, at seal time, replaces its key with
 * REKEY(k) (Noise §11.3) once `rekeyAfterMessages` frames were sealed under it or
 * `rekeyAfterMs` passed, bumps the epoch and restarts its counter at 0. The receiver derives
 * the same key when the first frame of the new epoch authenticates, and keeps the previous
 * epoch's key for `graceMs` so frames still in flight open. Old keys are zeroed when dropped.
 *
 * References: Noise Protocol Framework rev 34 §5.1, §11.3 (Rekey), §11.4 (out-of-order
 * transport messages), §12.3 (nonce encoding); RFC 8439; RFC 6479.
 */
import { MAX_PLAINTEXT_BYTES, SESSION_ID_BYTES } from './constants.js'
import { decodeTransportFrame, TransportFrame } from './codec.js'
import {
  MalformedFrameError,
  ReplayError,
  SessionLimitError,
  TamperedFrameError,
  UnknownEpochError,
} from './errors.js'
import { aeadDecrypt, aeadEncrypt, KEYLEN, rekey } from './primitives.js'
import { ReplayWindow } from './replay.js'

export interface SessionLimits {
  /** Frames sealed under one key before the sender rekeys (default 2^20). */
  rekeyAfterMessages: number
  /** Age of a send key, in ms, after which the sender rekeys at its next seal (default 10 min). */
  rekeyAfterMs: number
  /** How long the previous receive epoch still opens frames after the next one appeared (default 30 s). */
  graceMs: number
  /** Counters remembered below the highest seen, per receive epoch (default 1024). */
  replayWindow: number
  /** Epochs a receiver will step forward in one frame, for senders whose frames were lost (default 4). */
  maxEpochSkip: number
  /** Largest plaintext per frame (default 65519). */
  maxPlaintextBytes: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  rekeyAfterMessages: 2 ** 20,
  rekeyAfterMs: 10 * 60_000,
  graceMs: 30_000,
  replayWindow: 1024,
  maxEpochSkip: 4,
  maxPlaintextBytes: MAX_PLAINTEXT_BYTES,
}

const MAX_EPOCH = 0xffff_ffff
const AD_VERSION = 1

export interface SessionKeys {
  /** 8 bytes naming the session in every frame: the head of the Noise handshake hash. */
  id: Uint8Array
  initiator: boolean
  /** Split()'s c1 key on the initiator, c2 on the responder. */
  sendKey: Uint8Array
  recvKey: Uint8Array
}

interface SendState {
  key: Uint8Array
  epoch: number
  counter: number
  startedAt: number
}

interface RecvState {
  key: Uint8Array
  epoch: number
  window: ReplayWindow
  /** Set on the previous epoch once a newer one authenticated. */
  expiresAt?: number
}

/**
 * Associated data of a frame: version, session id, direction (0 = initiator to responder),
 * epoch (u32 BE) and counter (u64 BE), so a frame cannot be moved to another session,
 * direction, epoch or position without failing authentication.
 */
function associatedData(id: Uint8Array, fromInitiator: boolean, epoch: number, counter: number): Uint8Array {
  const ad = Buffer.alloc(2 + SESSION_ID_BYTES + 12)
  ad[0] = AD_VERSION
  ad[1] = fromInitiator ? 0 : 1
  ad.set(id, 2)
  ad.writeUInt32BE(epoch, 2 + SESSION_ID_BYTES)
  ad.writeBigUInt64BE(BigInt(counter), 6 + SESSION_ID_BYTES)
  return ad
}

export class Session {
  readonly id: Uint8Array
  readonly initiator: boolean
  readonly limits: SessionLimits
  #send: SendState
  #recv: RecvState
  #prev: RecvState | undefined

  constructor(keys: SessionKeys, now: number, limits: Partial<SessionLimits> = {}) {
    if (
      keys.id.length !== SESSION_ID_BYTES ||
      keys.sendKey.length !== KEYLEN ||
      keys.recvKey.length !== KEYLEN
    ) {
      throw new RangeError('session keys have wrong lengths')
    }
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits }
    if (this.limits.rekeyAfterMessages < 1 || this.limits.rekeyAfterMessages > 2 ** 32) {
      throw new RangeError('rekeyAfterMessages must be in [1, 2^32]')
    }
    this.id = keys.id
    this.initiator = keys.initiator
    this.#send = { key: keys.sendKey, epoch: 0, counter: 0, startedAt: now }
    this.#recv = { key: keys.recvKey, epoch: 0, window: new ReplayWindow(this.limits.replayWindow) }
  }

  /** The sender's current epoch and next counter (for metrics and tests). */
  get sendPosition(): { epoch: number; counter: number } {
    return { epoch: this.#send.epoch, counter: this.#send.counter }
  }

  /** The newest receive epoch, and the previous one while its grace period lasts. */
  get recvEpochs(): { current: number; previous?: number } {
    return { current: this.#recv.epoch, previous: this.#prev?.epoch }
  }

  /** Encrypts one message; returns an encoded TransportFrame. Rekeys first when due. */
  seal(plaintext: Uint8Array, now: number): Uint8Array {
    if (plaintext.length > this.limits.maxPlaintextBytes) throw new SessionLimitError('plaintext too large')
    const s = this.#send
    if (s.counter >= this.limits.rekeyAfterMessages || now - s.startedAt >= this.limits.rekeyAfterMs) {
      if (s.epoch >= MAX_EPOCH) throw new SessionLimitError('epoch space exhausted: start a new session')
      const next = rekey(s.key)
      s.key.fill(0)
      this.#send = { key: next, epoch: s.epoch + 1, counter: 0, startedAt: now }
    }
    const { key, epoch, counter } = this.#send
    this.#send.counter++
    const ad = associatedData(this.id, this.initiator, epoch, counter)
    const ciphertext = aeadEncrypt(key, BigInt(counter), ad, plaintext)
    return TransportFrame.encode({ sessionId: this.id, epoch, counter: BigInt(counter), ciphertext })
  }

  /**
   * Authenticates and decrypts one encoded TransportFrame. Throws MalformedFrameError,
   * UnknownEpochError, ReplayError or TamperedFrameError; the session is unchanged by any
   * frame that fails.
   */
  open(bytes: Uint8Array, now: number): Uint8Array {
    const frame = decodeTransportFrame(bytes)
    if (Buffer.compare(frame.sessionId, this.id) !== 0)
      throw new MalformedFrameError('frame is for another session')
    if (frame.counter > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedFrameError('counter out of range')
    const counter = Number(frame.counter)
    const target = this.#receiveState(frame.epoch, now)

    const verdict = target.window.check(counter)
    if (verdict !== 'fresh') {
      throw new ReplayError(
        verdict === 'duplicate' ? 'frame already received' : 'frame older than the replay window',
      )
    }
    const ad = associatedData(this.id, !this.initiator, frame.epoch, counter)
    const plaintext = aeadDecrypt(target.key, frame.counter, ad, frame.ciphertext)
    if (plaintext === null) throw new TamperedFrameError()

    if (target !== this.#recv && target !== this.#prev) {
      // The first authentic frame of a newer epoch: it becomes current, the old one enters grace.
      this.#prev?.key.fill(0)
      this.#prev = { ...this.#recv, expiresAt: now + this.limits.graceMs }
      this.#recv = target
    }
    target.window.mark(counter)
    return plaintext
  }

  /** Picks (or, for a newer epoch, derives without committing) the receive state for `epoch`. */
  #receiveState(epoch: number, now: number): RecvState {
    const prev = this.#prev
    if (prev !== undefined && now >= (prev.expiresAt ?? 0)) {
      prev.key.fill(0)
      this.#prev = undefined
    }
    const cur = this.#recv
    if (epoch === cur.epoch) return cur
    if (this.#prev !== undefined && epoch === this.#prev.epoch) return this.#prev
    if (epoch > cur.epoch && epoch - cur.epoch <= this.limits.maxEpochSkip) {
      let key = cur.key
      for (let e = cur.epoch; e < epoch; e++) key = rekey(key)
      return { key, epoch, window: new ReplayWindow(this.limits.replayWindow) }
    }
    throw new UnknownEpochError(epoch < cur.epoch ? 'epoch no longer accepted' : 'epoch too far ahead')
  }
}
