/**
 * The registry's entries in memory, mirrored in the Merkle map whose root is the state root,
 * with the store writes that persist each change (collected for the commit's batch). Entries
 * are held as their canonical encodings, outside V8's heap (lib/offheap-map.ts: nicks, users
 * and nodes grow with the registry, members do not), and decoded when read. Store keys:
 * `a/e/<typed key>`.
 *
 * One exception, for memory: the user entry of a user who holds a nick repeats that nick
 * entry's keys, so it is held linked, as `\0 || u32 seq || nick` (a third of its size), and
 * expanded from the nick entry when read; a nick entry that changes or goes first expands the
 * user entry linked to it. The store and the Merkle map always get the full encoding.
 */
import { fromHex } from '../../lib/encoding.js'
import type { BatchOp } from '../../lib/store/index.js'
import {
  decodeMemberEntry,
  decodeNickEntry,
  decodeNodeEntry,
  decodeUserEntry,
  encodeMemberEntry,
  encodeNickEntry,
  encodeNodeEntry,
  encodeUserEntry,
  entryHash,
  type MemberEntry,
  memberName,
  type NickEntry,
  type NodeEntry,
  nickName,
  nodeName,
  registryKey,
  type UserEntry,
  userName,
} from './entries.js'
import { OffHeapMap } from '../../lib/offheap-map.js'
import { MerkleMap } from './merkle.js'

export const ENTRY_PREFIX = 'a/e/'

const bin = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const unbin = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))

/** First character of a linked user entry (a full encoding starts with its type, 0x02). */
const LINKED = '\u0000'
/** Where a nick entry's fields start, after `01 01 || u8 len || nick`. */
const keysAt = (nickEntry: string): number => 3 + nickEntry.charCodeAt(2)

/** How many decoded nick entries RegistryState keeps for reads. */
const NICK_READS = 1024

/** What the entry maps share: the members' is a Map (few, iterated), the others are off the heap. */
type StringMap = Pick<OffHeapMap, 'get' | 'set' | 'delete' | 'has'>

export class RegistryState {
  readonly merkle = new MerkleMap()
  readonly #nicks = new OffHeapMap()
  readonly #users = new OffHeapMap()
  readonly #nodes = new OffHeapMap()
  readonly #members = new Map<string, string>()
  /**
   * Nick entries decoded by recent reads: every relayed message looks its sender or recipient
   * up, mostly the same few nicks, and decoding one costs more than the rest of the lookup.
   * Dropped for a nick whenever its entry changes; emptied when full. Callers must not mutate
   * what nick() returns.
   */
  readonly #nickReads = new Map<string, NickEntry>()
  #memberNodeIds: Set<string> | null = null
  #writes: BatchOp[] = []

  get nickCount(): number {
    return this.#nicks.size
  }

