import assert from 'node:assert/strict'
import {
  beats,
  Formation,
  plan,
  type Proposal,
  wellFormed,
  xorDistance,
} from '../../../../gateway/cluster/formation.js'
import { rng } from '../../../helpers/rng.js'

const id = (c: string) => c.repeat(64)
const proposal = (proposer: string, members: string[], tag = 'p'): Proposal => ({
  id: `${tag}-${proposer.slice(0, 4)}-${members.map((m) => m.slice(0, 2)).join('')}`,
  proposer,
  members: [...members].sort(),
})

describe('gateway/cluster/formation (pure rules of seed row 0.1.0; the process-level proof comes with the network layer)', () => {
  it('a node proposes itself and the XOR-closest free neighbours above it, only with enough of them', () => {
    const self = id('4')
    const free = [id('1'), id('5'), id('6'), id('7'), id('f'), id('e')]
    // Only NodeIDs above self count; closest by XOR to 44..: 5, 6, 7 (then e, f).
    assert.deepEqual(plan(self, free, 4), [id('4'), id('5'), id('6'), id('7')])
    assert.equal(plan(self, [id('1'), id('2'), id('5')], 4), null, 'lower neighbours do not count')
    assert.deepEqual(plan(self, [], 1), [self], 'n = 1: a cluster of one')
    assert.ok(xorDistance(self, id('5')) < xorDistance(self, id('f')))
  })

  it('overlapping proposals: the lower proposer wins, then the lower id', () => {
    const a = proposal(id('1'), [id('1'), id('5'), id('6'), id('7')])
    const b = proposal(id('2'), [id('2'), id('5'), id('8'), id('9')])
    assert.ok(beats(a, b) && !beats(b, a))
    const c = { ...a, id: 'a-lower' }
    assert.ok(beats(c, a), 'same proposer: the lower id')
  })

  it('a member holds one proposal: a better one takes over, a worse one is declined naming the held one', () => {
    const f = new Formation({ self: id('5'), size: 4, lockMs: 1000 })
    const worse = proposal(id('2'), [id('2'), id('5'), id('8'), id('9')])
    const better = proposal(id('1'), [id('1'), id('5'), id('6'), id('7')])
    assert.deepEqual(f.consider(worse, 0), { accept: true })
    assert.deepEqual(f.consider(better, 10), { accept: true })
    assert.equal(f.holding(10)?.id, better.id)
    assert.deepEqual(f.consider(worse, 20), { accept: false, reason: 'holding-better', holding: better })
    // A retransmission of the held one is accepted again and keeps its deadline.
    assert.deepEqual(f.consider(better, 500), { accept: true })
    assert.equal(f.holding(1009)?.id, better.id)
    assert.equal(f.holding(1010), undefined, 'the lock lapses: a dead proposer frees its members')
    assert.deepEqual(f.consider(worse, 1011), { accept: true })
    f.joined('cluster-x')
    assert.deepEqual(f.consider(better, 1012), { accept: false, reason: 'in-a-cluster' })
    assert.equal(f.next([id('6'), id('7'), id('8')], 1013), null)
  })

  it('malformed proposals and proposals not naming the node are declined without taking the lock', () => {
    const f = new Formation({ self: id('5'), size: 4, lockMs: 1000 })
    const ok = proposal(id('1'), [id('1'), id('5'), id('6'), id('7')])
    const cases: Proposal[] = [
      { ...ok, members: [id('1'), id('5'), id('6')] }, // wrong size
      { ...ok, members: [id('5'), id('1'), id('6'), id('7')] }, // unsorted
      { ...ok, members: [id('1'), id('5'), id('5'), id('7')] }, // duplicate
      { ...ok, proposer: id('6') }, // proposer not the lowest member
      { ...ok, proposer: id('0') }, // proposer not a member
      { ...ok, members: [id('1'), id('5'), id('6'), 'xyz'] }, // not a NodeID
    ]
    for (const p of cases) {
      assert.equal(wellFormed(p, 4), false, JSON.stringify(p.members))
      assert.deepEqual(f.consider(p, 0), { accept: false, reason: 'malformed' })
    }
    assert.deepEqual(f.consider(proposal(id('1'), [id('1'), id('6'), id('7'), id('8')]), 0), {
      accept: false,
      reason: 'not-a-member',
    })
    assert.equal(f.holding(0), undefined)
    assert.equal(f.propose(ok, 0), false, 'a node proposes only as itself')
  })

  it('simulated: nodes with random neighbour views form disjoint clusters of n until too few are left', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed)
      const count = 4 + r.int(40)
      const size = [1, 3, 4, 4, 7][r.int(5)]
      const ids = Array.from({ length: count }, () => r.hex(64))
      const nodes = new Map(ids.map((n) => [n, new Formation({ self: n, size, lockMs: 50 })]))
      // Each node sees a random subset of the others (at least most of them): neighbour lists.
      const sees = new Map(ids.map((n) => [n, ids.filter((m) => m !== n && r.int(10) < 8)]))
      let now = 0
      for (let round = 0; round < 200; round++) {
        now += 10
        const proposals: Proposal[] = []
        for (const [n, f] of nodes) {
          const free = (sees.get(n) ?? []).filter((m) => nodes.get(m)?.cluster === undefined)
          const members = f.next(free, now)
          if (members === null) continue
          const p = { id: `${round}-${n}`, proposer: n, members }
          if (f.propose(p, now)) proposals.push(p)
        }
        // Members answer in a random order; a proposal forms when every member accepted.
        for (const p of proposals.sort(() => r.int(3) - 1)) {
          const accepted = p.members.every((m) => nodes.get(m)?.consider(p, now).accept === true)
          if (!accepted) continue
          // The proposer may have moved on to a better proposal meanwhile.
          if (p.members.some((m) => nodes.get(m)?.holding(now)?.id !== p.id)) continue
          for (const m of p.members) nodes.get(m)?.joined(p.id)
        }
      }
      const clusters = new Map<string, string[]>()
      for (const [n, f] of nodes)
        if (f.cluster !== undefined) clusters.set(f.cluster, [...(clusters.get(f.cluster) ?? []), n])
      for (const [c, members] of clusters) assert.equal(members.length, size, `seed ${seed}: cluster ${c}`)
      // Whoever is left cannot form a cluster from what it sees: nobody is stuck by a lock.
      const left = ids.filter((n) => nodes.get(n)?.cluster === undefined)
      for (const n of left) {
        const free = (sees.get(n) ?? []).filter((m) => nodes.get(m)?.cluster === undefined)
        assert.equal(plan(n, free, size), null, `seed ${seed}: ${n.slice(0, 6)} could still propose`)
      }
      if (size === 1) assert.equal(left.length, 0)
    }
  })
})
