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
 * In memory it is a crit-bit (Patricia) trie holding only the branching nodes, in typed arrays
 * outside V8's heap: a leaf is its key and value hash (64 bytes), a branch its bit, two child
 * references and its cached hash (44 bytes): 108 bytes per entry measured, where objects with
 * string fields took ~300 bytes of V8 heap and kept the heap (and each full collection) growing
 * with the registry. A mutation clears the cached hashes on its path; `root()` recomputes only those,
 * hashing a leaf when its branch needs it (leaf hashes are not kept).
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

const isHash = (x: unknown): x is Hash => x instanceof Uint8Array && x.length === 32

/** The root of the empty map, and the hash of every empty subtree. */
export const EMPTY_ROOT: Hash = new Uint8Array(
  digest('sha256', Buffer.concat([TAG, Buffer.from([KIND_EMPTY])]), 'buffer') as unknown as Buffer,
)
const isEmpty = (h: Hash): boolean => diffAt(h, 0, EMPTY_ROOT, 0) < 0

/** Bit i of key bytes at offset o, most significant bit of the first byte first. */
const bitOf = (a: Uint8Array, o: number, i: number): number => (a[o + (i >> 3)] >> (7 - (i & 7))) & 1

/** The first bit where the 32-byte keys at a[ao] and b[bo] differ, or -1 when they are equal. */
function diffAt(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 32; i++) {
    const x = a[ao + i] ^ b[bo + i]
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return -1
}

const HEAD = TAG.length + 1
const scratchBytes = Buffer.alloc(HEAD + 64)
TAG.copy(scratchBytes)

/** out[oo..] = SHA-256(T || kind || a[ao..ao+32] || b[bo..bo+32]); out may be a or b. */
function hashInto(
  kind: number,
  a: Uint8Array,
  ao: number,
  b: Uint8Array,
  bo: number,
  out: Uint8Array,
  oo: number,
): void {
  const s = scratchBytes
  s[TAG.length] = kind
  for (let i = 0; i < 32; i++) s[HEAD + i] = a[ao + i]
  for (let i = 0; i < 32; i++) s[HEAD + 32 + i] = b[bo + i]
  // A latin1 string result costs less than a Buffer's allocation ('binary' in the typings).
  const h = digest('sha256', s, 'binary')
  for (let i = 0; i < 32; i++) out[oo + i] = h.charCodeAt(i)
}

/** A reference to a trie node: a branch's index (>= 0), or ~index of a leaf (< 0). */
type Ref = number
const NONE: Ref = 0x7fffffff
/** Set in a branch's first word when its cached hash is current. */
const VALID = 0x100
const BIT = 0xff
/**
 * Nodes live in chunks of 4,096, allocated as needed and never moved: growing copies nothing
 * and leaves no dead copy for the collector, and at most one chunk of each kind is part empty.
 */
const SHIFT = 12
const PER_CHUNK = 1 << SHIFT
const MASK = PER_CHUNK - 1

export class MerkleMap {
  /** Leaf j: key at [64k, 64k + 32), value hash at [64k + 32, 64k + 64) of chunk j >> SHIFT, k = j & MASK. */
  readonly #leaves: Uint8Array[] = []
  /** Branch i: words [3k] = bit | VALID, [3k + 1] = left, [3k + 2] = right. */
  readonly #branches: Int32Array[] = []
  /** Branch i's cached hash, seen from where it hangs: [32k, 32k + 32). */
  readonly #hashes: Uint8Array[] = []
  #leafCount = 0
  #branchCount = 0
  readonly #freeLeaves: number[] = []
  readonly #freeBranches: number[] = []
  /** Two child hashes per depth while hashing: a branch's children go to [64 bit, 64 bit + 64). */
  readonly #stack = new Uint8Array(64 * MAX_DEPTH)
  #root: Ref = NONE
  #size = 0
  #rootHash: Uint8Array | null = EMPTY_ROOT.slice()

