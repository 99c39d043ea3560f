/**
 * Quorum arithmetic for weighted validators, in bigint so that no weight ever rounds.
 *
 * With W the total weight of the height's validator set, a quorum is a set of distinct
 * validators of weight w with 3·w > 2·W, and "a third" (enough to include one correct
 * validator when faulty weight is below W/3) is 3·w > W. With n = 3f + 1 equal weights these
 * are the paper's 2f + 1 and f + 1.
 * References: arXiv:1807.04938, section 2 and Algorithm 1.
 */

export interface QuorumRule {
  quorum(weight: bigint, total: bigint): boolean
  third(weight: bigint, total: bigint): boolean
}

export function hasQuorum(weight: bigint, total: bigint): boolean {
  return 3n * weight > 2n * total
}

export function hasThird(weight: bigint, total: bigint): boolean {
  return 3n * weight > total
}

export const TWO_THIRDS: QuorumRule = { quorum: hasQuorum, third: hasThird }

/** The key a VoteSet uses for a vote for nil. */
export const NIL = ''

/** 'equivocation' the first time a validator contradicts itself here, 'conflict' afterwards. */
export type AddResult = 'added' | 'duplicate' | 'equivocation' | 'conflict'

/**
 * Votes of one type for one (height, round). A validator counts once towards "any value"
 * (rules 3 and 6), with its FIRST vote. A different later vote is kept as equivocation evidence
 * and still counts once towards its own value when `countConflict` is set (the caller sets it
 * for nil and for values it holds a proposal for): a quorum for a value is a quorum of
 * signatures for it (arXiv:1807.04938 counts messages), and if correct validators disagreed
 * on which of an equivocator's votes came first they could disagree on whether a polka
 * exists, and a lock taken on it could never be released (rule 2). Votes for other values are
 * kept to two per validator, so junk votes cannot grow memory without bound (CometBFT keeps
 * conflicting votes only for blocks a peer claims a +2/3 majority for, for the same reason).
 * The same validator never adds weight twice to one value, which also covers Twins.
 */
export class VoteSet<T> {
  readonly total: bigint
  readonly #rule: QuorumRule
  readonly #first = new Map<number, { key: string; vote: T }>()
  readonly #byValue = new Map<string, Map<number, T>>()
  readonly #weights = new Map<string, bigint>()
  readonly #values = new Map<number, number>()
  readonly #evidenced = new Set<number>()
  #sum = 0n
  #quorumKey: string | undefined
  readonly evidence: Array<{ index: number; first: T; second: T }> = []

  constructor(total: bigint, rule: QuorumRule = TWO_THIRDS) {
    this.total = total
    this.#rule = rule
  }

  add(index: number, weight: bigint, key: string, vote: T, countConflict = false): AddResult {
    if (this.has(index, key)) return 'duplicate'
    const first = this.#first.get(index)
    if (first === undefined) {
      this.#first.set(index, { key, vote })
      this.#sum += weight
      this.#count(index, weight, key, vote)
      return 'added'
    }
    if (countConflict || (this.#values.get(index) ?? 0) < 2) this.#count(index, weight, key, vote)
    if (this.#evidenced.has(index)) return 'conflict'
    this.#evidenced.add(index)
    this.evidence.push({ index, first: first.vote, second: vote })
    return 'equivocation'
  }

  #count(index: number, weight: bigint, key: string, vote: T): void {
    let voters = this.#byValue.get(key)
    if (voters === undefined) {
      voters = new Map()
      this.#byValue.set(key, voters)
    }
    voters.set(index, vote)
    this.#values.set(index, (this.#values.get(index) ?? 0) + 1)
    const w = (this.#weights.get(key) ?? 0n) + weight
    this.#weights.set(key, w)
    if (key !== NIL && this.#quorumKey === undefined && this.#rule.quorum(w, this.total))
      this.#quorumKey = key
  }

  /** True when this validator's vote for this value is already counted. */
  has(index: number, key: string): boolean {
    return this.#byValue.get(key)?.has(index) ?? false
  }

  /** The validator's first vote. */
  get(index: number): { key: string; vote: T } | undefined {
    return this.#first.get(index)
  }

  weightFor(key: string): bigint {
    return this.#weights.get(key) ?? 0n
  }

  /** Weight of the distinct validators that voted at all. */
  get votedWeight(): bigint {
    return this.#sum
  }

  hasQuorumFor(key: string): boolean {
    return this.#rule.quorum(this.weightFor(key), this.total)
  }

  /** A quorum of votes of any value (rules 3 and 6). */
  hasQuorumAny(): boolean {
    return this.#rule.quorum(this.#sum, this.total)
  }

  /** The first non-nil value to reach a quorum, if any (rules 4 and 7). */
  quorumValue(): string | undefined {
    return this.#quorumKey
  }

  /** The counted votes for one value, by increasing validator index. */
  votesFor(key: string): Array<[number, T]> {
    return [...(this.#byValue.get(key) ?? [])].sort((a, b) => a[0] - b[0])
  }

  /** Number of distinct validators that voted. */
  get size(): number {
    return this.#first.size
  }
}

/**
 * Rule 8 helper: given each validator's highest round seen at this height, the highest round r
 * such that validators holding a third of the weight have sent messages for rounds >= r (at
 * least one correct validator has reached r, so skipping to r is safe and keeps us live).
 * Returns -1 when no such round exists.
 */
export function roundWithThird(
  highest: ReadonlyMap<number, number>,
  weightOf: (index: number) => bigint,
  total: bigint,
  rule: QuorumRule = TWO_THIRDS,
): number {
  const entries = [...highest].sort((a, b) => b[1] - a[1] || a[0] - b[0])
  let w = 0n
  for (const [index, round] of entries) {
    w += weightOf(index)
    if (rule.third(w, total)) return round
  }
  return -1
}
