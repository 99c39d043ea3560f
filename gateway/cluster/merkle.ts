/**
 * An authenticated map for the replicated cluster registry (seed row 0.1.2): 32-byte keys
 * (hashes of registry keys) to 32-byte value hashes, committed under one Merkle root, with
 * inclusion and non-inclusion proofs.
 *
 * A compressed sparse Merkle tree over the 256 key bits, most significant first, hashed as
 * Diem/Aptos's Jellyfish Merkle tree is: with T = utf8('xlattice/merkle/v1'),
 *   leaf     = SHA-256(T || 0x00 || key || valueHash)
 *   internal = SHA-256(T || 0x01 || left || right)
 *   empty    = SHA-256(T || 0x02)                    (a constant, EMPTY_ROOT)
 * and a subtree holding a single leaf hashes to that leaf, wherever it sits, so paths are
 * ~log2(n) long instead of 256. Levels above a branch whose other side is empty are still
 * hashed (internal(h, empty) or internal(empty, h)), so the root is a function of the set of
 * entries alone, never of insertion order or deletions.
 *
 * In memory it is a crit-bit (Patricia) trie holding only the branching nodes; keys and hashes
 * are 32-character latin1 strings (48 bytes each on V8's heap, a Uint8Array costs several times
 * that). A mutation clears the cached hashes on its path; `root()` recomputes only those.
 * References: docs/protocols/cluster-registry.md "Merkle state and binding proofs";
 * Gao et al., "Jellyfish Merkle Tree" (Diem, 2021), section 3.
 */
import { hash as digest } from 'node:crypto'
import type { Decoded } from '../consensus/index.js'

export type Hash = Uint8Array

/** A proof that `key` maps to a value hash, or to nothing, under a root. */
export interface MerkleProof {
  /** Sibling hashes along the path from the leaf (or empty slot) up to the root. */
  siblings: Hash[]
  /** For non-inclusion through another leaf on the path: that leaf's key and value hash. */
  other?: { key: Hash; valueHash: Hash }
}

export const MERKLE_TAG = 'xlattice/merkle/v1'
export const MAX_DEPTH = 256
const TAG = Buffer.from(MERKLE_TAG, 'latin1')
const KIND_LEAF = 0
const KIND_NODE = 1
const KIND_EMPTY = 2

const scratch = Buffer.alloc(TAG.length + 65)
const PREFIX = [KIND_LEAF, KIND_NODE].map((kind) => MERKLE_TAG + String.fromCharCode(kind))

/**
 * SHA-256(T || kind || a || b) over latin1 strings ('binary' is Node's name for latin1 in the
 * typings). One write of the concatenation costs less than a write per part.
 */
function h2(kind: number, a: string, b: string): string {
  scratch.write(PREFIX[kind] + a + b, 0, 'latin1')
  return digest('sha256', scratch, 'binary')
}

const str = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const bytes = (s: string): Hash => new Uint8Array(Buffer.from(s, 'latin1'))
const isHash = (x: unknown): x is Hash => x instanceof Uint8Array && x.length === 32

const EMPTY = digest('sha256', Buffer.concat([TAG, Buffer.from([KIND_EMPTY])]), 'binary')
/** The root of the empty map, and the hash of every empty subtree. */
export const EMPTY_ROOT: Hash = bytes(EMPTY)

