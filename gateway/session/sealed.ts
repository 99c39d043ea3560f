/**
 * Messages sealed non-interactively to a node's certified X25519 key, so an outbox can hold
 * ciphertext for a node that cannot be reached now, before any session exists. HPKE in auth
 * mode: the recipient learns the message came from the holder of the sender's certified
 * X25519 key, with no signature.
 *
 * Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (@hpke/core with its
 * WebCrypto X25519, @hpke/chacha20poly1305). `seal`/`open` are RFC 9180 single-shot (one KEM
 * per message; they carry the test vectors). Node-to-node messages use **epochs** instead, so
 * an outbox can seal a stream of messages: `SealedSender` sets up one auth-mode context per
 * (recipient, epoch), exports a 32-byte epoch key from it, and seals each message with plain
 * ChaCha20-Poly1305 under that key, nonce = 4 zero bytes || sequence u64 little-endian
 * (Noise §12.3, via primitives.ts), aad = sequence u64 big-endian. Every message repeats the
 * epoch's `enc`, so it opens on its own; `SealedReceiver` derives the key once per (sender,
 * enc) and caches it. `info` binds both NodeIDs; the receiver checks the sequence against the
 * last one it persisted (replays are the caller's to refuse). See docs/protocols/session.md.
 *
 * References: RFC 9180 §5.1.3 (SetupAuthS/SetupAuthR), §5.3 (secret export), §6.1
 * (single-shot Seal/Open), §9.1.1 (key-compromise impersonation in auth mode), §9.7.3 (replay
 * is the application's); Noise Protocol Framework rev 34 §12.3 (nonce); RFC 8439.
 */
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import type { X25519Keys } from '../../lib/crypto.js'
import { concatBytes, equalBytes, toB64u, toHex } from '../../lib/encoding.js'
import { decodeSealedMessage, SealedMessage } from './codec.js'
import { MAX_PLAINTEXT_BYTES, NODE_ID_BYTES, SEALED_INFO_TAG } from './constants.js'
import { SealedOpenError, SessionError, SessionLimitError, WrongKeyError } from './errors.js'
import { aeadDecrypt, aeadEncrypt, KEYLEN } from './primitives.js'

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
})

export interface SealedBox {
  /** The HPKE encapsulated key (the sender's ephemeral X25519 public key), 32 bytes. */
  enc: Uint8Array
  /** Ciphertext || 16-byte tag. */
  ct: Uint8Array
}

/** Imported key pairs (by both halves): a private-key import is the slowest step of a seal. */
const pairCache = new Map<string, Promise<CryptoKeyPair>>()

/**
 * A copy in an ArrayBuffer of its own. Not `bytes.slice().buffer`: on a Node Buffer (what
 * LevelDB and the network hand us) slice() is a view into the shared 8 KiB pool, and WebCrypto
 * would be given the whole pool as the key.
 */
function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy.buffer
}

function importPair(keys: X25519Keys): Promise<CryptoKeyPair> {
  const x = toB64u(keys.publicKey)
  const d = toB64u(keys.privateKey)
  const id = `${x}.${d}`
  let pair = pairCache.get(id)
  if (pair === undefined) {
    const jwk = { kty: 'OKP', crv: 'X25519', x, d }
    pair = Promise.all([
      suite.kem.importKey('jwk', jwk, false),
      suite.kem.importKey('raw', arrayBuffer(keys.publicKey), true),
    ]).then(([privateKey, publicKey]) => ({ privateKey, publicKey }))
    pair.catch(() => pairCache.delete(id))
    if (pairCache.size >= 256) pairCache.clear()
    pairCache.set(id, pair)
  }
  return pair
}

export interface SealTestingOptions {
  /** Input keying material for the ephemeral key (RFC 9180 test vectors only; never in production). */
  ephemeralIkm?: Uint8Array
}

