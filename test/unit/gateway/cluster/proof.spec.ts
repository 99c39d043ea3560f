import assert from 'node:assert/strict'
import {
  type BindingProof,
  type ClusterAnchor,
  decodeBindingProof,
  encodeBindingProof,
  entryKey,
  entryValueHash,
  MAX_BINDING_PROOF_BYTES,
  MerkleMap,
  makeBindingProof,
  verifyBindingProof,
} from '../../../../gateway/cluster/index.js'
import {
  type BlockHeader,
  type CommitCertificate,
  encodeVoteSignBytes,
  type Hash,
  hashHeader,
  TAG_VOTE,
  type ValidatorSet,
  type ValidatorSetChange,
  type VerifyFn,
  ZERO_HASH,
} from '../../../../gateway/consensus/index.js'
import { type Signer, sha256, verifySignature } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import { setOf, signers } from '../consensus/fixtures.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

/** Precommits of `indices` (default: all) of `keys` for `header`, as the header's chain signs them. */
function certify(
  keys: readonly Signer[],
  header: BlockHeader,
  indices = keys.map((_, i) => i),
): CommitCertificate {
  const blockHash = hashHeader(header)
  const signatures = indices.map((validatorIndex) => {
    const bytes = encodeVoteSignBytes({
      chainId: header.chainId,
      type: 'precommit',
      height: header.height,
      round: 0,
      validatorIndex,
      blockHash,
    })
    return { validatorIndex, signature: keys[validatorIndex].sign(TAG_VOTE, bytes) }
  })
  return { height: header.height, round: 0, blockHash, signatures }
}

interface Members {
  keys: Signer[]
  set: ValidatorSet
}

const members = (tag: string): Members => {
  const keys = signers(4, tag)
  return { keys, set: setOf(keys) }
}

/** A chain of hand-made, properly certified headers over a registry held in a MerkleMap. */
class Chain {
  readonly map = new MerkleMap()
  readonly headers: BlockHeader[] = []
  readonly certificates: CommitCertificate[] = []
  readonly changes: ValidatorSetChange[] = []
  /** Entries (name -> value bytes) after each height; index 0 is the empty genesis state. */
  readonly states: Map<string, Uint8Array>[] = [new Map()]
  #members: Members
  #prevHash: Hash = ZERO_HASH

  constructor(
    readonly chainId: Hash,
    readonly genesis: Members,
  ) {
    this.#members = genesis
  }

  get anchor(): ClusterAnchor {
    return { chainId: this.chainId, genesis: this.genesis.set }
  }

