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
 *   0x13 member NodeID  u16 len || certificate (an encoded NodeCertificate, registry.proto) ||
 *                       proof (64, the issuer's signature under "xlattice/nodecert/v1" over
 *                       the certificate bytes, with no chain id: the server's own certificate)
 * 0x13 is how a member that joined by a membership change (which names keys only) records the
 * NodeID the XLattice server certified for it; its submitter must be the certified key.
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
import { NodeCertificate, type SignedCertificate } from '../registry/registry.pb.js'
import { TAG_NODE_CERT } from '../registry/tags.js'
import { InvalidNick } from './errors.js'
import { normalizeNick } from './nick.js'

export const OP_REGISTER_NICK = 0x10
export const OP_RELEASE_NICK = 0x11
export const OP_ASSIGN_NODE_ID = 0x12
export const OP_MEMBER_NODE_ID = 0x13

export const TAG_OP = 'xlattice/cluster/op/v1'
export const TAG_NICK = 'xlattice/cluster/nick/v1'
export const TAG_RELEASE = 'xlattice/cluster/release/v1'
export const TAG_NODE = 'xlattice/cluster/node/v1'

const VERSION = 1
const KEY = 32
const SIG = 64
/** kind, version, submitter, nonce. */
const HEAD = 2 + KEY + 8
const utf8 = new TextEncoder()

/** A signature the operation carries, with the exact bytes it covers (after the chain id). */
export interface SignedPart {
  tag: string
  signed: Uint8Array
  signature: Uint8Array
  publicKey: Uint8Array
  /** Signed without the chain id in front (a certificate the server issued). */
  bare?: boolean
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
  | (Envelope & { kind: 'memberNodeId'; nodeId: Uint8Array; signingKey: Uint8Array; issuer: Uint8Array })

/** Whether the first byte names a registry operation (not a membership change or junk). */
export function isRegistryKind(op: Uint8Array): boolean {
  return (
    op[0] === OP_REGISTER_NICK ||
    op[0] === OP_RELEASE_NICK ||
    op[0] === OP_ASSIGN_NODE_ID ||
    op[0] === OP_MEMBER_NODE_ID
  )
}

/** Largest certificate a 0x13 carries (a NodeCertificate is ~150 bytes). */
const MAX_CERTIFICATE_BYTES = 1024

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
    if (kind === OP_MEMBER_NODE_ID) {
      const length = r.u16()
      if (length > MAX_CERTIFICATE_BYTES) return null
      const certificate = r.fixed(length)
      const cert = NodeCertificate.decode(certificate)
      if (cert.nodeId.length !== KEY || cert.sigPublicKey.length !== KEY || cert.issuer.length !== KEY)
        return null
      const signature = r.fixed(SIG)
      r.end()
      return {
        kind: 'memberNodeId',
        ...env,
        nodeId: cert.nodeId,
        signingKey: cert.sigPublicKey,
        issuer: cert.issuer,
        inner: { tag: TAG_NODE_CERT, signed: certificate, signature, publicKey: cert.issuer, bare: true },
      }
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
  return sealSigned(
    kind,
    chainId,
    member,
    nonce,
    body,
    inner.signer.sign(inner.tag, concatBytes(chainId, body)),
  )
}

/** The envelope around a body whose proof (the user's or node's signature) is already made. */
function sealSigned(
  kind: number,
  chainId: Uint8Array,
  member: ConsensusSigner,
  nonce: bigint | undefined,
  body: Uint8Array,
  proof: Uint8Array,
): Uint8Array {
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
  return nickRequestOp(o, signNickRequest(o))
}

/** The raw encoder behind registerNickOp: the nick bytes go in unchecked (tests, fuzzing). */
export function encodeRegisterNickOp(o: Omit<RegisterNickInit, 'nick'> & { nick: Uint8Array }): Uint8Array {
  const body = nickBody(o.nick, o.user.publicKey, o.agreementKey, o.home, o.seq ?? 0)
  return seal(OP_REGISTER_NICK, o.chainId, o.member, o.nonce, body, { signer: o.user, tag: TAG_NICK })
}

/**
 * The user's half of a nick registration, made where the user's keys are (a client of
 * `POST /nicks`): the fields of the 0x10 body and the user's proof over them. Any member whose
 * NodeID is `home` can wrap it in its envelope (nickRequestOp); the operation is then byte for
 * byte what registerNickOp makes with the same keys, nonce and member.
 */
export interface NickRequest {
  /** Canonical (nickRequestOp folds it again and refuses one that breaks the rule). */
  nick: string
  signingKey: Uint8Array
  agreementKey: Uint8Array
  /** NodeID of the user's home node: the member that submits the request. */
  home: Uint8Array
  seq: number
  /** By signingKey, under TAG_NICK, over `chainId || u8 len || nick || signingKey || agreementKey || home || u32 seq`. */
  userSignature: Uint8Array
}

/** Signs a nick request with the user's key (InvalidNick if the nick breaks the rule). */
export function signNickRequest(o: Omit<RegisterNickInit, 'member' | 'nonce'>): NickRequest {
  const nick = normalizeNick(o.nick)
  if (nick === null) throw new InvalidNick(o.nick)
  const seq = o.seq ?? 0
  checkSizes(o.user.publicKey, o.agreementKey, o.home, seq)
  const body = nickBody(utf8.encode(nick), o.user.publicKey, o.agreementKey, o.home, seq)
  const userSignature = o.user.sign(TAG_NICK, concatBytes(o.chainId, body))
  return {
    nick,
    signingKey: o.user.publicKey,
    agreementKey: o.agreementKey,
    home: o.home,
    seq,
    userSignature,
  }
}

/**
 * A signed nick request in the member's envelope. Throws InvalidNick for a nick that breaks the
 * rule and RangeError for fields of the wrong size; the user's signature is not checked here
 * (RegistryApp.admitOwn checks it).
 */
export function nickRequestOp(o: OpCommon, r: NickRequest): Uint8Array {
  const nick = normalizeNick(r.nick)
  if (nick === null) throw new InvalidNick(r.nick)
  if (r.userSignature.length !== SIG) throw new RangeError('the user signature is 64 bytes')
  checkSizes(r.signingKey, r.agreementKey, r.home, r.seq)
  const body = nickBody(utf8.encode(nick), r.signingKey, r.agreementKey, r.home, r.seq)
  return sealSigned(OP_REGISTER_NICK, o.chainId, o.member, o.nonce, body, r.userSignature)
}

function checkSizes(signingKey: Uint8Array, agreementKey: Uint8Array, home: Uint8Array, seq: number): void {
  if (signingKey.length !== KEY || agreementKey.length !== KEY || home.length !== KEY)
    throw new RangeError('keys and the home NodeID are 32 bytes')
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff) throw new RangeError('seq is a u32')
}

/** The 0x10 body before the proof (unchecked: encodeRegisterNickOp feeds it junk on purpose). */
function nickBody(
  nick: Uint8Array,
  signingKey: Uint8Array,
  agreementKey: Uint8Array,
  home: Uint8Array,
  seq: number,
): Uint8Array {
  return new Writer(KEY * 3 + 8 + nick.length)
    .u8(nick.length)
    .raw(nick)
    .raw(signingKey)
    .raw(agreementKey)
    .raw(home)
    .u32(seq)
    .finish()
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
  const bytes = utf8.encode(nick)
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

export interface MemberNodeIdInit extends OpCommon {
  /** The submitting member's own NodeID certificate from the XLattice server. */
  certificate: SignedCertificate
}

/** A member records the NodeID the server certified for its key (0x13). */
export function memberNodeIdOp(o: MemberNodeIdInit): Uint8Array {
  if (o.certificate.signature.length !== SIG) throw new RangeError('the certificate signature is 64 bytes')
  const body = new Writer(2 + o.certificate.certificate.length)
    .u16(o.certificate.certificate.length)
    .raw(o.certificate.certificate)
    .finish()
  return sealSigned(OP_MEMBER_NODE_ID, o.chainId, o.member, o.nonce, body, o.certificate.signature)
}