/** SealAuth (RFC 9180 §6.1 with §5.1.3): encrypts `plaintext` to `recipientPublicKey` from `sender`. */
export async function seal(
  recipientPublicKey: Uint8Array,
  sender: X25519Keys,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  testing: SealTestingOptions = {},
): Promise<SealedBox> {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new SessionLimitError('plaintext too large')
  try {
    const [senderKey, recipientKey] = await Promise.all([
      importPair(sender),
      suite.kem.importKey('raw', arrayBuffer(recipientPublicKey), true),
    ])
    const { enc, ct } = await suite.seal(
      { recipientPublicKey: recipientKey, senderKey, info, ekm: testing.ephemeralIkm },
      plaintext,
      aad,
    )
    return { enc: new Uint8Array(enc), ct: new Uint8Array(ct) }
  } catch (err) {
    // Only our own inputs can fail here: a malformed recipient key, or a bad sender key pair.
    throw new WrongKeyError('cannot seal with these keys', { cause: err })
  }
}

/** OpenAuth (RFC 9180 §6.1 with §5.1.3); any failure is a SealedOpenError. */
export async function open(
  recipient: X25519Keys,
  senderPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  box: SealedBox,
): Promise<Uint8Array> {
  try {
    const [recipientKey, senderKey] = await Promise.all([
      importPair(recipient),
      suite.kem.importKey('raw', arrayBuffer(senderPublicKey), true),
    ])
    const pt = await suite.open({ recipientKey, enc: box.enc, senderPublicKey: senderKey, info }, box.ct, aad)
    return new Uint8Array(pt)
  } catch (err) {
    throw new SealedOpenError('sealed message does not open', { cause: err })
  }
}

/** HPKE info of a node-to-node sealed message: tag || 0x00 || sender NodeID || recipient NodeID. */
export function sealedInfo(senderNodeId: Uint8Array, recipientNodeId: Uint8Array): Uint8Array {
  if (senderNodeId.length !== NODE_ID_BYTES || recipientNodeId.length !== NODE_ID_BYTES) {
    throw new RangeError('NodeIDs must be 32 bytes')
  }
  return concatBytes(
    new TextEncoder().encode(SEALED_INFO_TAG),
    Uint8Array.of(0),
    senderNodeId,
    recipientNodeId,
  )
}

/** HPKE aad of a node-to-node sealed message: the sequence number, u64 big-endian. */
export function sealedAad(sequence: bigint): Uint8Array {
  const aad = Buffer.alloc(8)
  aad.writeBigUInt64BE(sequence)
  return new Uint8Array(aad)
}

/** HPKE exporter context of a node-to-node epoch key (RFC 9180 §5.3). */
const EPOCH_EXPORT_CONTEXT = new TextEncoder().encode('xlattice/sealed/epoch/v1')
const MAX_U64 = 0xffff_ffff_ffff_ffffn
/** Recipients a SealedSender keeps an epoch for; a dropped one just starts a new epoch. */
const MAX_SENDER_RECIPIENTS = 4096

export const DEFAULT_MAX_EPOCH_MESSAGES = 100_000
export const DEFAULT_MAX_EPOCH_MS = 60 * 60_000
export const DEFAULT_MAX_EPOCHS = 1024
export const DEFAULT_MAX_EPOCHS_PER_SENDER = 8

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`${name} must be positive`)
  return value
}

function nodeId(name: string, id: Uint8Array): Uint8Array {
  if (id.length !== NODE_ID_BYTES) throw new RangeError(`${name} must be 32 bytes`)
  return new Uint8Array(id)
}

export interface SealedSenderOptions {
  senderNodeId: Uint8Array
  /** This node's certified X25519 key pair. */
  sender: X25519Keys
  /** Messages sealed under one epoch key before the next seal starts a new epoch (default 100,000). */
  maxEpochMessages?: number
  /** Age of an epoch, in ms, after which the next seal starts a new one (default 1 hour). */
  maxEpochMs?: number
  /** The clock for `maxEpochMs` (default Date.now). */
  now?: () => number
}

export interface SealParams {
  recipientNodeId: Uint8Array
  /** The recipient's certified X25519 key (commsPublicKey of its certificate). */
  recipientPublicKey: Uint8Array
  /** Per sender and recipient, increasing; a sequence not above the epoch's last starts a new epoch. */
  sequence: bigint
  plaintext: Uint8Array
}

interface SenderEpoch {
  recipientPublicKey: Uint8Array
  enc: Uint8Array
  key: Uint8Array
  /** The highest sequence sealed under `key`: a nonce at or below it may have been used. */
  highest: bigint
  messages: number
  startedAt: number
}

/** One recipient's current epoch: its setup, and the epoch itself once the setup resolved. */
interface SenderSlot {
  setup: Promise<SenderEpoch>
  epoch?: SenderEpoch
}

