/**
 * Operations of the replicated cluster registry (opaque bytes to consensus). Every one is
 * signed by the member that submits it, and carries a second signature by the key it is about
 * (the user's, or the joining node's), so a member cannot bind keys it does not hold.
 *
 * Envelope (big-endian):
 *   u8 kind || u8 version (1) || submitter (32, the member's validator key) || u64 nonce ||
 *   body || signature (64)
 * the signature by `submitter` under TAG_OP over `chainId || every byte before it`.
 * Bodies; `proof` is signed under the kind's tag over `chainId || the body bytes before it`:
 *   0x10 register nick  u8 len || nick || userSigningKey (32) || userAgreementKey (32) ||
 *                       home NodeID (32) || u32 seq || proof (64, by userSigningKey, TAG_NICK)
 *   0x11 release nick   u8 len || nick || userSigningKey (32) || u32 seq ||
 *                       proof (64, by userSigningKey, TAG_RELEASE)
 *   0x12 assign node ID nodeSigningKey (32) || nodeAgreementKey (32) ||
 *                       proof (64, by nodeSigningKey, TAG_NODE)
 * `seq` is the user's count of accepted registrations and releases (UserEntry.seq): a replayed
 * registration or release names a spent number and is refused. The nonce only tells identical
 * requests apart (a retry through the same member is a new operation). Membership changes are
 * consensus's own operation 0x02 (gateway/consensus/driver/membership.ts), unchanged.
 * References: docs/protocols/cluster-registry.md "Registry state machine".
 */
import { randomBytes } from '../../lib/crypto.js'
import { concatBytes } from '../../lib/encoding.js'
import { Reader, Writer } from '../consensus/bytes.js'
import type { ConsensusSigner } from '../consensus/state.js'
import { InvalidNick } from './errors.js'
import { normalizeNick } from './nick.js'

export const OP_REGISTER_NICK = 0x10
export const OP_RELEASE_NICK = 0x11
export const OP_ASSIGN_NODE_ID = 0x12

export const TAG_OP = 'xlattice/cluster/op/v1'
export const TAG_NICK = 'xlattice/cluster/nick/v1'
export const TAG_RELEASE = 'xlattice/cluster/release/v1'
export const TAG_NODE = 'xlattice/cluster/node/v1'

const VERSION = 1
const KEY = 32
const SIG = 64
/** kind, version, submitter, nonce. */
const HEAD = 2 + KEY + 8

/** A signature the operation carries, with the exact bytes it covers (after the chain id). */
export interface SignedPart {
  tag: string
  signed: Uint8Array
  signature: Uint8Array
  publicKey: Uint8Array
}

interface Envelope {
  submitter: Uint8Array
  nonce: bigint
  /** The member's signature over the whole operation. */
  outer: SignedPart
  /** The user's (or node's) signature over the body. */
  inner: SignedPart
}

export type RegistryOp =
  | (Envelope & {
      kind: 'registerNick'
      nick: Uint8Array
      signingKey: Uint8Array
      agreementKey: Uint8Array
      home: Uint8Array
      seq: number
    })
  | (Envelope & { kind: 'releaseNick'; nick: Uint8Array; signingKey: Uint8Array; seq: number })
  | (Envelope & { kind: 'assignNodeId'; signingKey: Uint8Array; agreementKey: Uint8Array })

/** Whether the first byte names a registry operation (not a membership change or junk). */
export function isRegistryKind(op: Uint8Array): boolean {
  return op[0] === OP_REGISTER_NICK || op[0] === OP_RELEASE_NICK || op[0] === OP_ASSIGN_NODE_ID
}

/** Parses an operation; null for anything malformed (never throws). Signatures are not checked. */
export function decodeRegistryOp(op: Uint8Array): RegistryOp | null {
  if (!isRegistryKind(op) || op.length < HEAD + SIG) return null
  try {
    const r = new Reader(op.subarray(0, op.length - SIG))
    const kind = r.u8()
    if (r.u8() !== VERSION) return null
    const submitter = r.fixed(KEY)
    const nonce = r.u64big()
    const outer: SignedPart = {
      tag: TAG_OP,
      signed: op.subarray(0, op.length - SIG),
      signature: op.subarray(op.length - SIG),
      publicKey: submitter,
    }
    const start = r.pos
    const inner = (tag: string, publicKey: Uint8Array): SignedPart => {
      const signed = op.subarray(start, r.pos)
      const signature = r.fixed(SIG)
      r.end()
      return { tag, signed, signature, publicKey }
    }
    const env = { submitter, nonce, outer }
    if (kind === OP_REGISTER_NICK) {
      const nick = r.fixed(r.u8())
      const signingKey = r.fixed(KEY)
      const agreementKey = r.fixed(KEY)
      const home = r.fixed(KEY)
      const seq = r.u32()
      const body = { nick, signingKey, agreementKey, home, seq }
      return { kind: 'registerNick', ...env, ...body, inner: inner(TAG_NICK, signingKey) }
    }
    if (kind === OP_RELEASE_NICK) {
      const nick = r.fixed(r.u8())
      const signingKey = r.fixed(KEY)
      const seq = r.u32()
      return { kind: 'releaseNick', ...env, nick, signingKey, seq, inner: inner(TAG_RELEASE, signingKey) }
    }
    const signingKey = r.fixed(KEY)
    const agreementKey = r.fixed(KEY)
    return { kind: 'assignNodeId', ...env, signingKey, agreementKey, inner: inner(TAG_NODE, signingKey) }
  } catch {
    return null
  }
}

