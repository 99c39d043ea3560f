/**
 * Messages sealed non-interactively to a node's certified X25519 key, so an outbox can hold
 * ciphertext for a node that cannot be reached now, before any session exists. HPKE in auth
 * mode: the recipient learns the message came from the holder of the sender's certified
 * X25519 key, with no signature. Single-shot: one HPKE context per message.
 *
 * Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (@hpke/core with its
 * WebCrypto X25519, @hpke/chacha20poly1305). For node-to-node use, `sealForNode` binds both
 * NodeIDs into `info` and the sender's sequence number into `aad`; the receiver checks the
 * sequence against the last one it persisted (replays are the caller's to refuse).
 *
 * References: RFC 9180 §5.1.3 (SetupAuthS/SetupAuthR), §6.1 (single-shot Seal/Open),
 * §9.1.1 (key-compromise impersonation in auth mode), §9.7.3 (replay is the application's).
 */
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import type { X25519Keys } from '../../lib/crypto.js'
import { concatBytes, toB64u } from '../../lib/encoding.js'
import { decodeSealedMessage, SealedMessage } from './codec.js'
import { MAX_PLAINTEXT_BYTES, NODE_ID_BYTES, SEALED_INFO_TAG } from './constants.js'
import { SealedOpenError, SessionError, SessionLimitError, WrongKeyError } from './errors.js'

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

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer
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

export interface NodeSealParams {
  senderNodeId: Uint8Array
  sender: X25519Keys
  recipientNodeId: Uint8Array
  /** The recipient's certified X25519 key (commsPublicKey of its certificate). */
  recipientPublicKey: Uint8Array
  sequence: bigint
  plaintext: Uint8Array
}

/** Seals `plaintext` for another node; returns an encoded SealedMessage for the outbox. */
export async function sealForNode(p: NodeSealParams): Promise<Uint8Array> {
  const info = sealedInfo(p.senderNodeId, p.recipientNodeId)
  const box = await seal(p.recipientPublicKey, p.sender, info, sealedAad(p.sequence), p.plaintext)
  return SealedMessage.encode({
    senderNodeId: p.senderNodeId,
    sequence: p.sequence,
    enc: box.enc,
    ct: box.ct,
  })
}

export interface NodeOpenParams {
  recipientNodeId: Uint8Array
  recipient: X25519Keys
  /** The sender's certified X25519 key, or undefined for a NodeID with no known certificate. */
  senderPublicKey: (senderNodeId: Uint8Array) => Uint8Array | undefined
}

export interface OpenedMessage {
  senderNodeId: Uint8Array
  sequence: bigint
  plaintext: Uint8Array
}

/**
 * Opens an encoded SealedMessage addressed to this node. Throws MalformedFrameError,
 * WrongKeyError (sender unknown) or SealedOpenError; the caller then refuses a sequence
 * number it has already seen from that sender.
 */
export async function openForNode(bytes: Uint8Array, p: NodeOpenParams): Promise<OpenedMessage> {
  const m = decodeSealedMessage(bytes)
  let senderKey: Uint8Array | undefined
  try {
    senderKey = p.senderPublicKey(m.senderNodeId)
  } catch (err) {
    throw err instanceof SessionError ? err : new WrongKeyError('sender lookup failed', { cause: err })
  }
  if (senderKey === undefined) throw new WrongKeyError('sender NodeID has no known certificate')
  const info = sealedInfo(m.senderNodeId, p.recipientNodeId)
  const plaintext = await open(p.recipient, senderKey, info, sealedAad(m.sequence), { enc: m.enc, ct: m.ct })
  return { senderNodeId: m.senderNodeId, sequence: m.sequence, plaintext }
}