/**
 * Seals node-to-node messages in HPKE epochs: one auth-mode setup (ephemeral key, two DH,
 * key schedule) per recipient and epoch, then one ChaCha20-Poly1305 per message.
 *
 * Nonce safety: the nonce is the sequence number, so under one epoch key a sequence is sealed
 * at most once. The epoch remembers the highest sequence sealed under it and a sequence not
 * above it starts a new epoch (a fresh ephemeral key, so a fresh key). The check and the
 * encryption run without an await between them, so concurrent seals cannot race past it.
 */
export class SealedSender {
  readonly #senderNodeId: Uint8Array
  readonly #sender: X25519Keys
  readonly #maxEpochMessages: number
  readonly #maxEpochMs: number
  readonly #now: () => number
  /** The current epoch by recipient NodeID (hex), in order of epoch start (the oldest is dropped first). */
  readonly #slots = new Map<string, SenderSlot>()
  #setups = 0

  constructor(opts: SealedSenderOptions) {
    this.#senderNodeId = nodeId('senderNodeId', opts.senderNodeId)
    this.#sender = opts.sender
    this.#maxEpochMessages = positive('maxEpochMessages', opts.maxEpochMessages ?? DEFAULT_MAX_EPOCH_MESSAGES)
    this.#maxEpochMs = positive('maxEpochMs', opts.maxEpochMs ?? DEFAULT_MAX_EPOCH_MS)
    this.#now = opts.now ?? Date.now
  }

  /** HPKE sender contexts set up so far (one per epoch), for tests and metrics. */
  get setups(): number {
    return this.#setups
  }

  /** Returns an encoded SealedMessage. Throws SessionLimitError (plaintext too large) or WrongKeyError. */
  async seal(p: SealParams): Promise<Uint8Array> {
    if (p.plaintext.length > MAX_PLAINTEXT_BYTES) throw new SessionLimitError('plaintext too large')
    if (p.sequence < 0n || p.sequence > MAX_U64) throw new RangeError('sequence must be a u64')
    const id = toHex(nodeId('recipientNodeId', p.recipientNodeId))
    for (;;) {
      const slot = this.#slots.get(id) ?? this.#begin(id, p)
      // Only the first messages of an epoch wait here; later ones find `slot.epoch` set.
      const epoch = slot.epoch ?? (await slot.setup)
      if (this.#slots.get(id) !== slot) continue // another seal started a newer epoch meanwhile
      if (!this.#fits(epoch, p)) {
        this.#slots.delete(id)
        continue
      }
      epoch.highest = p.sequence
      epoch.messages++
      const ct = aeadEncrypt(epoch.key, p.sequence, sealedAad(p.sequence), p.plaintext)
      return SealedMessage.encode({
        senderNodeId: this.#senderNodeId,
        sequence: p.sequence,
        enc: epoch.enc,
        ct,
      })
    }
  }

  #fits(epoch: SenderEpoch, p: SealParams): boolean {
    if (p.sequence <= epoch.highest || !equalBytes(epoch.recipientPublicKey, p.recipientPublicKey))
      return false
    // A fresh epoch always takes its first message, so a slow setup cannot loop on maxEpochMs.
    if (epoch.messages === 0) return true
    return epoch.messages < this.#maxEpochMessages && this.#now() - epoch.startedAt < this.#maxEpochMs
  }

  #begin(id: string, p: SealParams): SenderSlot {
    const recipientPublicKey = new Uint8Array(p.recipientPublicKey)
    const startedAt = this.#now()
    this.#setups++
    const slot = {} as SenderSlot
    slot.setup = this.#context(sealedInfo(this.#senderNodeId, p.recipientNodeId), recipientPublicKey).then(
      ({ enc, key }) => {
        slot.epoch = { recipientPublicKey, enc, key, highest: -1n, messages: 0, startedAt }
        return slot.epoch
      },
      (err) => {
        if (this.#slots.get(id) === slot) this.#slots.delete(id)
        // Only our own inputs can fail here: a malformed recipient key, or a bad sender key pair.
        throw new WrongKeyError('cannot seal with these keys', { cause: err })
      },
    )
    if (this.#slots.size >= MAX_SENDER_RECIPIENTS) this.#slots.delete(this.#slots.keys().next().value!)
    this.#slots.set(id, slot)
    return slot
  }

