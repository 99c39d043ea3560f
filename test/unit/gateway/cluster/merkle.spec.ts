import assert from 'node:assert/strict'
import {
  decodeMerkleProof,
  EMPTY_ROOT,
  encodeMerkleProof,
  MAX_MERKLE_PROOF_BYTES,
  MerkleMap,
  type MerkleProof,
  verifyMerkleProof,
} from '../../../../gateway/cluster/merkle.js'
import { sha256 } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'

const T = new TextEncoder().encode('xlattice/merkle/v1')
const leafHash = (k: Uint8Array, v: Uint8Array) => sha256(T, new Uint8Array([0]), k, v)
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(T, new Uint8Array([1]), l, r)
const bit = (k: Uint8Array, i: number) => (k[i >> 3] >> (7 - (i & 7))) & 1

/** The tree's definition, written out naively: what the incremental trie must agree with. */
function referenceRoot(entries: [Uint8Array, Uint8Array][], depth = 0): Uint8Array {
  if (entries.length === 0) return EMPTY_ROOT
  if (entries.length === 1) return leafHash(entries[0][0], entries[0][1])
  const left = entries.filter(([k]) => bit(k, depth) === 0)
  const right = entries.filter(([k]) => bit(k, depth) === 1)
  return nodeHash(referenceRoot(left, depth + 1), referenceRoot(right, depth + 1))
}

/** A seeded generator (mulberry32), so a failing case replays. */
function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
  return { next, int, bytes }
}

const key = (fill: number, last?: number) => {
  const k = new Uint8Array(32).fill(fill)
  if (last !== undefined) k[31] = last
  return k
}

const flipLast = (k: Uint8Array) => {
  const f = Uint8Array.from(k)
  f[31] ^= 1
  return f
}

/** Keys crafted to share long prefixes: equal but for the last bit, the first bit, a middle byte. */
const crafted = [
  key(0),
  key(0, 1),
  key(0xff),
  key(0xff, 0xfe),
  key(0x80, 0),
  key(0x7f, 0xff),
  key(0, 2),
  key(0, 3),
]

describe('cluster: merkle map', () => {
  it('cluster: an empty map has the empty root and proves every key absent', () => {
    const m = new MerkleMap()
    assert.equal(m.size, 0)
    assert.deepEqual(m.root(), EMPTY_ROOT)
    assert.deepEqual(EMPTY_ROOT, sha256(T, new Uint8Array([2])))
    const p = m.prove(key(5))
    assert.deepEqual(p, { siblings: [] })
    assert.equal(verifyMerkleProof(m.root(), key(5), undefined, p), true)
    assert.equal(verifyMerkleProof(m.root(), key(5), key(1), p), false)
  })

  it('cluster: a single entry is its leaf hash; get, size, delete', () => {
    const m = new MerkleMap()
    m.set(key(1), key(2))
    assert.deepEqual(m.root(), leafHash(key(1), key(2)))
    assert.deepEqual(m.get(key(1)), key(2))
    assert.equal(m.get(key(3)), undefined)
    assert.equal(m.delete(key(3)), false)
    assert.equal(m.delete(key(1)), true)
    assert.equal(m.size, 0)
    assert.deepEqual(m.root(), EMPTY_ROOT)
  })

  it('cluster: the worked example of the protocol page (keys 0x00.., 0x20.. split at bit 2)', () => {
    const [a, b] = [key(0), key(0x20)]
    const m = new MerkleMap()
    m.set(b, key(2))
    m.set(a, key(1))
    const E = EMPTY_ROOT
    assert.deepEqual(m.root(), nodeHash(nodeHash(nodeHash(leafHash(a, key(1)), leafHash(b, key(2))), E), E))
    assert.equal(m.prove(a).siblings.length, 3)
  })

  it('cluster: roots match the naive definition, random and long-shared-prefix keys alike', () => {
    const r = rng(1)
    for (let n = 0; n < 60; n++) {
      const entries: [Uint8Array, Uint8Array][] = crafted
        .slice(0, n % 9)
        .map((k) => [k, r.bytes(32)] as [Uint8Array, Uint8Array])
      for (let i = 0; i < n; i++) entries.push([r.bytes(32), r.bytes(32)])
      const m = new MerkleMap()
      for (const [k, v] of entries) m.set(k, v)
      assert.equal(m.size, entries.length)
      assert.deepEqual(m.root(), referenceRoot(entries), `n = ${n}`)
    }
  })

  it('cluster: the root depends on the set of entries only, not on order, updates or deletions', () => {
    const r = rng(2)
    for (let round = 0; round < 20; round++) {
      const universe = [...crafted, ...Array.from({ length: 40 }, () => r.bytes(32))]
      const target = new Map<string, [Uint8Array, Uint8Array]>()
      for (const k of universe) if (r.next() < 0.5) target.set(toHex(k), [k, r.bytes(32)])
      const m = new MerkleMap()
      // Random sets (with wrong values), deletions and root() calls, then converge on target.
      for (let i = 0; i < 300; i++) {
        const k = universe[r.int(universe.length)]
        if (r.next() < 0.5) m.set(k, r.bytes(32))
        else m.delete(k)
        if (r.next() < 0.2) m.root()
      }
      for (const k of [...universe].sort(() => r.next() - 0.5)) {
        const want = target.get(toHex(k))
        if (want === undefined) m.delete(k)
        else m.set(k, want[1])
        if (r.next() < 0.1) m.root()
      }
      const fresh = new MerkleMap()
      for (const [k, v] of target.values()) fresh.set(k, v)
      assert.equal(m.size, target.size)
      assert.deepEqual(m.root(), fresh.root())
      assert.deepEqual(m.root(), referenceRoot([...target.values()]))
      for (const [k, v] of target.values()) assert.deepEqual(m.get(k), v)
    }
  })

  it('cluster: setting the same value leaves the root; another value changes it', () => {
    const m = new MerkleMap()
    for (const k of crafted) m.set(k, k)
    const before = m.root()
    m.set(crafted[3], crafted[3])
    assert.deepEqual(m.root(), before)
    m.set(crafted[3], key(9))
    assert.notDeepEqual(m.root(), before)
  })

  it('cluster: refuses keys and values that are not 32 bytes', () => {
    const m = new MerkleMap()
    assert.throws(() => m.set(new Uint8Array(31), key(1)), TypeError)
    assert.throws(() => m.set(key(1), new Uint8Array(33)), TypeError)
    assert.throws(() => m.get(new Uint8Array(0)), TypeError)
  })
})

