/**
 * Replacing a dead cluster member (issue 5 part 6; seed rows 0.1.0, 0.1.7) as pure rules: no
 * sockets, clocks or disk. `now` is passed in; replace-service.ts carries the requests.
 *
 * - **Dead.** Each member judges from its own view (its consensus link to the member, the
 *   keep-alive table) how long a member has been unreachable. A member is replaced only once
 *   it has been unreachable for `replaceAfterMs` here (or, when an operator asks, at all), and
 *   a member never approves replacing one it can reach: a quorum must fail to reach it.
 * - **Coordinator.** The live members, sorted by signing key: the first coordinates once the
 *   member has been dead for `replaceAfterMs` (and a grace for the others' counts), the next
 *   one `rankDelayMs` later (in case the first cannot), and so on. Several coordinators at once
 *   are safe (below), only wasteful.
 * - **Candidate.** A live node in no cluster, tried in the order of SHA-256(clusterId ||
 *   NodeID): every member ranks the same nodes the same way, and which cluster gets which
 *   free node is spread by the cluster ID rather than always the lowest NodeID.
 * - **Approvals.** The coordinator needs a quorum (more than 2/3, weight 1 each) of the
 *   current members for both the consensus change and the server's UpdateClusterMembers. A
 *   member holds one replacement per validator set at a time (`ReplaceHolds`), so two
 *   coordinators cannot both gather a quorum for different next sets while the hold lasts.
 */