  /** SetupAuthS (RFC 9180 §5.1.3), then the epoch key by secret export (§5.3). */
  async #context(
    info: Uint8Array,
    recipientPublicKey: Uint8Array,
  ): Promise<{ enc: Uint8Array; key: Uint8Array }> {
    const [senderKey, recipientKey] = await Promise.all([
      importPair(this.#sender),
      suite.kem.importKey('raw', arrayBuffer(recipientPublicKey), true),
    ])
    const ctx = await suite.createSenderContext({ recipientPublicKey: recipientKey, senderKey, info })
    const key = new Uint8Array(await ctx.export(EPOCH_EXPORT_CONTEXT, KEYLEN))
    return { enc: new Uint8Array(ctx.enc), key }
  }
}

export interface SealedReceiverOptions {
  recipientNodeId: Uint8Array
  /** This node's certified X25519 key pair. */
  recipient: X25519Keys
  /** Epoch keys kept in all (default 1024). */
  maxEpochs?: number
  /** Epoch keys kept per sender NodeID (default 8), so one sender cannot crowd out the rest. */
  maxEpochsPerSender?: number
}

export interface OpenedMessage {
  senderNodeId: Uint8Array
  sequence: bigint
  plaintext: Uint8Array
}

/**
 * Opens node-to-node sealed messages: one HPKE recipient setup per (sender, sender key, enc),
 * then one ChaCha20-Poly1305 per message. An epoch key is cached only once a message has
 * opened under it, so forged messages (junk enc, another sender key, altered bytes) are
 * never cached and cannot evict an honest epoch; concurrent first messages of an epoch share
 * one setup. The cache drops its oldest epoch past `maxEpochsPerSender` for that sender or
 * `maxEpochs` in all; a dropped epoch costs one more setup if its messages keep coming.
 */
export class SealedReceiver {
  readonly #recipientNodeId: Uint8Array
  readonly #recipient: X25519Keys
  readonly #maxEpochs: number
  readonly #maxEpochsPerSender: number
  /** Keys that opened a message, oldest first, by `${sender}.${senderPublicKey}.${enc}` in hex. */
  readonly #epochs = new Map<string, { sender: string; key: Uint8Array }>()
  /** Ids in #epochs per sender NodeID (hex), oldest first. */
  readonly #bySender = new Map<string, string[]>()
  /** Setups in flight, not yet trusted: shared by concurrent first messages of an epoch. */
  readonly #pending = new Map<string, Promise<Uint8Array>>()
  #setups = 0