  nick(nick: string): NickEntry | undefined {
    const read = this.#nickReads.get(nick)
    if (read !== undefined) return read
    const e = this.#nicks.get(nick)
    const entry = e === undefined ? undefined : (decodeNickEntry(unbin(e)) ?? undefined)
    if (entry !== undefined) {
      if (this.#nickReads.size >= NICK_READS) this.#nickReads.clear()
      this.#nickReads.set(nick, entry)
    }
    return entry
  }

  hasNick(nick: string): boolean {
    return this.#nicks.has(nick)
  }

  user(id: Uint8Array): UserEntry | undefined {
    const e = this.#users.get(bin(id))
    return e === undefined ? undefined : (decodeUserEntry(unbin(this.#expand(e)), id) ?? undefined)
  }

  node(id: Uint8Array): NodeEntry | undefined {
    const e = this.#nodes.get(bin(id))
    return e === undefined ? undefined : (decodeNodeEntry(unbin(e), id) ?? undefined)
  }

  member(publicKey: Uint8Array): MemberEntry | undefined {
    const e = this.#members.get(bin(publicKey))
    return e === undefined ? undefined : (decodeMemberEntry(unbin(e)) ?? undefined)
  }

  isMember(publicKey: Uint8Array): boolean {
    return this.#members.has(bin(publicKey))
  }

  /** Members in validator order (by public key). */
  members(): MemberEntry[] {
    return [...this.#members.keys()].sort().map((k) => decodeMemberEntry(unbin(this.#members.get(k)!))!)
  }

  /** A NodeID the registry knows: a member's, or one it assigned. */
  knowsNode(id: Uint8Array): boolean {
    if (this.#nodes.has(bin(id))) return true
    if (this.#memberNodeIds === null) {
      this.#memberNodeIds = new Set(this.members().map((m) => bin(m.nodeId)))
    }
    return this.#memberNodeIds.has(bin(id))
  }

  putNick(e: NickEntry): void {
    this.#nickReads.delete(e.nick)
    this.#unlink(e.nick)
    this.#set(this.#nicks, e.nick, nickName(e.nick), encodeNickEntry(e))
  }

  deleteNick(nick: string): void {
    this.#nickReads.delete(nick)
    this.#unlink(nick)
    this.#set(this.#nicks, nick, nickName(nick), null)
  }

  putUser(e: UserEntry): void {
    const key = bin(e.userNodeId)
    this.#set(this.#users, key, userName(e.userNodeId), encodeUserEntry(e))
    this.#link(key, this.#users.get(key)!)
  }

  putNode(e: NodeEntry): void {
    this.#set(this.#nodes, bin(e.nodeId), nodeName(e.nodeId), encodeNodeEntry(e))
  }

  putMember(e: MemberEntry): void {
    this.#memberNodeIds = null
    this.#set(this.#members, bin(e.publicKey), memberName(e.publicKey), encodeMemberEntry(e))
  }

  deleteMember(publicKey: Uint8Array): void {
    this.#memberNodeIds = null
    this.#set(this.#members, bin(publicKey), memberName(publicKey), null)
  }

  /** The store writes of every change since the last call. */
  takeWrites(): BatchOp[] {
    const writes = this.#writes
    this.#writes = []
    return writes
  }

  /**
   * Re-enters a persisted entry (load): `name` is the typed key after `a/e/`. False when the
   * key or the encoding is damaged. Nothing is queued for writing.
   */
  restore(name: string, value: Uint8Array): boolean {
    const slash = name.indexOf('/')
    const kind = name.slice(0, slash)
    const rest = name.slice(slash + 1)
    let id: Uint8Array
    try {
      id = kind === 'nick' ? new Uint8Array() : fromHex(rest, 32)
    } catch {
      return false
    }
    let map: StringMap
    let mapKey: string
    switch (kind) {
      case 'nick': {
        if (decodeNickEntry(value)?.nick !== rest) return false
        map = this.#nicks
        mapKey = rest
        break
      }
      case 'user':
        // Nick entries come first in key order, so a user's nick entry is already here.
        if (decodeUserEntry(value, id) === null) return false
        map = this.#users
        mapKey = bin(id)
        break
      case 'node':
        if (decodeNodeEntry(value, id) === null) return false
        map = this.#nodes
        mapKey = bin(id)
        break
      case 'member': {
        const m = decodeMemberEntry(value)
        if (m === null || bin(m.publicKey) !== bin(id)) return false
        this.#memberNodeIds = null
        map = this.#members
        mapKey = bin(id)
        break
      }
      default:
        return false
    }
    map.set(mapKey, bin(value))
    if (map === this.#users) this.#link(mapKey, bin(value))
    this.merkle.set(registryKey(name), entryHash(value))
    return true
  }

  /** Holds a user entry linked to its nick entry when that one carries the same keys and ID. */
  #link(key: string, full: string): void {
    const nickLength = full.charCodeAt(70)
    if (nickLength === 0 || full.length !== 71 + nickLength) return
    const nick = full.slice(71)
    const n = this.#nicks.get(nick)
    if (n === undefined) return
    const at = keysAt(n)
    if (n.slice(at, at + 64) !== full.slice(2, 66) || n.slice(at + 64, at + 96) !== key) return
    // Flattened: a concatenation or a slice would be a V8 cons or sliced string that keeps
    // `full` alive, costing more than it saves.
    this.#users.set(key, Buffer.from(LINKED + full.slice(66, 70) + nick, 'latin1').toString('latin1'))
  }

  /** The full encoding of a held user entry (latin1). */
  #expand(held: string): string {
    if (held[0] !== LINKED) return held
    const nick = held.slice(5)
    const n = this.#nicks.get(nick)!
    const at = keysAt(n)
    return `\u0002\u0001${n.slice(at, at + 64)}${held.slice(1, 5)}${String.fromCharCode(nick.length)}${nick}`
  }

  /** Before a nick entry changes or goes: the user entry linked to it is held in full again. */
  #unlink(nick: string): void {
    const n = this.#nicks.get(nick)
    if (n === undefined) return
    const at = keysAt(n)
    const key = n.slice(at + 64, at + 96)
    const held = this.#users.get(key)
    if (held !== undefined && held[0] === LINKED) this.#users.set(key, this.#expand(held))
  }

  #set(map: StringMap, mapKey: string, name: string, encoding: Uint8Array | null): void {
    if (encoding === null) {
      if (!map.delete(mapKey)) return
      this.merkle.delete(registryKey(name))
      this.#writes.push({ type: 'del', key: ENTRY_PREFIX + name })
      return
    }
    map.set(mapKey, bin(encoding))
    this.merkle.set(registryKey(name), entryHash(encoding))
    this.#writes.push({ type: 'put', key: ENTRY_PREFIX + name, value: encoding })
  }
}
