import assert from 'node:assert/strict'
import {
  DEFAULT_LIMITS,
  decodeBlock,
  decodeCertificate,
  decodeHeader,
  decodeMessage,
  decodeValidatorSet,
  encodeBlock,
  encodeCertificate,
  encodeHeader,
  encodeValidatorSet,
} from '../../../../gateway/consensus/index.js'
import { buildBlock, CHAIN, certificate, proposal, setOf, signers, vote } from './fixtures.js'

const keys = signers(4)
const set = setOf(keys, [5, 3, 2, 1])

describe('consensus: canonical encoding', () => {
  const first = buildBlock({ set, height: 1, round: 0 })
  const cert = certificate(keys, [0, 1, 3], 1, 0, first.hash)
  const b = buildBlock({ set, height: 2, round: 3, prevHash: first.hash, lastCommit: cert })

  it('consensus: blocks, headers, certificates and sets decode to values that re-encode to the same bytes', () => {
    const d = decodeBlock(b.bytes, DEFAULT_LIMITS)
    assert.ok(d.ok)
    assert.deepEqual(encodeBlock(d.value.block), b.bytes)
    assert.deepEqual(d.value.block.lastCommit, cert)
    const h = decodeHeader(encodeHeader(b.block.header))
    assert.ok(h.ok)
    assert.deepEqual(h.value, b.block.header)
    const c = decodeCertificate(encodeCertificate(cert), DEFAULT_LIMITS)
    assert.ok(c.ok)
    assert.deepEqual(encodeCertificate(c.value), encodeCertificate(cert))
    const s = decodeValidatorSet(encodeValidatorSet(set), DEFAULT_LIMITS)
    assert.ok(s.ok)
    assert.deepEqual(s.value.hash, set.hash)
    assert.equal(s.value.totalWeight, 11n)
  })

  it('consensus: signed votes and proposals carry their sign bytes and signature verbatim', () => {
    const bytes = vote(keys[2], 2, 'precommit', 7, 1, first.hash)
    const d = decodeMessage(bytes, DEFAULT_LIMITS)
    assert.ok(d.ok && d.value.kind === 'vote')
    assert.deepEqual(d.value.vote, {
      chainId: CHAIN,
      type: 'precommit',
      height: 7,
      round: 1,
      validatorIndex: 2,
      blockHash: first.hash,
    })
    assert.deepEqual([...d.value.signBytes, ...d.value.signature], [...bytes])
    const p = decodeMessage(proposal(keys[1], 2, 3, -1, b), DEFAULT_LIMITS)
    assert.ok(p.ok && p.value.kind === 'proposal')
    assert.deepEqual(p.value.blockBytes, b.bytes)
  })

  it('consensus: non-canonical or out-of-bound encodings are errors, not exceptions', () => {
    const dupCert = { ...cert, signatures: [cert.signatures[1], cert.signatures[0]] }
    assert.equal(decodeCertificate(encodeCertificate(dupCert), DEFAULT_LIMITS).ok, false, 'unsorted indices')
    assert.equal(decodeBlock(new Uint8Array([...b.bytes, 0]), DEFAULT_LIMITS).ok, false, 'trailing byte')
    assert.equal(
      decodeBlock(b.bytes, { ...DEFAULT_LIMITS, maxOperations: 0 }).ok,
      false,
      'too many operations',
    )
    assert.equal(decodeBlock(b.bytes, { ...DEFAULT_LIMITS, maxBlockBytes: 100 }).ok, false, 'block too big')
    const withFlag = new Uint8Array(vote(keys[0], 0, 'prevote', 1, 0, null))
    withFlag[49] = 2
    assert.equal(decodeMessage(withFlag, DEFAULT_LIMITS).ok, false, 'nil flag must be 0 or 1')
    const badRound = proposal(keys[1], 1, 0, 0, first)
    assert.equal(decodeMessage(badRound, DEFAULT_LIMITS).ok, false, 'validRound must be below round')
    for (let n = 0; n < 400; n++) {
      assert.doesNotThrow(() => decodeMessage(b.bytes.subarray(0, n), DEFAULT_LIMITS))
      assert.doesNotThrow(() => decodeBlock(b.bytes.subarray(0, n), DEFAULT_LIMITS))
    }
  })
})
