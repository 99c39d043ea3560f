/**
 * Scenario generation: from one seed, a validator set (n = 4, n = 7 or unequal weights), the
 * Byzantine validators (always below a third of the weight, before and after any membership
 * change), the network (delay, loss, reordering, partitions that heal), crashes with restarts,
 * and the time of global stabilisation (GST), after which liveness is checked.
 */
import { makeValidatorSet, proposerIndex } from '../../gateway/consensus/index.js'
import { Prng } from './prng.js'

export type Family = 'n4' | 'n7' | 'weighted'
export type ByzantineKind =
  | 'equivocate'
  | 'double-vote'
  | 'silent'
  | 'bad-signature'
  | 'malformed'
  | 'twins'
  | 'lock-attack'
/** Deliberately broken engines, to prove the checker bites. */
export type Variant = 'honest' | 'weak-quorum' | 'forget-lock' | 'amnesia'

export interface NodeSpec {
  /** Index into the scenario's keys (sorted by public key); Twins share one. */
  key: number
  /** Empty for an honest node. */
  byzantine: ByzantineKind[]
  /** Runs the forget-lock core regardless of the variant (a Byzantine strategy). */
  forgetLock?: boolean
  /** Roles for 'lock-attack': the node ids (= key indices) of A, B and C in the classic schedule. */
  attack?: { a: number; b: number; c: number }
}

export interface NetworkSpec {
  minDelay: number
  maxDelay: number
  /** Loss probability before GST. */
  loss: number
  /** Probability (before GST) that a message is held back up to spikeMs: reordering. */
  spikeProb: number
  spikeMs: number
}

export interface Partition {
  start: number
  end: number
  /** Node ids; messages between different groups are dropped while it lasts. */
  groups: number[][]
}

export interface Crash {
  node: number
  at: number
  restart: number
}

/** What a network filter sees of a consensus message. */
export interface MessageInfo {
  kind: 'proposal' | 'vote' | 'fetch' | 'other'
  height: number
  round: number
  type?: 'prevote' | 'precommit'
  validatorIndex?: number
  nil?: boolean
}

export interface ScenarioSpec {
  seed: number
  family: Family
  /** Genesis weight per key; 0 for a spare key outside the genesis set. */
  weights: number[]
  nodes: NodeSpec[]
  network: NetworkSpec
  partitions: Partition[]
  crashes: Crash[]
  gst: number
  /** A committed membership change: new weights per key, proposed from `fromHeight`. */
  membership: { fromHeight: number; weights: number[] } | null
  targetHeight: number
  /** The adversary's split of honest node ids: group A; the others are group B. */
  groupA: number[]
  variant: Variant
  maxTime: number
  checkLiveness: boolean
  /** Targeted schedules: true drops the message from `from` to `to`. */
  filter?: (info: MessageInfo, from: number, to: number) => boolean
}

const WEIGHTED = [
  [5, 3, 2, 1, 1],
  [4, 3, 3, 2, 1, 1, 1],
]
const BEHAVIOURS: ByzantineKind[][] = [
  ['equivocate', 'double-vote'],
  ['equivocate', 'double-vote'],
  ['equivocate', 'double-vote'],
  ['double-vote'],
  ['double-vote'],
  ['equivocate'],
  ['silent'],
  ['bad-signature'],
  ['malformed'],
  ['bad-signature', 'malformed'],
  ['twins'],
  ['twins'],
]

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

export function familyOf(seed: number): Family {
  return (['n4', 'n7', 'weighted'] as const)[((seed % 3) + 3) % 3]
}

