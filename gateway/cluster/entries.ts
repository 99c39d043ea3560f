/**
 * The cluster registry's entries: how each is keyed, encoded and hashed into the Merkle map
 * (merkle.ts), and how user and node IDs are derived. A binding proof (seed row 0.1.2) hashes
 * an entry exactly as here: the Merkle key of an entry is `registryKey(typed key)`, its value
 * is `entryHash(canonical encoding)`.
 *
 * Typed keys: `nick/<nick>`, `user/<user NodeID hex>`, `node/<NodeID hex>`,
 * `member/<validator key hex>`. Encodings (big-endian, one per value, versioned):
 *   nick    01 01 || u8 len || nick || signingKey(32) || agreementKey(32) || userNodeId(32) || home(32) || u64 since
 *   user    02 01 || signingKey(32) || agreementKey(32) || u32 seq || u8 len || nick (len 0: none)
 *   node    03 01 || signingKey(32) || agreementKey(32) || u64 since
 *   member  04 01 || publicKey(32) || u64 weight || nodeId(32)
 */
import { hash } from 'node:crypto'
import { concatBytes, toHex } from '../../lib/encoding.js'
import { Reader, Writer } from '../consensus/bytes.js'
import type { Hash } from './merkle.js'
import { isCanonicalNick } from './nick.js'

export const TAG_USER_ID = 'xlattice/cluster/user-id/v1'
export const TAG_NODE_ID = 'xlattice/cluster/node-id/v1'

const ENTRY_NICK = 1
const ENTRY_USER = 2
const ENTRY_NODE = 3
const ENTRY_MEMBER = 4
const VERSION = 1

const utf8 = new TextEncoder()
const ascii = new TextDecoder('latin1')
const ZERO = new Uint8Array([0])