describe('cluster: merkle proofs', () => {
  const r = rng(3)
  const m = new MerkleMap()
  const entries = new Map<string, Uint8Array>()
  for (const k of [...crafted.slice(0, 4), ...Array.from({ length: 300 }, () => r.bytes(32))]) {
    const v = r.bytes(32)
    m.set(k, v)
    entries.set(toHex(k), v)
  }
  const root = m.root()
  const keys = [...entries.keys()].map((h) => Uint8Array.from(Buffer.from(h, 'hex')))

  it('cluster: every present key has an inclusion proof; no proof verifies another binding', () => {
    for (const k of keys) {
      const v = entries.get(toHex(k))!
      const p = m.prove(k)
      assert.equal(p.other, undefined)
      assert.equal(verifyMerkleProof(root, k, v, p), true)
      assert.equal(verifyMerkleProof(root, k, key(7), p), false, 'another value')
      assert.equal(verifyMerkleProof(root, k, undefined, p), false, 'inclusion presented as absence')
      assert.equal(verifyMerkleProof(key(7), k, v, p), false, 'another root')
      assert.equal(
        verifyMerkleProof(root, keys[(keys.indexOf(k) + 1) % keys.length], v, p),
        false,
        'another key',
      )
      assert.equal(verifyMerkleProof(root, k, v, { siblings: p.siblings.slice(1) }), false, 'truncated')
      assert.equal(
        verifyMerkleProof(root, k, v, { siblings: [...p.siblings, EMPTY_ROOT] }),
        false,
        'extended',
      )
      assert.equal(
        verifyMerkleProof(root, k, v, { siblings: [EMPTY_ROOT, ...p.siblings] }),
        false,
        'extended',
      )
    }
  })

  it('cluster: absent keys have non-inclusion proofs of both kinds (empty slot, other leaf)', () => {
    const absent = [
      key(0, 4),
      key(0xff, 0xfd),
      ...keys.slice(4, 40).map(flipLast),
      ...Array.from({ length: 300 }, () => r.bytes(32)),
    ]
    let viaLeaf = 0
    for (const k of absent) {
      const p = m.prove(k)
      if (p.other !== undefined) viaLeaf++
      assert.equal(verifyMerkleProof(root, k, undefined, p), true)
      assert.equal(verifyMerkleProof(root, k, key(7), p), false, 'absence presented as inclusion')
      assert.equal(
        verifyMerkleProof(root, k, undefined, { siblings: p.siblings.slice(1), other: p.other }),
        false,
      )
      assert.equal(verifyMerkleProof(key(1), k, undefined, p), false)
    }
    assert.ok(viaLeaf > 10 && viaLeaf < absent.length - 10, `${viaLeaf} of ${absent.length} through a leaf`)
  })

  it('cluster: a non-inclusion proof cannot use the key itself or a leaf off its path', () => {
    const k = keys[5]
    const v = entries.get(toHex(k))!
    const p = m.prove(k)
    assert.equal(
      verifyMerkleProof(root, k, undefined, { siblings: p.siblings, other: { key: k, valueHash: v } }),
      false,
    )
    // X with its last bit flipped shares X's path all the way down; 0xff..ff's leaf is elsewhere.
    const x = keys[10]
    const near = m.prove(flipLast(x))
    assert.deepEqual(near.other?.key, x)
    assert.equal(verifyMerkleProof(root, flipLast(x), undefined, near), true)
    const forged = {
      siblings: near.siblings,
      other: { key: key(0xff), valueHash: entries.get(toHex(key(0xff)))! },
    }
    assert.equal(verifyMerkleProof(root, flipLast(x), undefined, forged), false)
  })

  it('cluster: malformed proofs are false, never a throw', () => {
    const k = keys[0]
    const v = entries.get(toHex(k))!
    const p = m.prove(k)
    const junk: unknown[] = [
      null,
      undefined,
      {},
      { siblings: 'x' },
      { siblings: [1, 2] },
      { siblings: [new Uint8Array(31)] },
      { siblings: Array.from({ length: 257 }, () => EMPTY_ROOT) },
      { siblings: p.siblings, other: { key: 'a', valueHash: null } },
      { siblings: p.siblings, other: 5 },
      {
        get siblings() {
          throw new Error('boom')
        },
      },
    ]
    for (const j of junk) assert.equal(verifyMerkleProof(root, k, v, j as MerkleProof), false)
    for (const j of junk) assert.equal(verifyMerkleProof(root, k, undefined, j as MerkleProof), false)
    assert.equal(verifyMerkleProof(new Uint8Array(3), k, v, p), false)
    assert.equal(verifyMerkleProof(root, new Uint8Array(3), v, p), false)
    assert.equal(verifyMerkleProof(root, k, 'v' as unknown as Uint8Array, p), false)
  })

  it('cluster: proofs encode canonically and decode back', () => {
    const cases = [m.prove(keys[0]), m.prove(key(0, 4)), m.prove(r.bytes(32)), new MerkleMap().prove(key(1))]
    for (const p of cases) {
      const bytes = encodeMerkleProof(p)
      const d = decodeMerkleProof(bytes)
      assert.ok(d.ok)
      assert.deepEqual(d.value, p)
      assert.deepEqual(encodeMerkleProof(d.value), bytes)
    }
    // 0x00..00 and 0x00..01 split at bit 255: 255 empty siblings cost 32 bytes of bitmap.
    assert.ok(encodeMerkleProof(m.prove(key(0))).length < 4 + 32 + 20 * 32)
  })

  it('cluster: junk proof encodings are refused by name', () => {
    const good = encodeMerkleProof(m.prove(key(0, 4)))
    const bad = (b: Uint8Array) => {
      const d = decodeMerkleProof(b)
      assert.equal(d.ok, false)
      return (d as { error: string }).error
    }
    assert.equal(bad(new Uint8Array(0)), 'proof length out of range')
    assert.equal(bad(new Uint8Array(MAX_MERKLE_PROOF_BYTES + 1)), 'proof length out of range')
    assert.equal(bad(Uint8Array.of(2, 0, 0, 0)), 'unknown proof version')
    assert.equal(bad(Uint8Array.of(1, 2, 0, 0)), 'unknown proof flags')
    assert.equal(bad(Uint8Array.of(1, 0, 1, 1)), 'proof deeper than 256')
    assert.equal(bad(Uint8Array.of(1, 0, 0, 1, 0x40)), 'bitmap padding not zero')
    assert.equal(bad(Uint8Array.of(1, 0, 0, 1, 0x80, ...EMPTY_ROOT)), 'empty sibling encoded explicitly')
    assert.equal(bad(Uint8Array.of(...good, 0)), 'trailing bytes')
    assert.equal(bad(good.subarray(0, good.length - 1)), 'truncated')
    assert.equal(bad('x' as unknown as Uint8Array), 'not bytes')
  })

  it('cluster: 5,000 random and mutated encodings never throw and never verify', () => {
    const k = key(0, 4)
    const good = encodeMerkleProof(m.prove(k))
    for (let i = 0; i < 5000; i++) {
      let b: Uint8Array
      if (i % 2 === 0) b = r.bytes(r.int(i % 10 === 0 ? 9000 : 200))
      else {
        b = Uint8Array.from(good)
        const at = r.int(b.length)
        if (i % 3 === 0) b = b.subarray(0, at)
        else b[at] ^= 1 << r.int(8)
      }
      const d = decodeMerkleProof(b)
      if (d.ok) assert.equal(verifyMerkleProof(root, k, undefined, d.value), false)
    }
  })
})