  /** Commits one block: its header carries the root before `put`/`remove` apply. */
  block(put: Record<string, string> = {}, remove: string[] = [], next?: Members): void {
    const height = this.states.length
    const header: BlockHeader = {
      chainId: this.chainId,
      height,
      round: 0,
      proposer: this.#members.set.validators[0].publicKey,
      prevHash: this.#prevHash,
      operationsHash: sha256(utf8(`ops/${height}`)),
      stateRoot: this.map.root(),
      validatorsHash: this.#members.set.hash,
      nextValidatorsHash: (next ?? this.#members).set.hash,
      lastCommitHash: ZERO_HASH,
    }
    const certificate = certify(this.#members.keys, header)
    this.headers[height] = header
    this.certificates[height] = certificate
    if (next !== undefined) {
      this.changes.push({ header, certificate, nextValidators: next.set })
      this.#members = next
    }
    const state = new Map(this.states[height - 1])
    for (const [name, value] of Object.entries(put)) {
      this.map.set(entryKey(name), entryValueHash(utf8(value)))
      state.set(name, utf8(value))
    }
    for (const name of remove) {
      this.map.delete(entryKey(name))
      state.delete(name)
    }
    this.states[height] = state
    this.#prevHash = hashHeader(header)
  }

  /** A proof about `name` in the state after height h (needs header h + 1). */
  proof(h: number, name: string): BindingProof {
    const map = new MerkleMap()
    for (const [n, v] of this.states[h]) map.set(entryKey(n), entryValueHash(v))
    const certified = { header: this.headers[h + 1], certificate: this.certificates[h + 1] }
    return makeBindingProof(map, entryKey(name), certified, this.changes)
  }
}

const A = members('a')
const B = members('b')

function build(chainId: Hash, genesis: Members, next: Members): Chain {
  const c = new Chain(chainId, genesis)
  c.block({ 'nick/alice': 'alice-1', 'nick/bob': 'bob-1' })
  c.block({ 'nick/carol': 'carol-1' })
  c.block({ 'nick/bob': 'bob-2' }, [], next) // the set changes from height 4 on
  c.block({}, ['nick/alice'])
  c.block()
  c.block()
  return c
}

const chain = build(sha256(utf8('chain/a')), A, B)
const key = (name: string) => entryKey(name)
const value = (v: string) => entryValueHash(utf8(v))

function check(c: Chain, proof: BindingProof, name: string, v: string | undefined, anchor = c.anchor) {
  return verifyBindingProof(anchor, key(name), v === undefined ? undefined : value(v), proof)
}

function reason(r: ReturnType<typeof verifyBindingProof>): string {
  assert.equal(r.ok, false, 'expected the proof to be refused')
  return (r as { reason: string }).reason
}

describe('cluster: binding proofs', () => {
  it('[0.1.2] a binding proof verifies from the genesis set and names its height', () => {
    assert.deepEqual(check(chain, chain.proof(2, 'nick/alice'), 'nick/alice', 'alice-1'), {
      ok: true,
      height: 2,
    })
    assert.deepEqual(check(chain, chain.proof(0, 'nick/carol'), 'nick/carol', undefined), {
      ok: true,
      height: 0,
    })
    // After the membership change: the set of height 5 is followed from genesis through height 3.
    const bob = chain.proof(4, 'nick/bob')
    assert.equal(bob.changes.length, 1)
    assert.deepEqual(check(chain, bob, 'nick/bob', 'bob-2'), { ok: true, height: 4 })
    assert.deepEqual(check(chain, chain.proof(4, 'nick/alice'), 'nick/alice', undefined), {
      ok: true,
      height: 4,
    })
    assert.deepEqual(check(chain, chain.proof(5, 'nick/dave'), 'nick/dave', undefined), {
      ok: true,
      height: 5,
    })
  })

  it('[0.1.2] an altered binding does not verify', () => {
    const alice = chain.proof(2, 'nick/alice')
    assert.equal(
      reason(check(chain, alice, 'nick/alice', 'alice-2')),
      'binding not proven under the state root',
    )
    assert.equal(
      reason(check(chain, alice, 'nick/alice', undefined)),
      'absence not proven under the state root',
    )
    assert.equal(check(chain, alice, 'nick/bob', 'alice-1').ok, false)
    assert.equal(check(chain, chain.proof(4, 'nick/bob'), 'nick/bob', 'bob-1').ok, false)
    assert.equal(check(chain, chain.proof(2, 'nick/carol'), 'nick/carol', undefined).ok, false)
  })

  it('[0.1.2] a proof for a key removed at a later height fails against the later height', () => {
    const old = chain.proof(3, 'nick/alice')
    assert.deepEqual(check(chain, old, 'nick/alice', 'alice-1'), { ok: true, height: 3 })
    // The old Merkle path under the later certified header (state after height 4, alice removed).
    const later = { ...chain.proof(4, 'nick/alice'), merkle: old.merkle }
    assert.equal(
      reason(check(chain, later, 'nick/alice', 'alice-1')),
      'binding not proven under the state root',
    )
    // A verifier that knows height 4 exists refuses the genuine but stale proof.
    const r = verifyBindingProof(chain.anchor, key('nick/alice'), value('alice-1'), old, { minHeight: 4 })
    assert.match(reason(r), /^stale: proof for height 3/)
  })

  it('[0.1.2] a sub-quorum certificate does not verify', () => {
    const alice = chain.proof(2, 'nick/alice')
    const weak = { ...alice, certificate: certify(A.keys, alice.header, [0, 3]) }
    assert.equal(
      reason(check(chain, weak, 'nick/alice', 'alice-1')),
      'header certificate: signatures below quorum',
    )
    const bob = chain.proof(4, 'nick/bob')
    const change = { ...bob.changes[0], certificate: certify(A.keys, bob.changes[0].header, [1, 2]) }
    assert.equal(
      reason(check(chain, { ...bob, changes: [change] }, 'nick/bob', 'bob-2')),
      'membership change 0: signatures below quorum',
    )
  })

  it('[0.1.2] a certificate from another cluster does not verify', () => {
    // Another cluster: its own members and chain id, the very same registry operations.
    const other = build(sha256(utf8('chain/other')), members('x'), members('y'))
    const p = other.proof(2, 'nick/alice')
    assert.deepEqual(check(other, p, 'nick/alice', 'alice-1'), { ok: true, height: 2 })
    assert.equal(reason(check(chain, p, 'nick/alice', 'alice-1', chain.anchor)), 'header from another chain')
    const relabelled = { ...p, header: { ...p.header, chainId: chain.chainId } }
    assert.equal(check(chain, relabelled, 'nick/alice', 'alice-1').ok, false)
    // The same validators running a second chain: their certificates there do not count here.
    const twin = build(sha256(utf8('chain/twin')), A, B)
    const t = twin.proof(4, 'nick/bob')
    assert.equal(reason(check(chain, t, 'nick/bob', 'bob-2')), 'header from another chain')
    const spliced = { ...chain.proof(4, 'nick/bob'), changes: t.changes }
    assert.equal(reason(check(chain, spliced, 'nick/bob', 'bob-2')), 'membership change from another chain')
    // Right chain id, wrong genesis set.
    const anchor = { chainId: chain.chainId, genesis: members('x').set }
    assert.equal(check(chain, chain.proof(2, 'nick/alice'), 'nick/alice', 'alice-1', anchor).ok, false)
  })

  it("[0.1.2] a header whose stateRoot is not the proof's root does not verify", () => {
    const alice = chain.proof(2, 'nick/alice')
    // A quorum did sign this header, but its state root is not the registry's.
    const header = { ...alice.header, stateRoot: sha256(utf8('another state')) }
    const forged = { ...alice, header, certificate: certify(A.keys, header) }
    assert.equal(
      reason(check(chain, forged, 'nick/alice', 'alice-1')),
      'binding not proven under the state root',
    )
    const edited = { ...alice, header }
    assert.equal(
      reason(check(chain, edited, 'nick/alice', 'alice-1')),
      'header certificate: block hash mismatch',
    )
  })

  it('[0.1.2] a broken membership chain does not verify', () => {
    const bob = chain.proof(4, 'nick/bob')
    const [change] = bob.changes
    const broken = (changes: ValidatorSetChange[]) =>
      reason(check(chain, { ...bob, changes }, 'nick/bob', 'bob-2'))
    assert.equal(broken([]), 'header certificate: header names another set')
    assert.equal(
      broken([{ ...change, nextValidators: members('x').set }]),
      'membership change 0: next set does not match the certified header',
    )
    assert.equal(
      broken([{ ...change, certificate: certify(B.keys, change.header) }]),
      'membership change 0: bad signature from validator 0',
    )
    assert.equal(broken([change, change]), 'membership change 1: changes out of order')
    const late = { header: chain.headers[5], certificate: chain.certificates[5], nextValidators: B.set }
    assert.equal(broken([change, late]), 'target precedes last change')
  })

  it('[0.1.2] makeBindingProof refuses a map at another state than the header commits to', () => {
    const certified = { header: chain.headers[3], certificate: chain.certificates[3] }
    assert.throws(() => makeBindingProof(chain.map, key('nick/alice'), certified, chain.changes), RangeError)
  })

  it('[0.1.2] binding proofs encode, decode and still verify; junk is refused by name', () => {
    for (const [h, name, v] of [
      [4, 'nick/bob', 'bob-2'],
      [4, 'nick/alice', undefined],
      [0, 'nick/carol', undefined],
    ] as const) {
      const bytes = encodeBindingProof(chain.proof(h, name))
      const d = decodeBindingProof(bytes)
      assert.ok(d.ok)
      assert.deepEqual(d.value, chain.proof(h, name))
      assert.deepEqual(encodeBindingProof(d.value), bytes)
      assert.deepEqual(check(chain, d.value, name, v), { ok: true, height: h })
    }
    const good = encodeBindingProof(chain.proof(4, 'nick/bob'))
    const error = (b: Uint8Array) => {
      const d = decodeBindingProof(b)
      assert.equal(d.ok, false)
      return (d as { error: string }).error
    }
    assert.equal(error(Uint8Array.of(2, ...good.subarray(1))), 'unknown proof version')
    assert.equal(error(Uint8Array.of(...good, 0)), 'trailing bytes')
    assert.equal(error(good.subarray(0, good.length - 5)), 'truncated')
    assert.equal(error(new Uint8Array(MAX_BINDING_PROOF_BYTES + 1)), 'proof over limit')
    assert.equal(error(new Uint8Array(0)), 'truncated')
  })

  it('malformed proof objects and anchors give reasons, never a throw', () => {
    const p = chain.proof(2, 'nick/alice')
    const junk: unknown[] = [null, {}, { ...p, changes: 'x' }, { ...p, header: null }, { ...p, merkle: null }]
    for (const j of junk) {
      const r = verifyBindingProof(chain.anchor, key('nick/alice'), value('alice-1'), j as BindingProof)
      assert.equal(r.ok, false)
    }
    const badAnchor = { chainId: chain.chainId, genesis: { validators: null } } as unknown as ClusterAnchor
    assert.equal(verifyBindingProof(badAnchor, key('nick/alice'), value('alice-1'), p).ok, false)
    assert.equal(verifyBindingProof(chain.anchor, new Uint8Array(1), value('alice-1'), p).ok, false)
  })

  it('[0.1.2] 10,000 random and mutated binding proofs never throw and never verify', function () {
    this.timeout(120_000)
    const seen = new Map<string, boolean>()
    const verify: VerifyFn = (tag, bytes, signature, publicKey) => {
      const k = `${tag}/${toHex(bytes)}/${toHex(signature)}/${toHex(publicKey)}`
      if (!seen.has(k)) seen.set(k, verifySignature(tag, bytes, signature, publicKey))
      return seen.get(k)!
    }
    const good = encodeBindingProof(chain.proof(4, 'nick/bob'))
    let seed = 7
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return Math.floor((seed / 2 ** 32) * n)
    }
    let decoded = 0
    for (let i = 0; i < 10_000; i++) {
      let b: Uint8Array
      const kind = i % 5
      if (kind === 0) b = Uint8Array.from({ length: rand(2000) }, () => rand(256))
      else {
        b = Uint8Array.from(good)
        for (let n = 1 + rand(3); n > 0; n--) {
          const at = rand(b.length)
          if (kind === 1) b[at] ^= 1 << rand(8)
          else if (kind === 2) b[at] = rand(256)
          else if (kind === 3) b = b.subarray(0, at)
          else b = Uint8Array.of(...b.subarray(0, at), rand(256), ...b.subarray(at))
        }
      }
      const d = decodeBindingProof(b)
      if (!d.ok) continue
      decoded++
      const r = verifyBindingProof(chain.anchor, key('nick/bob'), value('bob-2'), d.value, { verify })
      if (toHex(b) !== toHex(good)) assert.equal(r.ok, false, `mutation ${i} verified`)
    }
    assert.ok(decoded > 1000, `only ${decoded} mutations decoded`)
  })
})