import { sha256 } from '../../lib/crypto.js'
import { compareBytes, equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { hasQuorum } from '../consensus/quorum.js'
import type { ValidatorSet } from '../consensus/types.js'
import { sortMembers } from '../registry/cluster-binding.js'
import type { ClusterMember } from '../registry/registry.pb.js'

/** Per member (NodeID hex): since when this node has been unable to reach it. */
export class Liveness {
  readonly #since = new Map<string, number>()

  /** One observation; a reachable member clears its record. */
  observe(nodeId: string, reachable: boolean, now: number): void {
    if (reachable) this.#since.delete(nodeId)
    else if (!this.#since.has(nodeId)) this.#since.set(nodeId, now)
  }

  /** How long (ms) the member has been unreachable; 0 when reachable or never seen unreachable. */
  unreachableFor(nodeId: string, now: number): number {
    const since = this.#since.get(nodeId)
    return since === undefined ? 0 : Math.max(0, now - since)
  }

  reachable(nodeId: string): boolean {
    return !this.#since.has(nodeId)
  }

  /** Drops the records of nodes that are no longer members. */
  keep(nodeIds: Iterable<string>): void {
    const keep = new Set(nodeIds)
    for (const id of [...this.#since.keys()]) if (!keep.has(id)) this.#since.delete(id)
  }
}

export interface DeadJudgement {
  /** Unreachable now. */
  unreachable: boolean
  /** For how long (ms). */
  forMs: number
  /** Long enough to replace automatically (replaceAfterMs > 0 and reached). */
  dead: boolean
}

export function judge(
  liveness: Liveness,
  nodeId: string,
  now: number,
  replaceAfterMs: number,
): DeadJudgement {
  const forMs = liveness.unreachableFor(nodeId, now)
  const unreachable = !liveness.reachable(nodeId)
  return { unreachable, forMs, dead: unreachable && replaceAfterMs > 0 && forMs >= replaceAfterMs }
}

/**
 * Whether this node may approve replacing `nodeId`: never while it can reach it; automatically
 * only after `replaceAfterMs`; an operator's request needs only that it is unreachable here.
 */
export function mayApprove(
  j: DeadJudgement,
  manual: boolean,
  replaceAfterMs: number,
): { ok: true } | { ok: false; why: string; notYet: boolean } {
  if (!j.unreachable) return { ok: false, why: 'this member reaches it', notYet: false }
  if (manual || (replaceAfterMs > 0 && j.forMs >= replaceAfterMs)) return { ok: true }
  if (replaceAfterMs === 0)
    return {
      ok: false,
      why: 'automatic replacement is off here (cluster.replaceAfterSec = 0)',
      notYet: false,
    }
  return {
    ok: false,
    why: `unreachable here for ${Math.floor(j.forMs / 1000)} s, not yet ${replaceAfterMs / 1000} s`,
    notYet: true,
  }
}

/**
 * This node's rank among the live members (sorted by signing key; `self` counts as live):
 * rank r coordinates once a member has been dead for replaceAfterMs + r * rankDelayMs.
 * -1 when `self` is not among `members`.
 */
export function coordinatorRank(
  self: Uint8Array,
  members: readonly ClusterMember[],
  live: (m: ClusterMember) => boolean,
): number {
  const order = sortMembers(members).filter((m) => equalBytes(m.sigPublicKey, self) || live(m))
  return order.findIndex((m) => equalBytes(m.sigPublicKey, self))
}

/**
 * Whether to coordinate now. `graceMs` lets the other members' counts catch up with ours (each
 * noticed the death a little later: its own round, its own keep-alive misses); a member that
 * answers "not yet" anyway is asked again soon.
 */
export function shouldCoordinate(
  rank: number,
  deadForMs: number,
  replaceAfterMs: number,
  rankDelayMs: number,
  graceMs = 0,
): boolean {
  return rank >= 0 && replaceAfterMs > 0 && deadForMs >= replaceAfterMs + graceMs + rank * rankDelayMs
}

/** Candidates (NodeID hex) in the order every member tries them: by SHA-256(clusterId || NodeID). */
export function candidateOrder(clusterId: Uint8Array, candidates: Iterable<string>): string[] {
  const keyed = [...new Set(candidates)].map((id) => ({ id, h: sha256(clusterId, fromHex(id)) }))
  keyed.sort((a, b) => compareBytes(a.h, b.h))
  return keyed.map((k) => k.id)
}

/** The member list after replacing `dead` by `candidate`, in canonical order (by signing key). */
export function replacedMembers(
  current: readonly ClusterMember[],
  dead: Uint8Array,
  candidate: ClusterMember,
): ClusterMember[] {
  return sortMembers([...current.filter((m) => !equalBytes(m.nodeId, dead)), candidate])
}

/**
 * Checks that `next` is `current` with exactly `dead` replaced by one node that is not a
 * member; returns that node, or why not.
 */
export function checkSwap(
  current: readonly ClusterMember[],
  next: readonly ClusterMember[],
  dead: Uint8Array,
): { added: ClusterMember } | { problem: string } {
  if (!current.some((m) => equalBytes(m.nodeId, dead)))
    return { problem: `${toHex(dead).slice(0, 16)} is not a member` }
  if (next.length !== current.length) return { problem: 'the next list has another size' }
  const kept = current.filter((m) => !equalBytes(m.nodeId, dead))
  const same = (a: ClusterMember, b: ClusterMember) =>
    equalBytes(a.nodeId, b.nodeId) && equalBytes(a.sigPublicKey, b.sigPublicKey)
  const added = next.filter((n) => !kept.some((k) => same(k, n)))
  if (added.length !== 1 || kept.some((k) => !next.some((n) => same(k, n))))
    return { problem: 'the next list does not replace exactly the dead member' }
  const [node] = added
  if (current.some((m) => equalBytes(m.nodeId, node.nodeId) || equalBytes(m.sigPublicKey, node.sigPublicKey)))
    return { problem: 'the replacement is already a member' }
  return { added: node }
}

export type CollectState = 'collecting' | 'quorum' | 'failed'

/**
 * The coordinator's tally of one replacement: approvals and refusals from the current members
 * (weight 1 each). `quorum` once more than 2/3 approved; `failed` once that is out of reach.
 */
export class ApprovalCollector<A> {
  readonly #members: string[]
  readonly #approved = new Map<string, A>()
  readonly #refused = new Map<string, string>()

  /** `members`: the current members' signing keys (hex). */
  constructor(members: readonly string[]) {
    this.#members = [...new Set(members)]
  }

  /** Counts an approval from a member (others, and a second answer, are ignored). */
  approve(member: string, approval: A): void {
    if (this.#members.includes(member) && !this.#refused.has(member) && !this.#approved.has(member))
      this.#approved.set(member, approval)
  }

  refuse(member: string, why: string): void {
    if (this.#members.includes(member) && !this.#approved.has(member) && !this.#refused.has(member))
      this.#refused.set(member, why)
  }

  get state(): CollectState {
    const total = BigInt(this.#members.length)
    if (hasQuorum(BigInt(this.#approved.size), total)) return 'quorum'
    const possible = BigInt(this.#members.length - this.#refused.size)
    return hasQuorum(possible, total) ? 'collecting' : 'failed'
  }

  get approvals(): A[] {
    return [...this.#approved.values()]
  }

  get refusals(): { member: string; why: string }[] {
    return [...this.#refused].map(([member, why]) => ({ member, why }))
  }

  /** Members needed: more than 2/3 of the current ones. */
  get needed(): number {
    return neededOf(this.#members.length)
  }
}

/** Approvals needed from `members` equal-weight members: more than 2/3 of them. */
export function neededOf(members: number): number {
  return Math.floor((2 * members) / 3) + 1
}

/**
 * An approving member's holds: for each validator set (hash hex), the one next set it approved,
 * until the hold lapses. A different next set for a held current set is refused.
 */
export class ReplaceHolds {
  readonly #held = new Map<string, { next: string; until: number }>()
  readonly #holdMs: number

  constructor(holdMs: number) {
    this.#holdMs = holdMs
  }

  /** Takes (or renews) the hold; the next set held instead when another one is. */
  take(current: string, next: string, now: number): { ok: true } | { ok: false; holding: string } {
    for (const [k, h] of this.#held) if (h.until <= now) this.#held.delete(k)
    const held = this.#held.get(current)
    if (held !== undefined && held.next !== next) return { ok: false, holding: held.next }
    this.#held.set(current, { next, until: now + this.#holdMs })
    return { ok: true }
  }

  release(current: string): void {
    this.#held.delete(current)
  }
}

/** Whether a validator set holds exactly the members' keys. */
export function sameKeys(
  set: ValidatorSet,
  members: readonly Pick<ClusterMember, 'sigPublicKey'>[],
): boolean {
  return (
    set.validators.length === members.length &&
    members.every((m) => set.validators.some((v) => equalBytes(v.publicKey, m.sigPublicKey)))
  )
}