function randomNonce(): bigint {
  return new DataView(randomBytes(8).buffer).getBigUint64(0)
}

function seal(
  kind: number,
  chainId: Uint8Array,
  member: ConsensusSigner,
  nonce: bigint | undefined,
  body: Uint8Array,
  inner: { signer: ConsensusSigner; tag: string },
): Uint8Array {
  const proof = inner.signer.sign(inner.tag, concatBytes(chainId, body))
  const signed = new Writer(HEAD + body.length + 2 * SIG)
    .u8(kind)
    .u8(VERSION)
    .raw(member.publicKey)
    .u64big(nonce ?? randomNonce())
    .raw(body)
    .raw(proof)
    .finish()
  return concatBytes(signed, member.sign(TAG_OP, concatBytes(chainId, signed)))
}

export interface OpCommon {
  chainId: Uint8Array
  /** The submitting cluster member (its validator key). */
  member: ConsensusSigner
  /** Distinguishes identical requests; random when absent. */
  nonce?: bigint
}

export interface RegisterNickInit extends OpCommon {
  /** The user's signing key pair (lib/crypto Signer): proves the user holds the key. */
  user: ConsensusSigner
  agreementKey: Uint8Array
  home: Uint8Array
  nick: string
  /** The user's UserEntry.seq (0 for a user the registry has never seen). */
  seq?: number
}

/** A nick registration; the nick is folded to its canonical form first (InvalidNick if it breaks the rule). */
export function registerNickOp(o: RegisterNickInit): Uint8Array {
  const nick = normalizeNick(o.nick)
  if (nick === null) throw new InvalidNick(o.nick)
  return encodeRegisterNickOp({ ...o, nick: new TextEncoder().encode(nick) })
}

/** The raw encoder behind registerNickOp: the nick bytes go in unchecked (tests, fuzzing). */
export function encodeRegisterNickOp(o: Omit<RegisterNickInit, 'nick'> & { nick: Uint8Array }): Uint8Array {
  const body = new Writer(KEY * 3 + 8 + o.nick.length)
    .u8(o.nick.length)
    .raw(o.nick)
    .raw(o.user.publicKey)
    .raw(o.agreementKey)
    .raw(o.home)
    .u32(o.seq ?? 0)
    .finish()
  return seal(OP_REGISTER_NICK, o.chainId, o.member, o.nonce, body, { signer: o.user, tag: TAG_NICK })
}

export interface ReleaseNickInit extends OpCommon {
  user: ConsensusSigner
  nick: string
  /** The user's current UserEntry.seq. */
  seq: number
}

export function releaseNickOp(o: ReleaseNickInit): Uint8Array {
  const nick = normalizeNick(o.nick)
  if (nick === null) throw new InvalidNick(o.nick)
  const bytes = new TextEncoder().encode(nick)
  const body = new Writer(KEY + 8 + bytes.length)
    .u8(bytes.length)
    .raw(bytes)
    .raw(o.user.publicKey)
    .u32(o.seq)
    .finish()
  return seal(OP_RELEASE_NICK, o.chainId, o.member, o.nonce, body, { signer: o.user, tag: TAG_RELEASE })
}

export interface AssignNodeIdInit extends OpCommon {
  /** The joining node's signing key pair: proves it holds the key. */
  node: ConsensusSigner
  agreementKey: Uint8Array
}

export function assignNodeIdOp(o: AssignNodeIdInit): Uint8Array {
  const body = concatBytes(o.node.publicKey, o.agreementKey)
  return seal(OP_ASSIGN_NODE_ID, o.chainId, o.member, o.nonce, body, { signer: o.node, tag: TAG_NODE })
}