/** SHA-256 in one call: a third cheaper than createHash for the short inputs hashed per operation. */
export function sha256Of(bytes: Uint8Array): Hash {
  const b = hash('sha256', bytes, 'buffer') as unknown as Buffer
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function derive(tag: string, clusterId: Uint8Array, key: Uint8Array): Hash {
  return sha256Of(concatBytes(utf8.encode(tag), ZERO, clusterId, key))
}

/** A user's NodeID (seed row 0.1.5): `sha256(TAG_USER_ID || 0x00 || clusterId || user signing key)`. */
export function userNodeId(clusterId: Uint8Array, signingKey: Uint8Array): Hash {
  return derive(TAG_USER_ID, clusterId, signingKey)
}

/** The NodeID the cluster assigns a node (seed row 0.1.9): same shape, tag TAG_NODE_ID. */
export function assignedNodeId(clusterId: Uint8Array, signingKey: Uint8Array): Hash {
  return derive(TAG_NODE_ID, clusterId, signingKey)
}

export const nickName = (nick: string): string => `nick/${nick}`
export const userName = (id: Uint8Array): string => `user/${toHex(id)}`
export const nodeName = (id: Uint8Array): string => `node/${toHex(id)}`
export const memberName = (publicKey: Uint8Array): string => `member/${toHex(publicKey)}`

/** The Merkle key of a typed registry key: `sha256(utf8(typed key))`. */
export function registryKey(name: string): Hash {
  return sha256Of(utf8.encode(name))
}

export const nickKey = (nick: string): Hash => registryKey(nickName(nick))
export const userKey = (id: Uint8Array): Hash => registryKey(userName(id))
export const nodeKey = (id: Uint8Array): Hash => registryKey(nodeName(id))
export const memberKey = (publicKey: Uint8Array): Hash => registryKey(memberName(publicKey))

/** The Merkle value of an entry: the SHA-256 of its canonical encoding. */
export function entryHash(encoding: Uint8Array): Hash {
  return sha256Of(encoding)
}

export interface NickEntry {
  nick: string
  signingKey: Uint8Array
  agreementKey: Uint8Array
  userNodeId: Uint8Array
  /** NodeID of the user's home node (whose XMPP server hosts the account). */
  home: Uint8Array
  /** Height of the block that registered it. */
  since: number
}

export interface UserEntry {
  userNodeId: Uint8Array
  signingKey: Uint8Array
  agreementKey: Uint8Array
  /** Accepted registrations and releases so far: the next one must carry this number. */
  seq: number
  /** The nick the user holds, or null. */
  nick: string | null
}

export interface NodeEntry {
  nodeId: Uint8Array
  signingKey: Uint8Array
  agreementKey: Uint8Array
  since: number
}

export interface MemberEntry {
  publicKey: Uint8Array
  weight: bigint
  nodeId: Uint8Array
}

export function encodeNickEntry(e: NickEntry): Uint8Array {
  const nick = utf8.encode(e.nick)
  return new Writer(140 + nick.length)
    .u8(ENTRY_NICK)
    .u8(VERSION)
    .u8(nick.length)
    .raw(nick)
    .raw(e.signingKey)
    .raw(e.agreementKey)
    .raw(e.userNodeId)
    .raw(e.home)
    .u64(e.since)
    .finish()
}

export function encodeUserEntry(e: Omit<UserEntry, 'userNodeId'>): Uint8Array {
  const nick = utf8.encode(e.nick ?? '')
  return new Writer(72 + nick.length)
    .u8(ENTRY_USER)
    .u8(VERSION)
    .raw(e.signingKey)
    .raw(e.agreementKey)
    .u32(e.seq)
    .u8(nick.length)
    .raw(nick)
    .finish()
}

export function encodeNodeEntry(e: NodeEntry): Uint8Array {
  return new Writer(74).u8(ENTRY_NODE).u8(VERSION).raw(e.signingKey).raw(e.agreementKey).u64(e.since).finish()
}

export function encodeMemberEntry(e: MemberEntry): Uint8Array {
  return new Writer(74).u8(ENTRY_MEMBER).u8(VERSION).raw(e.publicKey).u64big(e.weight).raw(e.nodeId).finish()
}

function header(r: Reader, type: number): void {
  if (r.u8() !== type || r.u8() !== VERSION) throw new RangeError('entry type')
}

function nickBytes(r: Reader, allowEmpty: boolean): string | null {
  const bytes = r.fixed(r.u8())
  if (bytes.length === 0 && allowEmpty) return null
  if (!isCanonicalNick(bytes)) throw new RangeError('nick')
  return ascii.decode(bytes)
}

function decode<T>(bytes: Uint8Array, f: (r: Reader) => T): T | null {
  try {
    const r = new Reader(bytes)
    const value = f(r)
    r.end()
    return value
  } catch {
    return null
  }
}

export function decodeNickEntry(bytes: Uint8Array): NickEntry | null {
  return decode(bytes, (r) => {
    header(r, ENTRY_NICK)
    const nick = nickBytes(r, false)!
    return {
      nick,
      signingKey: r.fixed(32),
      agreementKey: r.fixed(32),
      userNodeId: r.fixed(32),
      home: r.fixed(32),
      since: r.u64(),
    }
  })
}

/** `userNodeId` is not in the encoding (it is the entry's key); the caller supplies it. */
export function decodeUserEntry(bytes: Uint8Array, userNodeId: Uint8Array): UserEntry | null {
  return decode(bytes, (r) => {
    header(r, ENTRY_USER)
    return {
      userNodeId,
      signingKey: r.fixed(32),
      agreementKey: r.fixed(32),
      seq: r.u32(),
      nick: nickBytes(r, true),
    }
  })
}

export function decodeNodeEntry(bytes: Uint8Array, nodeId: Uint8Array): NodeEntry | null {
  return decode(bytes, (r) => {
    header(r, ENTRY_NODE)
    return { nodeId, signingKey: r.fixed(32), agreementKey: r.fixed(32), since: r.u64() }
  })
}

export function decodeMemberEntry(bytes: Uint8Array): MemberEntry | null {
  return decode(bytes, (r) => {
    header(r, ENTRY_MEMBER)
    return { publicKey: r.fixed(32), weight: r.u64big(), nodeId: r.fixed(32) }
  })
}