export function generateScenario(seed: number, variant: Variant = 'honest'): ScenarioSpec {
  const rng = new Prng(seed)
  const family = familyOf(seed)
  const weights =
    family === 'n4' ? [1, 1, 1, 1] : family === 'n7' ? [1, 1, 1, 1, 1, 1, 1] : [...rng.pick(WEIGHTED)]
  const total = sum(weights)

  // Membership change (a fifth of the scenarios): reweight an honest validator or add a spare.
  let membership: ScenarioSpec['membership'] = null
  const wantChange = rng.chance(0.2)
  const addSpare = wantChange && rng.chance(0.5)
  if (addSpare) weights.push(0)

  // Byzantine keys, keeping 3·w_byz < W for the genesis set and the changed one (W only grows).
  const byzantine = new Map<number, ByzantineKind[]>()
  const wanted = rng.pick([0, 1, 1, 2, 2, 3])
  let wb = 0
  for (const k of rng.shuffle(weights.map((_, i) => i))) {
    if (byzantine.size >= wanted || weights[k] === 0) continue
    if (3 * (wb + weights[k]) >= total) continue
    wb += weights[k]
    byzantine.set(k, rng.pick(BEHAVIOURS))
  }
  if (wantChange) {
    const next = weights.map((w) => w)
    if (addSpare) next[next.length - 1] = 1
    else {
      const honest = weights.map((_, i) => i).filter((i) => !byzantine.has(i) && weights[i] > 0)
      next[rng.pick(honest)] += rng.int(1, 2)
    }
    membership = { fromHeight: rng.int(3, 10), weights: next }
  }

  const nodes: NodeSpec[] = []
  for (let k = 0; k < weights.length; k++) {
    const kinds = byzantine.get(k) ?? []
    nodes.push({ key: k, byzantine: kinds })
    if (kinds.includes('twins')) nodes.push({ key: k, byzantine: kinds })
  }
  const ids = nodes.map((_, i) => i)
  const honestIds = ids.filter((i) => nodes[i].byzantine.length === 0)
  const shuffled = rng.shuffle(honestIds)
  const groupA = shuffled.slice(0, rng.int(1, Math.max(1, shuffled.length - 1)))

  const network: NetworkSpec = {
    minDelay: rng.int(1, 10),
    maxDelay: rng.int(20, 120),
    loss: rng.pick([0, 0, 0.02, 0.05, 0.1, 0.2]),
    spikeProb: rng.pick([0, 0.02, 0.05, 0.1]),
    spikeMs: 300,
  }

  const partitions: Partition[] = []
  for (let i = rng.pick([0, 0, 1, 1, 2]); i > 0; i--) {
    const start = rng.int(0, 2500)
    const order = rng.shuffle(ids)
    const cut = rng.int(1, ids.length - 1)
    const groups = [order.slice(0, cut), order.slice(cut)]
    // Twins are most dangerous on both sides of a partition.
    for (const [a, b] of twinPairs(nodes)) {
      groups[0] = [...groups[0].filter((x) => x !== a && x !== b), a]
      groups[1] = [...groups[1].filter((x) => x !== a && x !== b), b]
    }
    partitions.push({ start, end: start + rng.int(200, 1500), groups })
  }

  const crashes: Crash[] = []
  for (let i = rng.pick([0, 0, 1, 1, 2]); i > 0; i--) {
    const at = rng.int(0, 2500)
    crashes.push({ node: rng.pick(honestIds), at, restart: at + rng.int(100, 1500) })
  }

  const gst = Math.max(1000, ...partitions.map((p) => p.end), ...crashes.map((c) => c.restart))
  return {
    seed,
    family,
    weights,
    nodes,
    network,
    partitions,
    crashes,
    gst,
    membership,
    targetHeight: 20,
    groupA,
    variant,
    maxTime: gst + 120_000,
    checkLiveness: true,
  }
}

function twinPairs(nodes: NodeSpec[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = []
  for (let i = 0; i + 1 < nodes.length; i++) {
    if (nodes[i].byzantine.includes('twins') && nodes[i + 1].key === nodes[i].key) pairs.push([i, i + 1])
  }
  return pairs
}

/**
 * The classic lock schedule (n = 4, one Byzantine D). Round 0: A proposes v; A and B see the
 * polka and lock v, C does not and precommits nil; A alone sees a quorum of precommits and
 * decides v, then is cut off. Round 1: C proposes a fresh v'. A correct B stays on its lock
 * and prevotes nil, so v' cannot gather a quorum; a B that forgets its lock prevotes v' and,
 * with C and D, decides v' against A's v. Liveness is not checked (A never returns).
 */
export function classicLockScenario(variant: Variant): ScenarioSpec {
  const dummy = makeValidatorSet(
    [0, 1, 2, 3].map((i) => ({ publicKey: new Uint8Array(32).fill(i + 1), weight: 1 })),
  )
  const a = proposerIndex(dummy, 1, 0)
  const c = proposerIndex(dummy, 1, 1)
  const d = proposerIndex(dummy, 1, 2)
  const b = [0, 1, 2, 3].find((i) => i !== a && i !== c && i !== d)!
  const nodes: NodeSpec[] = [0, 1, 2, 3].map((key) => ({ key, byzantine: [] }))
  nodes[d] = { key: d, byzantine: ['lock-attack'], forgetLock: true, attack: { a, b, c } }
  const filter = (m: MessageInfo, from: number, to: number): boolean => {
    if (from === a && (m.kind === 'fetch' || m.height >= 2)) return true // A is cut off once it decides
    if (to === a && m.kind === 'fetch') return true
    if (m.height !== 1 || m.round !== 0) return false
    // C must not see the polka for v: only A's prevote (and C's own) for v reach it.
    if (to === c && m.type === 'prevote' && !m.nil && m.validatorIndex !== a) return true
    if (m.type === 'precommit' && m.validatorIndex === a) return true // only A's own view has it
    return m.type === 'precommit' && m.validatorIndex === b && to === d // D must not decide
  }
  return {
    seed: 0,
    family: 'n4',
    weights: [1, 1, 1, 1],
    nodes,
    network: { minDelay: 5, maxDelay: 20, loss: 0, spikeProb: 0, spikeMs: 0 },
    partitions: [],
    crashes: [],
    gst: 0,
    membership: null,
    targetHeight: 20,
    groupA: [a, b],
    variant,
    maxTime: 30_000,
    checkLiveness: false,
    filter,
  }
}
