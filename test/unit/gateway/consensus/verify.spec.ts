import assert from 'node:assert/strict'
import {
  type BlockHeader,
  type CommitCertificate,
  hashHeader,
  type ValidatorSet,
  type ValidatorSetChange,
  verifyCertificateChain,
  verifyCommitCertificate,
} from '../../../../gateway/consensus/index.js'
import { buildBlock, CHAIN, certificate, setOf, signers } from './fixtures.js'

const keys = signers(4)
const set = setOf(keys)

function forge(cert: CommitCertificate, at: number): CommitCertificate {
  const signatures = cert.signatures.map((s, i) => {
    if (i !== at) return s
    const signature = new Uint8Array(s.signature)
    signature[10] ^= 1
    return { ...s, signature }
  })
  return { ...cert, signatures }
}

describe('consensus: commit certificate verification', () => {
  const b = buildBlock({ set, height: 1, round: 0 })
  const header = b.block.header

  it('consensus: accepts a quorum of precommits for the header', () => {
    const r = verifyCommitCertificate(set, header, certificate(keys, [0, 1, 3], 1, 0, b.hash))
    assert.deepEqual(r, { ok: true, weight: 3n })
    const bare = verifyCommitCertificate(
      set,
      { chainId: CHAIN, height: 1, blockHash: b.hash },
      certificate(keys, [0, 1, 2, 3], 1, 0, b.hash),
    )
    assert.equal(bare.ok, true)
  })

  it('consensus: rejects a certificate below quorum', () => {
    const r = verifyCommitCertificate(set, header, certificate(keys, [0, 2], 1, 0, b.hash))
    assert.deepEqual(r, { ok: false, reason: 'signatures below quorum' })
  })

  it('consensus: rejects a forged signature even when the others reach a quorum', () => {
    const r = verifyCommitCertificate(set, header, forge(certificate(keys, [0, 1, 2, 3], 1, 0, b.hash), 3))
    assert.equal(r.ok, false)
    assert.match((r as { reason: string }).reason, /bad signature from validator 3/)
  })

  it('consensus: rejects a certificate checked against the wrong set', () => {
    const other = setOf(signers(4, 'other'))
    assert.equal(verifyCommitCertificate(other, header, certificate(keys, [0, 1, 2], 1, 0, b.hash)).ok, false)
    const bare = { chainId: CHAIN, height: 1, blockHash: b.hash }
    const r = verifyCommitCertificate(other, bare, certificate(keys, [0, 1, 2], 1, 0, b.hash))
    assert.equal(r.ok, false)
  })

  it('consensus: rejects duplicated validators, other blocks, other heights and other chains', () => {
    const cert = certificate(keys, [0, 1, 2], 1, 0, b.hash)
    const dup = { ...cert, signatures: [cert.signatures[0], cert.signatures[0], cert.signatures[1]] }
    assert.equal(verifyCommitCertificate(set, header, dup).ok, false)
    const other = buildBlock({ set, height: 1, round: 1 })
    assert.equal(verifyCommitCertificate(set, other.block.header, cert).ok, false)
    assert.equal(verifyCommitCertificate(set, header, { ...cert, height: 2 }).ok, false)
    const otherChain = { ...header, chainId: new Uint8Array(32).fill(7) }
    assert.equal(
      verifyCommitCertificate(set, otherChain, { ...cert, blockHash: hashHeader(otherChain) }).ok,
      false,
    )
  })

  it('consensus: weights decide, not head counts ([5,3,2,1,1]: 8 of 12 fails, 9 passes)', () => {
    const wkeys = signers(5, 'w')
    const wset = setOf(wkeys, [5, 3, 2, 1, 1])
    const wb = buildBlock({ set: wset, height: 1, round: 0 })
    assert.equal(
      verifyCommitCertificate(wset, wb.block.header, certificate(wkeys, [0, 1], 1, 0, wb.hash)).ok,
      false,
    )
    assert.equal(
      verifyCommitCertificate(wset, wb.block.header, certificate(wkeys, [1, 2, 3, 4], 1, 0, wb.hash)).ok,
      false,
    )
    assert.deepEqual(
      verifyCommitCertificate(wset, wb.block.header, certificate(wkeys, [0, 1, 4], 1, 0, wb.hash)),
      {
        ok: true,
        weight: 9n,
      },
    )
  })
})

describe('consensus: following a chain of validator sets', () => {
  // Genesis G (4 keys); block 3 changes to S1 (two keys replaced, unequal weights); block 6 to S2.
  const g = setOf(keys)
  const k1 = [...signers(2, 'one'), keys[0], keys[1]]
  const s1 = setOf(k1, [3, 1, 1, 1])
  const k2 = signers(7, 'two')
  const s2 = setOf(k2)
  const ordered = (s: ValidatorSet, ks: typeof keys) =>
    s.validators.map((v) => ks.find((k) => Buffer.compare(k.publicKey, v.publicKey) === 0)!)

  function change(
    from: ValidatorSet,
    fromKeys: typeof keys,
    to: ValidatorSet,
    height: number,
  ): ValidatorSetChange {
    const b = buildBlock({ set: from, height, round: 0, nextSet: to })
    const signing = ordered(from, fromKeys)
    const all = signing.map((_, i) => i)
    return {
      header: b.block.header,
      certificate: certificate(signing, all, height, 0, b.hash),
      nextValidators: to,
    }
  }

  const changes = [change(g, keys, s1, 3), change(s1, k1, s2, 6)]
  const target = buildBlock({ set: s2, height: 8, round: 1 })
  const targetCert = certificate(ordered(s2, k2), [0, 1, 2, 3, 4], 8, 1, target.hash)

  it('consensus: an outsider holding only the genesis set verifies a block after two changes', () => {
    const r = verifyCertificateChain(g, changes, { header: target.block.header, certificate: targetCert })
    assert.equal(r.ok, true)
    assert.equal((r as { fromHeight: number }).fromHeight, 7)
    assert.deepEqual((r as { validators: ValidatorSet }).validators.hash, s2.hash)
  })

  it('consensus: a change certified by the wrong set, or naming another next set, is rejected', () => {
    const forgedBy = change(setOf(signers(4, 'mallory')), signers(4, 'mallory'), s1, 3)
    assert.deepEqual(verifyCertificateChain(g, [forgedBy, changes[1]]).ok, false)
    const swapped: ValidatorSetChange = { ...changes[0], nextValidators: s2 }
    const r = verifyCertificateChain(g, [swapped, changes[1]])
    assert.deepEqual(r, { ok: false, reason: 'next set does not match the certified header', at: 0 })
    const lying = { ...s1, hash: s2.hash }
    assert.equal(verifyCertificateChain(g, [{ ...changes[0], nextValidators: lying }]).ok, false)
  })

  it('consensus: after a change the old set can no longer certify blocks', () => {
    const stale = buildBlock({ set: g, height: 8, round: 0 })
    const header: BlockHeader = stale.block.header
    const r = verifyCertificateChain(g, changes, {
      header,
      certificate: certificate(keys, [0, 1, 2, 3], 8, 0, stale.hash),
    })
    assert.equal(r.ok, false)
  })
})
