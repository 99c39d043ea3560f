/**
 * Cluster formation (seed row 0.1.0) as a pure state machine: which cluster a node without one
 * proposes, and which proposal it joins when several overlap. No sockets, clocks or disk:
 * `now` is passed in, and the caller carries proposals and answers over the network.
 *
 * The rules, chosen so that every honest node decides the same way from what it can see and
 * formation always makes progress:
 *
 * - **Who proposes.** A node without a cluster proposes when it has at least `size - 1` live
 *   neighbours without a cluster whose NodeIDs are above its own; it proposes itself and the
 *   `size - 1` of them closest to it by XOR distance. A proposer is therefore the lowest
 *   NodeID of its proposal, and a node with too few neighbours blocks nobody: it waits to be
 *   picked by a lower one.
 * - **Which proposal wins.** Of two overlapping proposals the one with the lower proposer
 *   NodeID wins, then the lower proposal id (a hash of its body). The lowest free node that can
 *   propose at all is then preferred by every member it picks (a lower proposer of any of
 *   them could propose too, which contradicts its being the lowest), so each round forms at
 *   least one cluster while its members are alive and reachable.
 * - **Accepting.** A member holds at most one proposal at a time (its lock, its own counting
 *   too) and accepts by signing the proposal's body; a better proposal takes the lock over,
 *   a worse one is declined naming the one held. A lock lapses after `lockMs` without the
 *   cluster forming (a proposer that died), so members are free again.
 *
 * The proposal body is the cluster registration the server will be sent (members, name,
 * timestamp, nonce): a member's acceptance is its signature over exactly those bytes.
 */

/** A proposal as formation sees it; the caller verified the proposer's signature. */
export interface Proposal {
  /** Hex id of the proposal: a hash of its body. */
  id: string
  /** NodeID (64 hex) of the proposer; always one of `members`. */
  proposer: string
  /** NodeIDs (64 hex) of the proposed members, sorted, without duplicates. */
  members: string[]
}

export type Verdict =
  | { accept: true }
  | { accept: false; reason: 'in-a-cluster' | 'not-a-member' | 'malformed' }
  | { accept: false; reason: 'holding-better'; holding: Proposal }

const NODE_ID = /^[0-9a-f]{64}$/

/** XOR distance of two NodeIDs, as a bigint (smaller is closer). */
export function xorDistance(a: string, b: string): bigint {
  return BigInt(`0x${a}`) ^ BigInt(`0x${b}`)
}

/** Whether proposal `a` beats overlapping proposal `b`. */
export function beats(a: Proposal, b: Proposal): boolean {
  if (a.proposer !== b.proposer) return a.proposer < b.proposer
  return a.id < b.id
}

/** The members `self` should propose, given its live neighbours without a cluster; null: not its turn. */
export function plan(self: string, free: Iterable<string>, size: number): string[] | null {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('cluster size must be a positive integer')
  const above = [...new Set(free)].filter((id) => NODE_ID.test(id) && id > self)
  if (above.length < size - 1) return null
  above.sort((a, b) => {
    const d = xorDistance(self, a) - xorDistance(self, b)
    return d < 0n ? -1 : d > 0n ? 1 : 0
  })
  return [self, ...above.slice(0, size - 1)].sort()
}

/** Whether a proposal is well formed for clusters of `size`. */
export function wellFormed(p: Proposal, size: number): boolean {
  if (p.members.length !== size || !p.members.includes(p.proposer)) return false
  for (let i = 0; i < p.members.length; i++) {
    if (!NODE_ID.test(p.members[i])) return false
    if (i > 0 && p.members[i - 1] >= p.members[i]) return false
  }
  // The proposer is the lowest member: that is what makes the preference order converge.
  return p.members[0] === p.proposer
}

export interface FormationOptions {
  self: string
  size: number
  /** How long an accepted (or own) proposal holds this node before it is free again. */
  lockMs: number
}

/** One node's side of formation: its lock and whether it has a cluster. */
export class Formation {
  readonly self: string
  readonly size: number
  readonly #lockMs: number
  #lock: { proposal: Proposal; until: number } | undefined
  #cluster: string | undefined

  constructor(opts: FormationOptions) {
    if (!NODE_ID.test(opts.self)) throw new RangeError('self must be a NodeID (64 hex)')
    this.self = opts.self
    this.size = opts.size
    this.#lockMs = opts.lockMs
  }

  /** The cluster this node belongs to, once formed. */
  get cluster(): string | undefined {
    return this.#cluster
  }

  /** The proposal this node holds now, if its lock has not lapsed. */
  holding(now: number): Proposal | undefined {
    if (this.#lock !== undefined && now >= this.#lock.until) this.#lock = undefined
    return this.#lock?.proposal
  }

  /**
   * What to propose now, if anything: a plan, only while this node holds no proposal and has
   * no cluster. The caller builds and signs the body, then calls `propose`.
   */
  next(free: Iterable<string>, now: number): string[] | null {
    if (this.#cluster !== undefined || this.holding(now) !== undefined) return null
    return plan(this.self, free, this.size)
  }

  /** Takes the lock for our own proposal; false when a better one is held. */
  propose(p: Proposal, now: number): boolean {
    if (p.proposer !== this.self || !wellFormed(p, this.size)) return false
    return this.consider(p, now).accept
  }

  /** A proposal naming this node arrived: accept it (taking the lock) or say why not. */
  consider(p: Proposal, now: number): Verdict {
    if (this.#cluster !== undefined) return { accept: false, reason: 'in-a-cluster' }
    if (!wellFormed(p, this.size)) return { accept: false, reason: 'malformed' }
    if (!p.members.includes(this.self)) return { accept: false, reason: 'not-a-member' }
    const held = this.holding(now)
    if (held !== undefined && held.id !== p.id && !beats(p, held)) {
      return { accept: false, reason: 'holding-better', holding: held }
    }
    // The same proposal again (a retransmission) keeps its original deadline.
    if (held?.id !== p.id) this.#lock = { proposal: p, until: now + this.#lockMs }
    return { accept: true }
  }

  /** Lets go of a proposal (it failed, or its proposer gave up); other locks stay. */
  release(id: string): void {
    if (this.#lock?.proposal.id === id) this.#lock = undefined
  }

  /** The cluster formed: this node is in it for good (until a membership change says otherwise). */
  joined(clusterId: string): void {
    this.#cluster = clusterId
    this.#lock = undefined
  }
}