  constructor(opts: SealedReceiverOptions) {
    this.#recipientNodeId = nodeId('recipientNodeId', opts.recipientNodeId)
    this.#recipient = opts.recipient
    this.#maxEpochs = positive('maxEpochs', opts.maxEpochs ?? DEFAULT_MAX_EPOCHS)
    this.#maxEpochsPerSender = positive(
      'maxEpochsPerSender',
      opts.maxEpochsPerSender ?? DEFAULT_MAX_EPOCHS_PER_SENDER,
    )
  }

  /** HPKE recipient contexts set up so far, for tests and metrics. */
  get setups(): number {
    return this.#setups
  }

  /** Epoch keys cached now. */
  get cachedEpochs(): number {
    return this.#epochs.size
  }

  /**
   * Opens an encoded SealedMessage addressed to this node. Throws MalformedFrameError,
   * WrongKeyError (sender unknown) or SealedOpenError; the caller then refuses a sequence
   * number it has already seen from that sender.
   */
  async open(
    bytes: Uint8Array,
    senderPublicKey: (senderNodeId: Uint8Array) => Uint8Array | undefined,
  ): Promise<OpenedMessage> {
    const m = decodeSealedMessage(bytes)
    let senderKey: Uint8Array | undefined
    try {
      senderKey = senderPublicKey(m.senderNodeId)
    } catch (err) {
      throw err instanceof SessionError ? err : new WrongKeyError('sender lookup failed', { cause: err })
    }
    if (senderKey === undefined) throw new WrongKeyError('sender NodeID has no known certificate')
    const sender = toHex(m.senderNodeId)
    const id = `${sender}.${toHex(senderKey)}.${toHex(m.enc)}`
    const known = this.#epochs.get(id)
    let key = known?.key
    let setup: Promise<Uint8Array> | undefined
    if (key === undefined) {
      setup = this.#pending.get(id) ?? this.#setup(id, m.senderNodeId, senderKey, m.enc)
      try {
        key = await setup
      } catch (err) {
        this.#settle(id, setup)
        throw new SealedOpenError('sealed message does not open', { cause: err })
      }
    }
    const plaintext = aeadDecrypt(key, m.sequence, sealedAad(m.sequence), m.ct)
    if (setup !== undefined) this.#settle(id, setup)
    if (plaintext === null) throw new SealedOpenError('sealed message does not open')
    if (known === undefined) this.#remember(id, sender, key)
    return { senderNodeId: m.senderNodeId, sequence: m.sequence, plaintext }
  }

  #setup(
    id: string,
    senderNodeId: Uint8Array,
    senderPublicKey: Uint8Array,
    enc: Uint8Array,
  ): Promise<Uint8Array> {
    this.#setups++
    const setup = this.#context(sealedInfo(senderNodeId, this.#recipientNodeId), senderPublicKey, enc)
    // Bounded like the cache; past it a setup is simply not shared.
    if (this.#pending.size < this.#maxEpochs) this.#pending.set(id, setup)
    return setup
  }

  /** SetupAuthR (RFC 9180 §5.1.3), then the epoch key by secret export (§5.3). */
  async #context(info: Uint8Array, senderPublicKey: Uint8Array, enc: Uint8Array): Promise<Uint8Array> {
    const [recipientKey, senderKey] = await Promise.all([
      importPair(this.#recipient),
      suite.kem.importKey('raw', arrayBuffer(senderPublicKey), true),
    ])
    const ctx = await suite.createRecipientContext({
      recipientKey,
      enc: arrayBuffer(enc),
      senderPublicKey: senderKey,
      info,
    })
    return new Uint8Array(await ctx.export(EPOCH_EXPORT_CONTEXT, KEYLEN))
  }

  /** The first message through a setup ends its sharing: it either opened (and is cached) or not. */
  #settle(id: string, setup: Promise<Uint8Array>): void {
    if (this.#pending.get(id) === setup) this.#pending.delete(id)
  }

  #remember(id: string, sender: string, key: Uint8Array): void {
    if (this.#epochs.has(id)) return // a concurrent first message of the same epoch got here first
    const ofSender = this.#bySender.get(sender)
    if (ofSender !== undefined && ofSender.length >= this.#maxEpochsPerSender) this.#forget(ofSender[0])
    if (this.#epochs.size >= this.#maxEpochs) this.#forget(this.#epochs.keys().next().value!)
    this.#epochs.set(id, { sender, key })
    const ids = this.#bySender.get(sender) // #forget may have dropped the sender's list
    if (ids === undefined) this.#bySender.set(sender, [id])
    else ids.push(id)
  }

  #forget(id: string): void {
    const entry = this.#epochs.get(id)
    if (entry === undefined) return
    this.#epochs.delete(id)
    const ids = this.#bySender.get(entry.sender)!
    ids.splice(ids.indexOf(id), 1)
    if (ids.length === 0) this.#bySender.delete(entry.sender)
  }
}

export interface NodeSealParams extends SealParams {
  senderNodeId: Uint8Array
  sender: X25519Keys
}

/** Seals `plaintext` for another node, in an epoch of its own; returns an encoded SealedMessage. */
export async function sealForNode(p: NodeSealParams): Promise<Uint8Array> {
  return new SealedSender({ senderNodeId: p.senderNodeId, sender: p.sender }).seal(p)
}

export interface NodeOpenParams {
  recipientNodeId: Uint8Array
  recipient: X25519Keys
  /** The sender's certified X25519 key, or undefined for a NodeID with no known certificate. */
  senderPublicKey: (senderNodeId: Uint8Array) => Uint8Array | undefined
}

/** Opens one encoded SealedMessage with no epoch cache (see SealedReceiver.open). */
export async function openForNode(bytes: Uint8Array, p: NodeOpenParams): Promise<OpenedMessage> {
  return new SealedReceiver({ recipientNodeId: p.recipientNodeId, recipient: p.recipient }).open(
    bytes,
    p.senderPublicKey,
  )
}