/** Bit i of a 32-character key string, most significant bit of the first byte first. */
const bitAt = (k: string, i: number): number => (k.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1

/** The first bit where two keys differ, or -1 when they are equal. */
function firstDiff(a: string, b: string): number {
  for (let i = 0; i < 32; i++) {
    const x = a.charCodeAt(i) ^ b.charCodeAt(i)
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return -1
}

/** Raises the hash of the subtree at depth `from` under key's prefix to depth `to`. */
function lift(h: string, key: string, from: number, to: number): string {
  for (let d = from - 1; d >= to; d--)
    h = bitAt(key, d) === 1 ? h2(KIND_NODE, EMPTY, h) : h2(KIND_NODE, h, EMPTY)
  return h
}

class Leaf {
  hash: string | null = null
  constructor(
    readonly key: string,
    public value: string,
  ) {}
}

/**
 * Both sides non-empty; every key below shares `key`'s first `bit` bits and splits at `bit`.
 * `hash` is the subtree's hash seen from where it hangs (its parent's bit + 1, or 0 at the
 * root), so it is cleared when the node moves as well as when something below it changes.
 */
class Branch {
  hash: string | null = null
  constructor(
    readonly bit: number,
    /** Some key once inserted below (possibly deleted since): its first `bit` bits are the prefix. */
    readonly key: string,
    public left: TrieNode,
    public right: TrieNode,
  ) {}
}

type TrieNode = Leaf | Branch

export class MerkleMap {
  #root: TrieNode | null = null
  #size = 0
  #rootHash: string | null = EMPTY

  get size(): number {
    return this.#size
  }

  get(key: Hash): Hash | undefined {
    const k = str(checked(key))
    const leaf = this.#closest(k)
    return leaf !== null && leaf.key === k ? bytes(leaf.value) : undefined
  }

  set(key: Hash, valueHash: Hash): void {
    const k = str(checked(key))
    const v = str(checked(valueHash))
    const near = this.#closest(k)
    if (near === null) {
      this.#root = new Leaf(k, v)
      this.#size = 1
      this.#rootHash = null
      return
    }
    const d = firstDiff(k, near.key)
    if (d < 0) {
      if (near.value === v) return
      near.value = v
      near.hash = null
      this.#clearPath(k, near)
      return
    }
    // Crit-bit insertion: the new branch goes above the first node on k's path splitting past d.
    let parent: Branch | null = null
    let cur = this.#root!
    while (cur instanceof Branch && cur.bit < d) {
      cur.hash = null
      parent = cur
      cur = bitAt(k, cur.bit) === 1 ? cur.right : cur.left
    }
    if (cur instanceof Branch) cur.hash = null // it now hangs at d + 1
    const leaf = new Leaf(k, v)
    this.#replace(parent, k, bitAt(k, d) === 1 ? new Branch(d, k, cur, leaf) : new Branch(d, k, leaf, cur))
    this.#size++
    this.#rootHash = null
  }

  delete(key: Hash): boolean {
    const k = str(checked(key))
    let grand: Branch | null = null
    let parent: Branch | null = null
    let cur = this.#root
    while (cur instanceof Branch) {
      grand = parent
      parent = cur
      cur = bitAt(k, cur.bit) === 1 ? cur.right : cur.left
    }
    if (cur === null || cur.key !== k) return false
    if (parent === null) this.#root = null
    else {
      this.#clearPath(k, parent)
      const sibling = parent.left === cur ? parent.right : parent.left
      if (sibling instanceof Branch) sibling.hash = null // it moves up to the grandparent
      this.#replace(grand, k, sibling)
    }
    this.#size--
    this.#rootHash = this.#root === null ? EMPTY : null
    return true
  }

  /** The root over every entry; cheap when nothing changed since the last call. */
  root(): Hash {
    if (this.#rootHash === null) this.#rootHash = this.#hang(this.#root!, 0)
    return bytes(this.#rootHash)
  }

  prove(key: Hash): MerkleProof {
    const k = str(checked(key))
    const top: string[] = []
    let depth = 0
    let cur = this.#root
    while (cur instanceof Branch) {
      const d = firstDiff(k, cur.key)
      if (d >= 0 && d < cur.bit) {
        // k leaves the common prefix at d: its slot at depth d + 1 is empty.
        for (; depth < d; depth++) top.push(EMPTY)
        top.push(lift(this.#own(cur), cur.key, cur.bit, d + 1))
        return { siblings: top.reverse().map(bytes) }
      }
      for (; depth < cur.bit; depth++) top.push(EMPTY)
      const right = bitAt(k, cur.bit) === 1
      top.push(this.#hang(right ? cur.left : cur.right, cur.bit + 1))
      depth++
      cur = right ? cur.right : cur.left
    }
    const siblings = top.reverse().map(bytes)
    if (cur === null || cur.key === k) return { siblings }
    return { siblings, other: { key: bytes(cur.key), valueHash: bytes(cur.value) } }
  }

  /** The leaf k's bits lead to (the crit-bit "best match"), or null for an empty map. */
  #closest(k: string): Leaf | null {
    let cur = this.#root
    while (cur instanceof Branch) cur = bitAt(k, cur.bit) === 1 ? cur.right : cur.left
    return cur
  }

  /** Clears the cached branch hashes along k's path from the root down to `stop`, inclusive. */
  #clearPath(k: string, stop: TrieNode): void {
    let cur = this.#root
    while (cur instanceof Branch && cur !== stop) {
      cur.hash = null
      cur = bitAt(k, cur.bit) === 1 ? cur.right : cur.left
    }
    if (stop instanceof Branch) stop.hash = null
    this.#rootHash = null
  }

  #replace(parent: Branch | null, k: string, node: TrieNode): void {
    if (parent === null) this.#root = node
    else if (bitAt(k, parent.bit) === 1) parent.right = node
    else parent.left = node
  }

  /**
   * The hash of `node`'s subtree seen from `depth`, where it hangs (a leaf's is the same at any
   * depth); cached, so a clean subtree costs nothing.
   */
  #hang(node: TrieNode, depth: number): string {
    if (node instanceof Leaf) {
      if (node.hash === null) node.hash = h2(KIND_LEAF, node.key, node.value)
      return node.hash
    }
    if (node.hash === null) node.hash = lift(this.#own(node), node.key, node.bit, depth)
    return node.hash
  }

  /** A branch's hash at its own depth (`bit`), from its children's. */
  #own(node: Branch): string {
    return h2(KIND_NODE, this.#hang(node.left, node.bit + 1), this.#hang(node.right, node.bit + 1))
  }
}

function checked(h: Hash): Hash {
  if (!isHash(h)) throw new TypeError('merkle keys and value hashes are 32-byte Uint8Arrays')
  return h
}

/** Whether `proof` shows `key` -> `valueHash` (or, with `valueHash` undefined, key absent) under `root`. */
export function verifyMerkleProof(
  root: Hash,
  key: Hash,
  valueHash: Hash | undefined,
  proof: MerkleProof,
): boolean {
  try {
    if (!isHash(root) || !isHash(key) || (valueHash !== undefined && !isHash(valueHash))) return false
    const siblings: unknown = proof?.siblings
    if (!Array.isArray(siblings) || siblings.length > MAX_DEPTH) return false
    const k = str(key)
    const other = proof.other
    let h: string
    if (valueHash !== undefined) {
      if (other !== undefined) return false
      h = h2(KIND_LEAF, k, str(valueHash))
    } else if (other === undefined) {
      h = EMPTY
    } else {
      if (!isHash(other.key) || !isHash(other.valueHash)) return false
      // The other leaf must not be key and must sit on key's path (share its first depth bits);
      // the second holds anyway unless SHA-256 collides, as in Jellyfish's verifier.
      const d = firstDiff(k, str(other.key))
      if (d < 0 || d < siblings.length) return false
      h = h2(KIND_LEAF, str(other.key), str(other.valueHash))
    }
    for (let i = 0; i < siblings.length; i++) {
      const s: unknown = siblings[i]
      if (!isHash(s)) return false
      h = bitAt(k, siblings.length - 1 - i) === 1 ? h2(KIND_NODE, str(s), h) : h2(KIND_NODE, h, str(s))
    }
    return h === str(root)
  } catch {
    return false
  }
}

/** Largest encoded proof: header, bitmap, 256 siblings, the other leaf. */
export const MAX_MERKLE_PROOF_BYTES = 4 + 32 + 32 * MAX_DEPTH + 64
const PROOF_VERSION = 1

/**
 * `u8 version(1) || u8 flags (1: other leaf follows) || u16 depth || bitmap (ceil(depth/8)
 * bytes, bit i set when siblings[i] is not the empty hash, MSB first) || the set siblings ||
 * [other key || other valueHash]`. One encoding per proof: padding bits and explicit empty
 * siblings are refused.
 */
export function encodeMerkleProof(proof: MerkleProof): Uint8Array {
  const depth = proof.siblings.length
  const full = proof.siblings.filter((s) => str(s) !== EMPTY)
  const mapBytes = (depth + 7) >> 3
  const out = Buffer.alloc(4 + mapBytes + 32 * full.length + (proof.other ? 64 : 0))
  out[0] = PROOF_VERSION
  out[1] = proof.other ? 1 : 0
  out.writeUInt16BE(depth, 2)
  let at = 4 + mapBytes
  proof.siblings.forEach((s, i) => {
    if (str(s) === EMPTY) return
    out[4 + (i >> 3)] |= 0x80 >> (i & 7)
    out.set(s, at)
    at += 32
  })
  if (proof.other) {
    out.set(proof.other.key, at)
    out.set(proof.other.valueHash, at + 32)
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/** Decodes a proof; never throws, `{ ok: false, error }` for junk. */
export function decodeMerkleProof(input: Uint8Array): Decoded<MerkleProof> {
  const fail = (error: string): Decoded<MerkleProof> => ({ ok: false, error })
  if (!(input instanceof Uint8Array)) return fail('not bytes')
  if (input.length < 4 || input.length > MAX_MERKLE_PROOF_BYTES) return fail('proof length out of range')
  if (input[0] !== PROOF_VERSION) return fail('unknown proof version')
  if (input[1] > 1) return fail('unknown proof flags')
  const depth = (input[2] << 8) | input[3]
  if (depth > MAX_DEPTH) return fail('proof deeper than 256')
  const mapBytes = (depth + 7) >> 3
  if (input.length < 4 + mapBytes) return fail('truncated')
  let at = 4 + mapBytes
  const siblings: Hash[] = []
  for (let i = 0; i < mapBytes * 8; i++) {
    const set = (input[4 + (i >> 3)] >> (7 - (i & 7))) & 1
    if (i >= depth) {
      if (set) return fail('bitmap padding not zero')
      continue
    }
    if (!set) {
      siblings.push(bytes(EMPTY))
      continue
    }
    if (input.length < at + 32) return fail('truncated')
    const s = input.slice(at, at + 32)
    if (str(s) === EMPTY) return fail('empty sibling encoded explicitly')
    siblings.push(s)
    at += 32
  }
  let other: MerkleProof['other']
  if (input[1] === 1) {
    if (input.length < at + 64) return fail('truncated')
    other = { key: input.slice(at, at + 32), valueHash: input.slice(at + 32, at + 64) }
    at += 64
  }
  if (at !== input.length) return fail('trailing bytes')
  return { ok: true, value: other ? { siblings, other } : { siblings } }
}
