import assert from 'node:assert/strict'
import { hasQuorum, hasThird, proposerIndex, VoteSet } from '../../../../gateway/consensus/index.js'
import { NIL, roundWithThird } from '../../../../gateway/consensus/quorum.js'
import { setOf, signers } from './fixtures.js'

describe('consensus: quorum arithmetic', () => {
  it('consensus: a quorum is 3w > 2W and a third is 3w > W, at n=4, n=7 and unequal weights', () => {
    assert.equal(hasQuorum(3n, 4n), true)
    assert.equal(hasQuorum(2n, 4n), false)
    assert.equal(hasQuorum(5n, 7n), true)
    assert.equal(hasQuorum(4n, 7n), false)
    // [5,3,2,1,1]: W = 12, so 8 (exactly two thirds) is not a quorum and 9 is.
    assert.equal(hasQuorum(8n, 12n), false)
    assert.equal(hasQuorum(9n, 12n), true)
    assert.equal(hasThird(2n, 4n), true)
    assert.equal(hasThird(1n, 4n), false)
    assert.equal(hasThird(4n, 12n), false)
    assert.equal(hasThird(5n, 12n), true)
  })

  it('consensus: quorum arithmetic is exact for weights beyond 2^53', () => {
    const W = 3n * 2n ** 60n
    assert.equal(hasQuorum(2n * 2n ** 60n, W), false)
    assert.equal(hasQuorum(2n * 2n ** 60n + 1n, W), true)
  })
})

describe('consensus: VoteSet', () => {
  it('consensus: counts each validator once, keeps the first vote and records equivocation', () => {
    const s = new VoteSet<string>(4n)
    assert.equal(s.add(0, 1n, 'a', 'v0a'), 'added')
    assert.equal(s.add(0, 1n, 'a', 'v0a again'), 'duplicate')
    assert.equal(s.add(1, 1n, 'a', 'v1a'), 'added')
    assert.equal(s.weightFor('a'), 2n)
    assert.equal(s.add(1, 1n, 'b', 'v1b'), 'equivocation')
    assert.equal(s.get(1)?.vote, 'v1a')
    assert.deepEqual(s.evidence, [{ index: 1, first: 'v1a', second: 'v1b' }])
    assert.equal(s.votedWeight, 2n, 'the second vote adds no weight to "any value"')
    assert.equal(s.size, 2)
    assert.equal(s.hasQuorumAny(), false)
    assert.equal(s.add(2, 1n, NIL, 'v2nil'), 'added')
    assert.equal(s.hasQuorumAny(), true)
    assert.equal(s.quorumValue(), undefined)
    assert.equal(s.add(3, 1n, 'a', 'v3a'), 'added')
    assert.equal(s.quorumValue(), 'a')
    assert.deepEqual(
      s.votesFor('a').map(([i]) => i),
      [0, 1, 3],
    )
  })

  it('consensus: a conflicting vote counts once for its own value, never twice for one value', () => {
    const s = new VoteSet<string>(4n)
    s.add(0, 1n, 'a', 'x')
    s.add(0, 1n, 'b', 'y', true)
    assert.equal(s.weightFor('a'), 1n)
    assert.equal(s.weightFor('b'), 1n)
    assert.equal(s.add(0, 1n, 'b', 'y2', true), 'duplicate')
    assert.equal(s.weightFor('b'), 1n)
    assert.equal(s.add(0, 1n, 'c', 'z'), 'conflict', 'evidence is recorded once per validator')
    assert.equal(s.evidence.length, 1)
  })

  it('consensus: junk values from one equivocator are bounded unless the caller vouches for them', () => {
    const s = new VoteSet<string>(4n)
    s.add(0, 1n, 'a', '1')
    s.add(0, 1n, 'junk1', '2')
    s.add(0, 1n, 'junk2', '3')
    assert.equal(s.weightFor('junk1'), 1n)
    assert.equal(s.weightFor('junk2'), 0n)
    s.add(0, 1n, 'proposed', '4', true)
    assert.equal(s.weightFor('proposed'), 1n)
  })

  it('consensus: weighted votes reach a quorum by weight, not by count', () => {
    const s = new VoteSet<number>(12n)
    for (const [i, w] of [
      [1, 3n],
      [2, 2n],
      [3, 1n],
      [4, 1n],
    ] as const)
      s.add(i, w, 'a', i)
    assert.equal(s.size, 4)
    assert.equal(s.hasQuorumFor('a'), false, '7 of 12')
    s.add(0, 5n, NIL, 0)
    assert.equal(s.hasQuorumAny(), true)
    assert.equal(s.hasQuorumFor('a'), false)
  })

  it('consensus: roundWithThird finds the highest round a third of the weight has reached', () => {
    const weights = [5n, 3n, 2n, 1n, 1n]
    const w = (i: number) => weights[i]
    assert.equal(roundWithThird(new Map([[1, 4]]), w, 12n), -1)
    assert.equal(
      roundWithThird(
        new Map([
          [1, 4],
          [2, 2],
        ]),
        w,
        12n,
      ),
      2,
    )
    assert.equal(roundWithThird(new Map([[0, 7]]), w, 12n), 7, 'weight 5 of 12 is more than a third')
  })
})

describe('consensus: proposer rotation', () => {
  it('consensus: proposers are chosen in proportion to weight, spread out, and identically everywhere', () => {
    const keys = signers(5)
    const weights = [5, 3, 2, 1, 1]
    const a = setOf(keys, weights)
    const b = setOf([...keys].reverse(), [...weights].reverse())
    const counts = [0, 0, 0, 0, 0]
    let longestRun = 0
    let run = 0
    let last = -1
    for (let h = 1; h <= 12; h++) {
      const p = proposerIndex(a, h, 0)
      assert.equal(p, proposerIndex(b, h, 0))
      counts[p]++
      run = p === last ? run + 1 : 1
      longestRun = Math.max(longestRun, run)
      last = p
    }
    assert.deepEqual(counts, weights)
    assert.ok(longestRun <= 2, `no validator proposes many slots in a row (run ${longestRun})`)
    assert.equal(proposerIndex(a, 3, 2), proposerIndex(a, 4, 1), 'slot = height + round')
  })

  it('consensus: equal weights rotate round-robin', () => {
    const set = setOf(signers(4))
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((r) => proposerIndex(set, 1, r)),
      [1, 2, 3, 0, 1],
    )
  })
})