  get size(): number {
    return this.#size
  }

  get(key: Hash): Hash | undefined {
    checked(key)
    const leaf = this.#closest(key)
    if (leaf === NONE) return undefined
    const chunk = this.#leaves[leaf >>> SHIFT]
    const at = (leaf & MASK) * 64
    return diffAt(key, 0, chunk, at) < 0 ? chunk.slice(at + 32, at + 64) : undefined
  }

  set(key: Hash, valueHash: Hash): void {
    checked(key)
    checked(valueHash)
    const near = this.#closest(key)
    if (near === NONE) {
      this.#root = ~this.#newLeaf(key, valueHash)
      this.#size = 1
      this.#rootHash = null
      return
    }
    const chunk = this.#leaves[near >>> SHIFT]
    const at = (near & MASK) * 64
    const d = diffAt(key, 0, chunk, at)
    if (d < 0) {
      if (diffAt(valueHash, 0, chunk, at + 32) < 0) return
      chunk.set(valueHash, at + 32)
      this.#clearPath(key, ~near)
      return
    }
    // Crit-bit insertion: the new branch goes above the first node on key's path splitting past d.
    let parent = NONE
    let cur = this.#root
    while (cur >= 0 && this.#bit(cur) < d) {
      this.#invalidate(cur)
      parent = cur
      cur = this.#child(cur, key)
    }
    if (cur >= 0) this.#invalidate(cur) // it now hangs at d + 1
    const leaf = ~this.#newLeaf(key, valueHash)
    const branch = bitOf(key, 0, d) === 1 ? this.#newBranch(d, cur, leaf) : this.#newBranch(d, leaf, cur)
    this.#replace(parent, key, branch)
    this.#size++
    this.#rootHash = null
  }

  delete(key: Hash): boolean {
    checked(key)
    let grand = NONE
    let parent = NONE
    let cur = this.#root
    while (cur >= 0 && cur !== NONE) {
      grand = parent
      parent = cur
      cur = this.#child(cur, key)
    }
    if (cur === NONE || diffAt(key, 0, this.#leaves[~cur >>> SHIFT], (~cur & MASK) * 64) >= 0) return false
    if (parent === NONE) this.#root = NONE
    else {
      this.#clearPath(key, parent)
      const words = this.#branches[parent >>> SHIFT]
      const k = (parent & MASK) * 3
      const sibling = words[k + 1] === cur ? words[k + 2] : words[k + 1]
      if (sibling >= 0) this.#invalidate(sibling) // it moves up to the grandparent
      this.#replace(grand, key, sibling)
      this.#freeBranches.push(parent)
    }
    this.#freeLeaves.push(~cur)
    this.#size--
    this.#rootHash = this.#root === NONE ? EMPTY_ROOT.slice() : null
    return true
  }

  /** The root over every entry; cheap when nothing changed since the last call. */
  root(): Hash {
    if (this.#rootHash === null) {
      const h = new Uint8Array(32)
      this.#hang(this.#root, 0, h, 0)
      this.#rootHash = h
    }
    return this.#rootHash.slice()
  }

  prove(key: Hash): MerkleProof {
    checked(key)
    const top: Hash[] = []
    let depth = 0
    let cur = this.#root
    while (cur >= 0 && cur !== NONE) {
      const bit = this.#bit(cur)
      const some = this.#anyLeaf(cur)
      const d = diffAt(key, 0, this.#leaves[some >>> SHIFT], (some & MASK) * 64)
      if (d >= 0 && d < bit) {
        // key leaves the common prefix at d: its slot at depth d + 1 is empty.
        for (; depth < d; depth++) top.push(EMPTY_ROOT.slice())
        const h = new Uint8Array(32)
        this.#own(cur, h, 0)
        this.#lift(h, 0, some, bit, d + 1)
        top.push(h)
        return { siblings: top.reverse() }
      }
      for (; depth < bit; depth++) top.push(EMPTY_ROOT.slice())
      const right = bitOf(key, 0, bit)
      const words = this.#branches[cur >>> SHIFT]
      const k = (cur & MASK) * 3
      const h = new Uint8Array(32)
      this.#hang(words[k + 2 - right], bit + 1, h, 0)
      top.push(h)
      depth++
      cur = words[k + 1 + right]
    }
    const siblings = top.reverse()
    if (cur === NONE) return { siblings }
    const chunk = this.#leaves[~cur >>> SHIFT]
    const at = (~cur & MASK) * 64
    if (diffAt(key, 0, chunk, at) < 0) return { siblings }
    return { siblings, other: { key: chunk.slice(at, at + 32), valueHash: chunk.slice(at + 32, at + 64) } }
  }

  #bit(branch: number): number {
    return this.#branches[branch >>> SHIFT][(branch & MASK) * 3] & BIT
  }

  #invalidate(branch: number): void {
    this.#branches[branch >>> SHIFT][(branch & MASK) * 3] &= BIT
  }

  #child(branch: number, key: Uint8Array): Ref {
    const words = this.#branches[branch >>> SHIFT]
    const k = (branch & MASK) * 3
    return words[k + 1 + bitOf(key, 0, words[k] & BIT)]
  }

  /** The leaf key's bits lead to (the crit-bit "best match"), or NONE for an empty map. */
  #closest(key: Uint8Array): number {
    let cur = this.#root
    if (cur === NONE) return NONE
    while (cur >= 0) cur = this.#child(cur, key)
    return ~cur
  }

  /** Some leaf under a node: every key below a branch shares its prefix. */
  #anyLeaf(ref: Ref): number {
    while (ref >= 0) ref = this.#branches[ref >>> SHIFT][(ref & MASK) * 3 + 1]
    return ~ref
  }

  /** Clears the cached branch hashes along key's path from the root down to `stop`, inclusive. */
  #clearPath(key: Uint8Array, stop: Ref): void {
    let cur = this.#root
    while (cur >= 0 && cur !== NONE && cur !== stop) {
      this.#invalidate(cur)
      cur = this.#child(cur, key)
    }
    if (stop >= 0) this.#invalidate(stop)
    this.#rootHash = null
  }

  #replace(parent: Ref, key: Uint8Array, node: Ref): void {
    if (parent === NONE) {
      this.#root = node
      return
    }
    const words = this.#branches[parent >>> SHIFT]
    const k = (parent & MASK) * 3
    words[k + 1 + bitOf(key, 0, words[k] & BIT)] = node
  }

  #newLeaf(key: Uint8Array, valueHash: Uint8Array): number {
    let j = this.#freeLeaves.pop()
    if (j === undefined) {
      j = this.#leafCount++
      if ((j & MASK) === 0) this.#leaves.push(new Uint8Array(64 * PER_CHUNK))
    }
    const chunk = this.#leaves[j >>> SHIFT]
    chunk.set(key, (j & MASK) * 64)
    chunk.set(valueHash, (j & MASK) * 64 + 32)
    return j
  }

  #newBranch(bit: number, left: Ref, right: Ref): number {
    let i = this.#freeBranches.pop()
    if (i === undefined) {
      i = this.#branchCount++
      if ((i & MASK) === 0) {
        this.#branches.push(new Int32Array(3 * PER_CHUNK))
        this.#hashes.push(new Uint8Array(32 * PER_CHUNK))
      }
    }
    const words = this.#branches[i >>> SHIFT]
    const k = (i & MASK) * 3
    words[k] = bit
    words[k + 1] = left
    words[k + 2] = right
    return i
  }

  /**
   * Writes the hash of `ref`'s subtree seen from `depth`, where it hangs, to out[oo..] (a leaf's
   * is the same at any depth). A branch's is cached, so a clean subtree costs one copy.
   */
  #hang(ref: Ref, depth: number, out: Uint8Array, oo: number): void {
    if (ref < 0) {
      const chunk = this.#leaves[~ref >>> SHIFT]
      const at = (~ref & MASK) * 64
      hashInto(KIND_LEAF, chunk, at, chunk, at + 32, out, oo)
      return
    }
    const words = this.#branches[ref >>> SHIFT]
    const k = (ref & MASK) * 3
    const hashes = this.#hashes[ref >>> SHIFT]
    const at = (ref & MASK) * 32
    if ((words[k] & VALID) === 0) {
      const bit = words[k] & BIT
      this.#own(ref, hashes, at)
      if (depth < bit) this.#lift(hashes, at, this.#anyLeaf(ref), bit, depth)
      words[k] = bit | VALID
    }
    out.set(hashes.subarray(at, at + 32), oo)
  }

  /** A branch's hash at its own depth (its bit), from its children's. */
  #own(branch: number, out: Uint8Array, oo: number): void {
    const words = this.#branches[branch >>> SHIFT]
    const k = (branch & MASK) * 3
    const bit = words[k] & BIT
    const s = this.#stack
    this.#hang(words[k + 1], bit + 1, s, 64 * bit)
    this.#hang(words[k + 2], bit + 1, s, 64 * bit + 32)
    hashInto(KIND_NODE, s, 64 * bit, s, 64 * bit + 32, out, oo)
  }

  /** Raises the hash at h[ho..] of a subtree at depth `from` under leaf's prefix to depth `to`. */
  #lift(h: Uint8Array, ho: number, leaf: number, from: number, to: number): void {
    const chunk = this.#leaves[leaf >>> SHIFT]
    const at = (leaf & MASK) * 64
    for (let d = from - 1; d >= to; d--)
      if (bitOf(chunk, at, d) === 1) hashInto(KIND_NODE, EMPTY_ROOT, 0, h, ho, h, ho)
      else hashInto(KIND_NODE, h, ho, EMPTY_ROOT, 0, h, ho)
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
    const other = proof.other
    const h = new Uint8Array(32)
    if (valueHash !== undefined) {
      if (other !== undefined) return false
      hashInto(KIND_LEAF, key, 0, valueHash, 0, h, 0)
    } else if (other === undefined) {
      h.set(EMPTY_ROOT)
    } else {
      if (!isHash(other.key) || !isHash(other.valueHash)) return false
      // The other leaf must not be key and must sit on key's path (share its first depth bits);
      // the second holds anyway unless SHA-256 collides, as in Jellyfish's verifier.
      const d = diffAt(key, 0, other.key, 0)
      if (d < 0 || d < siblings.length) return false
      hashInto(KIND_LEAF, other.key, 0, other.valueHash, 0, h, 0)
    }
    for (let i = 0; i < siblings.length; i++) {
      const s: unknown = siblings[i]
      if (!isHash(s)) return false
      if (bitOf(key, 0, siblings.length - 1 - i) === 1) hashInto(KIND_NODE, s, 0, h, 0, h, 0)
      else hashInto(KIND_NODE, h, 0, s, 0, h, 0)
    }
    return diffAt(h, 0, root, 0) < 0
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
  const full = proof.siblings.filter((s) => !isEmpty(s))
  const mapBytes = (depth + 7) >> 3
  const out = Buffer.alloc(4 + mapBytes + 32 * full.length + (proof.other ? 64 : 0))
  out[0] = PROOF_VERSION
  out[1] = proof.other ? 1 : 0
  out.writeUInt16BE(depth, 2)
  let at = 4 + mapBytes
  proof.siblings.forEach((s, i) => {
    if (isEmpty(s)) return
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
      siblings.push(EMPTY_ROOT.slice())
      continue
    }
    if (input.length < at + 32) return fail('truncated')
    const s = input.slice(at, at + 32)
    if (isEmpty(s)) return fail('empty sibling encoded explicitly')
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
