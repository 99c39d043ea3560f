/**
 * Replacing a dead cluster member on the network (issue 5 part 6; seed rows 0.1.0, 0.1.7): the
 * rules of replacement.ts run by a member over `/xlattice/cluster/1.0.0` (REPLACE_OFFER,
 * REPLACE_APPROVE, UPDATED; docs/protocols/cluster.md "Replacing a dead member").
 *
 * Every member watches the others (its consensus link to each, the keep-alive table). When one
 * has been unreachable for `cluster.replaceAfterSec`, the live member with the lowest key
 * coordinates (or the member where an operator ran `xlattice cluster replace`):
 *
 * 1. it picks a free live neighbour (the first in replacement.ts candidateOrder that accepts,
 *    REPLACE_OFFER: the candidate checks the request against the server's binding and signs
 *    the UpdateClusterMembers it will be part of);
 * 2. it collects from the live members (itself included) their approvals of the consensus
 *    change (current set -> next set) and their signatures of the UpdateClusterMembers
 *    (REPLACE_APPROVE); each member checks that it cannot reach the dead one either;
 * 3. with a quorum it submits the membership change; once committed (and in force: another
 *    coordinator's change could have won), it records the change at the server and hands the
 *    new binding to the members (UPDATED) and to the new member (FORMED), which starts its
 *    replica from genesis and catches up.
 */
import { peerIdOfKey } from '../consensus/driver/validator.js'
import { encodeMembershipOp, TAG_MEMBERSHIP, membershipSignBytes } from '../consensus/driver/membership.js'
import type { ValidatorSet } from '../consensus/types.js'
import { randomBytes, type Signer, sha256, verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { failpoint } from '../../lib/failpoints.js'
import type { Logger } from '../../lib/log.js'
import { type ClusterApproval, clusterUpdateBody } from '../registry/cluster-binding.js'
import type { RegistryClient, VerifiedCluster } from '../registry/client.js'
import {
  type ClusterBinding,
  type ClusterMember,
  SignedClusterBinding,
  UpdateClusterMembers,
} from '../registry/registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../registry/tags.js'
import { FormError, FormKind, type FormRequest, type FormResponse, Replacement } from './cluster.pb.js'
import type { ClusterFormation, FormationPeer } from './formation-service.js'
import {
  ApprovalCollector,
  candidateOrder,
  coordinatorRank,
  judge,
  Liveness,
  mayApprove,
  ReplaceHolds,
  replacedMembers,
  shouldCoordinate,
} from './replacement.js'
import { type Answering, answerReplacement, sameKeys } from './replace-answers.js'
import { answerRecord, type ClusterView, recordChainSet } from './replace-record.js'
import { genesisSet, type Replica } from './replica.js'

export interface ReplaceComponents {
  formation: Pick<
    ClusterFormation,
    'current' | 'call' | 'isFree' | 'holdForReplacement' | 'adopt' | 'serveReplacement'
  >
  replica(): Replica | undefined
  /** This node's NodeID once registered. */
  nodeId(): string | undefined
  signer: Signer
  registry: Pick<RegistryClient, 'getCluster' | 'updateClusterMembers'>
  /** The live neighbours (keep-alive table). */
  neighbours(): FormationPeer[]
  /** Whether the keep-alive table has the node alive; undefined when it is not a neighbour. */
  neighbourAlive(nodeId: string): boolean | undefined
  log: Logger
  /** The clock (tests pass their own). */
  now?(): number
}

export interface ReplaceSettings {
  /** How long a member must be unreachable before it is replaced automatically; 0: never. */
  replaceAfterMs: number
  /** How often members are looked at. */
  intervalMs: number
  /** How long an approval holds a member to one next set (and a candidate out of formation). */
  holdMs: number
}

export interface ReplaceRequest {
  /** NodeID (hex) of the member to replace; default: the one member unreachable here. */
  dead?: string
  /** NodeID (hex) of the node to put in its place; default: the first free live neighbour. */
  with?: string
  /** An operator asked: members need not wait for replaceAfterSec (but must not reach it). */
  manual: boolean
}

export interface ReplaceResult {
  dead: string
  replacement: string
  height: number
  version: number
}

/** A replacement that could not be made, with the reason (the admin route answers 409). */
export class ReplaceRefused extends Error {
  override name = 'ReplaceRefused'
  /** Worth trying again soon: members only answered that the member was not dead long enough there. */
  readonly soon: boolean

  constructor(message: string, opts: { soon?: boolean } = {}) {
    super(message)
    this.soon = opts.soon ?? false
  }
}

type Stage = 'choosing' | 'offering' | 'approving' | 'committing' | 'recording' | 'announcing'

interface Pending {
  dead: string
  candidate: string | null
  stage: Stage
  manual: boolean
  approvals: number
  needed: number
  startedAt: number
}

const MAX_CANDIDATES = 4
/** Tries at the server: the update body's timestamp stays within its clock skew meanwhile. */
const RECORD_ATTEMPTS = 4

export class ClusterReplacement {
  readonly #c: ReplaceComponents
  readonly #s: ReplaceSettings
  readonly #liveness = new Liveness()
  readonly #holds: ReplaceHolds
  #timer?: NodeJS.Timeout
  #pending: Pending | null = null
  #last: (Partial<ReplaceResult> & { ok: boolean; error: string | null; at: string }) | null = null
  /** No automatic attempt before this (after a failed one). */
  #retryAt = 0
  /** Since when the chain's set and the server's binding differ (see #recordChainSet). */
  #mismatchSince?: number
  /** The last time this member recorded the chain's set at the server itself. */
  #recorded: { version: number; at: string } | null = null

  readonly #answering: Answering

  constructor(c: ReplaceComponents, s: ReplaceSettings) {
    this.#c = c
    this.#s = s
    this.#holds = new ReplaceHolds(s.holdMs)
    this.#answering = {
      c,
      s,
      liveness: this.#liveness,
      holds: this.#holds,
      view: () => this.#view(),
      now: () => this.#now(),
    }
  }

  start(): void {
    this.#c.formation.serveReplacement((req, remoteKey) => this.answer(req, remoteKey))
    this.#timer = setInterval(() => void this.tick(), this.#s.intervalMs)
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /** The cluster as this member sees it: binding, replica and the chain's validator set. */
  #view(): { binding: ClusterBinding; replica: Replica; set: ValidatorSet } | undefined {
    const binding = this.#c.formation.current()?.binding
    const replica = this.#c.replica()
    if (binding === undefined || replica === undefined) return undefined
    return { binding, replica, set: replica.driver.validators }
  }

  #now(): number {
    return (this.#c.now ?? Date.now)()
  }

  /** Looks at every member; starts a replacement when the rules make this node coordinate. */
  async tick(): Promise<void> {
    const now = this.#now()
    const view = this.#view()
    if (view === undefined) {
      this.#liveness.keep([])
      return
    }
    this.#observe(view, now)
    if (this.#pending !== null) return
    if (!sameKeys(view.set, view.binding.members)) {
      await this.#recordChainSet(view, now)
      return
    }
    this.#mismatchSince = undefined
    if (this.#s.replaceAfterMs === 0 || now < this.#retryAt) return
    const self = this.#c.signer.publicKey
    const others = view.binding.members.filter((m) => !equalBytes(m.sigPublicKey, self))
    const dead = others
      .map((m) => ({ m, j: judge(this.#liveness, toHex(m.nodeId), now, this.#s.replaceAfterMs) }))
      .filter((d) => d.j.dead)
      .sort((a, b) => b.j.forMs - a.j.forMs)[0]
    if (dead === undefined) return
    const rank = coordinatorRank(self, view.binding.members, (m) => this.#liveness.reachable(toHex(m.nodeId)))
    const grace = 2 * this.#s.intervalMs
    if (!shouldCoordinate(rank, dead.j.forMs, this.#s.replaceAfterMs, this.#s.holdMs, grace)) return
    try {
      await this.replace({ dead: toHex(dead.m.nodeId), manual: false })
    } catch (err) {
      const soon = err instanceof ReplaceRefused && err.soon
      this.#retryAt = this.#now() + (soon ? this.#s.intervalMs : this.#s.holdMs)
      this.#c.log.warn({ err: (err as Error).message }, 'automatic replacement failed; trying again later')
    }
  }

  #observe(view: { binding: ClusterBinding; replica: Replica }, now: number): void {
    const links = new Map(
      (view.replica.driver.status().validators as { peerId: string; connected: boolean }[]).map((v) => [
        v.peerId,
        v.connected,
      ]),
    )
    const self = this.#c.signer.publicKey
    for (const m of view.binding.members) {
      if (equalBytes(m.sigPublicKey, self)) continue
      const id = toHex(m.nodeId)
      const reachable = links.get(peerIdOfKey(m.sigPublicKey)) === true || this.#c.neighbourAlive(id) === true
      this.#liveness.observe(id, reachable, now)
    }
    this.#liveness.keep(view.binding.members.map((m) => toHex(m.nodeId)))
  }

  /** Replaces a dead member (automatically, or as `xlattice cluster replace` asks). */
  async replace(req: ReplaceRequest): Promise<ReplaceResult> {
    if (this.#pending !== null)
      throw new ReplaceRefused(
        this.#pending.dead === ''
          ? "the chain's membership is being recorded at the server"
          : `a replacement of ${this.#pending.dead.slice(0, 16)} is under way`,
      )
    const view = this.#view()
    if (view === undefined) throw new ReplaceRefused('this node is not a member running the cluster registry')
    const dead = this.#deadOf(view.binding, req)
    const pending: Pending = {
      dead,
      candidate: null,
      stage: 'choosing',
      manual: req.manual,
      approvals: 0,
      needed: Math.floor((2 * view.binding.members.length) / 3) + 1,
      startedAt: this.#now(),
    }
    this.#pending = pending
    try {
      const result = await this.#run(view, pending, req)
      this.#last = { ok: true, error: null, at: new Date().toISOString(), ...result }
      return result
    } catch (err) {
      this.#last = {
        ok: false,
        error: (err as Error).message,
        at: new Date().toISOString(),
        dead,
        replacement: pending.candidate ?? undefined,
      }
      throw err
    } finally {
      this.#pending = null
    }
  }

  #deadOf(binding: ClusterBinding, req: ReplaceRequest): string {
    const self = this.#c.signer.publicKey
    const others = binding.members.filter((m) => !equalBytes(m.sigPublicKey, self))
    const now = this.#now()
    if (req.dead !== undefined) {
      const m = binding.members.find((x) => toHex(x.nodeId) === req.dead)
      if (m === undefined)
        throw new ReplaceRefused(`${req.dead.slice(0, 16)} is not a member of this cluster`)
      if (equalBytes(m.sigPublicKey, self)) throw new ReplaceRefused('a member cannot replace itself')
      const ok = mayApprove(
        judge(this.#liveness, req.dead, now, this.#s.replaceAfterMs),
        req.manual,
        this.#s.replaceAfterMs,
      )
      if (!ok.ok) throw new ReplaceRefused(`not replacing ${req.dead.slice(0, 16)}: ${ok.why}`)
      return req.dead
    }
    const unreachable = others.filter((m) => !this.#liveness.reachable(toHex(m.nodeId)))
    if (unreachable.length !== 1)
      throw new ReplaceRefused(
        `${unreachable.length} members are unreachable here: name the one to replace (--dead NODEID)`,
      )
    return toHex(unreachable[0].nodeId)
  }

  async #run(
    view: { binding: ClusterBinding; replica: Replica; set: ValidatorSet },
    pending: Pending,
    req: ReplaceRequest,
  ): Promise<ReplaceResult> {
    const { binding, replica, set } = view
    if (replica.driver.core.myIndex < 0)
      throw new ReplaceRefused('this node does not vote in the cluster yet')
    if (!sameKeys(set, binding.members))
      throw new ReplaceRefused('the chain and the server name different members here (a change is pending)')
    const dead = fromHex(pending.dead)
    // 1. A free live node that accepts.
    const candidates = await this.#candidates(binding, req.with)
    let chosen: { peer: FormationPeer; update: Uint8Array; acceptance: Uint8Array } | undefined
    const declined: string[] = []
    pending.stage = 'offering'
    for (const peer of candidates) {
      pending.candidate = peer.nodeId
      const update = clusterUpdateBody({
        clusterId: binding.clusterId,
        previousVersion: Number(binding.version),
        members: replacedMembers(binding.members, dead, {
          nodeId: fromHex(peer.nodeId),
          sigPublicKey: peer.sigPublicKey,
        }),
        nonce: randomBytes(16),
      })
      const body = Replacement.encode({ update, dead, currentSetHash: set.hash, manual: req.manual })
      try {
        const res = await this.#c.formation.call(peer, { kind: FormKind.REPLACE_OFFER, body })
        if (res.error !== FormError.FORM_OK) {
          declined.push(`${peer.nodeId.slice(0, 8)}: ${res.error} ${res.text}`)
          continue
        }
        if (!verifySignature(TAG_CLUSTER_UPDATE, update, res.signature, peer.sigPublicKey)) {
          declined.push(`${peer.nodeId.slice(0, 8)}: acceptance does not verify`)
          continue
        }
        chosen = { peer, update, acceptance: res.signature }
        break
      } catch (err) {
        declined.push(`${peer.nodeId.slice(0, 8)}: ${(err as Error).message}`)
      }
    }
    if (chosen === undefined)
      throw new ReplaceRefused(
        `no free live node accepted${declined.length > 0 ? `: ${declined.join('; ')}` : ''}`,
      )
    this.#c.log.info(
      { dead: pending.dead, replacement: chosen.peer.nodeId, manual: req.manual },
      'replacing a dead cluster member',
    )
    // 2. Approvals from a quorum of the current members.
    pending.stage = 'approving'
    const request: Replacement = {
      update: chosen.update,
      dead,
      currentSetHash: set.hash,
      candidateSignature: chosen.acceptance,
      manual: req.manual,
    }
    const next = genesisSet(UpdateClusterMembers.decode(chosen.update).members)
    const collector = await this.#collect(binding, request, set, next, pending)
    if (collector.state !== 'quorum') {
      const refusals = collector.refusals
      const why = refusals.map((r) => `${r.member.slice(0, 8)}: ${r.why}`).join('; ')
      throw new ReplaceRefused(
        `approved by ${collector.approvals.length} of ${collector.needed} needed: ${why}`,
        {
          soon: refusals.length > 0 && refusals.every((r) => r.why.startsWith(FormError.NOT_YET)),
        },
      )
    }
    // 3. The consensus change, then the server.
    pending.stage = 'committing'
    const approvals = collector.approvals
    const op = encodeMembershipOp(
      set,
      next,
      approvals.map((a) => a.membership),
    )
    const height = await replica.driver.submissions.submit(op)
    const receipt = await replica.app.receiptAt(height, sha256(op))
    if (receipt?.accepted !== true)
      throw new ReplaceRefused(
        `the membership change was committed as rejected (${receipt?.reason ?? 'no receipt'})`,
      )
    if (
      !sameKeys(
        next,
        replica.app.members().map((m) => ({ sigPublicKey: m.publicKey })),
      )
    )
      throw new ReplaceRefused('another membership change took effect in the same block')
    pending.stage = 'recording'
    if (failpoint('replace.skip-record'))
      throw new ReplaceRefused('failpoint replace.skip-record: committed, not recorded at the server')
    const cluster = await this.#record(
      chosen.update,
      approvals.map((a) => a.update),
      binding.members,
    )
    pending.stage = 'announcing'
    await this.#announce(cluster, binding.members, [chosen.peer])
    this.#c.log.info(
      { dead: pending.dead, replacement: chosen.peer.nodeId, height, version: cluster.version },
      'replaced a dead cluster member',
    )
    return { dead: pending.dead, replacement: chosen.peer.nodeId, height, version: cluster.version }
  }

  /**
   * Adopts a newly recorded binding and hands it to the previous members (UPDATED) and to
   * the newcomers (FORMED: they start their replicas and catch up).
   */
  async #announce(
    cluster: VerifiedCluster,
    previous: readonly ClusterMember[],
    newcomers: readonly Pick<FormationPeer, 'peerId'>[],
  ): Promise<void> {
    await this.#c.formation.adopt(cluster.signed)
    const body = SignedClusterBinding.encode(cluster.signed)
    const self = this.#c.signer.publicKey
    const next = cluster.members
    await Promise.all([
      ...newcomers.map((p) => this.#c.formation.call(p, { kind: FormKind.FORMED, body }).catch(() => {})),
      ...previous
        .filter(
          (m) =>
            !equalBytes(m.sigPublicKey, self) && next.some((n) => equalBytes(n.sigPublicKey, m.sigPublicKey)),
        )
        .map((m) =>
          this.#c.formation
            .call({ peerId: peerIdOfKey(m.sigPublicKey) }, { kind: FormKind.UPDATED, body })
            .catch(() => {}),
        ),
    ])
  }

  /**
   * The chain's set differs from the server's binding for longer than a hold (the coordinator
   * crashed after the commit, or the server stayed unreachable): record it (replace-record.ts).
   */
  async #recordChainSet(view: ClusterView, now: number): Promise<void> {
    this.#mismatchSince ??= now
    const rank = coordinatorRank(this.#c.signer.publicKey, view.binding.members, (m) =>
      this.#liveness.reachable(toHex(m.nodeId)),
    )
    const wait = this.#s.holdMs + Math.max(0, rank) * 2 * this.#s.intervalMs
    if (now - this.#mismatchSince < wait || now < this.#retryAt) return
    const pending: Pending = {
      dead: '',
      candidate: null,
      stage: 'recording',
      manual: false,
      approvals: 0,
      needed: Math.floor((2 * view.binding.members.length) / 3) + 1,
      startedAt: now,
    }
    this.#pending = pending
    try {
      const { cluster, newcomers } = await recordChainSet(this.#c, view, (body) =>
        answerRecord(this.#answering, body, this.#c.signer.publicKey),
      )
      pending.stage = 'announcing'
      await this.#announce(
        cluster,
        view.binding.members,
        newcomers.map((m) => ({ peerId: peerIdOfKey(m.sigPublicKey) })),
      )
      this.#c.log.info(
        { version: cluster.version, newcomers: newcomers.map((m) => toHex(m.nodeId)) },
        "recorded the chain's membership at the server",
      )
      this.#recorded = { version: cluster.version, at: new Date().toISOString() }
    } catch (err) {
      this.#retryAt = this.#now() + this.#s.holdMs
      this.#c.log.warn(
        { err: (err as Error).message },
        "the chain's membership differs from the server's; recording it failed, trying again later",
      )
    } finally {
      this.#pending = null
    }
  }

  /**
   * Records the committed change at the server, retrying a few times: the chain has the new set
   * now, and until the server has it too, no further replacement can be made.
   */
  async #record(update: Uint8Array, approvals: ClusterApproval[], current: ClusterMember[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#c.registry.updateClusterMembers(update, approvals, current)
      } catch (err) {
        if (attempt >= RECORD_ATTEMPTS) throw err
        this.#c.log.warn(
          { err: (err as Error).message, attempt },
          'recording the change at the server failed',
        )
        await new Promise((r) => setTimeout(r, 1000 * attempt))
      }
    }
  }

  /** Free live neighbours (or the one the operator named), in candidateOrder. */
  async #candidates(binding: ClusterBinding, wanted: string | undefined): Promise<FormationPeer[]> {
    const members = new Set(binding.members.map((m) => toHex(m.nodeId)))
    const live = this.#c.neighbours().filter((p) => !members.has(p.nodeId))
    if (wanted !== undefined) {
      if (members.has(wanted)) throw new ReplaceRefused(`${wanted.slice(0, 16)} is a member already`)
      const peer = live.find((p) => p.nodeId === wanted)
      if (peer === undefined)
        throw new ReplaceRefused(`${wanted.slice(0, 16)} is not a live neighbour of this node`)
      return [peer]
    }
    const free = await Promise.all(
      live.map(async (p) => {
        const res = await this.#c.formation.call(p, { kind: FormKind.STATUS }).catch(() => undefined)
        return res?.error === FormError.FORM_OK && res.free ? p : undefined
      }),
    )
    const byId = new Map(free.filter((p): p is FormationPeer => p !== undefined).map((p) => [p.nodeId, p]))
    const order = candidateOrder(binding.clusterId, byId.keys()).slice(0, MAX_CANDIDATES)
    if (order.length === 0) throw new ReplaceRefused('no live neighbour is free to join')
    return order.map((id) => byId.get(id) as FormationPeer)
  }

  async #collect(
    binding: ClusterBinding,
    request: Replacement,
    set: ValidatorSet,
    next: ValidatorSet,
    pending: Pending,
  ): Promise<ApprovalCollector<{ membership: ClusterApproval; update: ClusterApproval }>> {
    const collector = new ApprovalCollector<{ membership: ClusterApproval; update: ClusterApproval }>(
      binding.members.map((m) => toHex(m.sigPublicKey)),
    )
    const body = Replacement.encode(request)
    const membershipBytes = membershipSignBytes(this.#c.replica()!.chainId, set.hash, next.hash)
    const self = this.#c.signer.publicKey
    const dead = request.dead
    await Promise.all(
      binding.members
        .filter((m) => !equalBytes(m.nodeId, dead))
        .map(async (m) => {
          const key = toHex(m.sigPublicKey)
          try {
            const res = equalBytes(m.sigPublicKey, self)
              ? await this.answer(
                  { kind: FormKind.REPLACE_APPROVE, body, certificate: new Uint8Array() },
                  self,
                )
              : await this.#c.formation.call(
                  { peerId: peerIdOfKey(m.sigPublicKey) },
                  { kind: FormKind.REPLACE_APPROVE, body },
                )
            if (res.error !== FormError.FORM_OK) {
              collector.refuse(key, `${res.error} ${res.text ?? ''}`.trim())
              return
            }
            const membership = res.membershipSignature ?? new Uint8Array()
            const update = res.signature ?? new Uint8Array()
            if (
              !verifySignature(TAG_MEMBERSHIP, membershipBytes, membership, m.sigPublicKey) ||
              !verifySignature(TAG_CLUSTER_UPDATE, request.update, update, m.sigPublicKey)
            ) {
              collector.refuse(key, 'approval does not verify')
              return
            }
            collector.approve(key, {
              membership: { publicKey: m.sigPublicKey, signature: membership },
              update: { publicKey: m.sigPublicKey, signature: update },
            })
            pending.approvals = collector.approvals.length
          } catch (err) {
            collector.refuse(key, (err as Error).message)
          }
        }),
    )
    return collector
  }

  /** REPLACE_OFFER (to a free node) and REPLACE_APPROVE (to a member): replace-answers.ts. */
  answer(req: FormRequest, remoteKey: Uint8Array | undefined): Promise<Partial<FormResponse>> {
    return answerReplacement(this.#answering, req, remoteKey)
  }

  status(now = this.#now()) {
    const binding = this.#c.formation.current()?.binding
    const self = this.#c.signer.publicKey
    return {
      replaceAfterSec: this.#s.replaceAfterMs / 1000,
      members:
        binding?.members.map((m) => {
          const id = toHex(m.nodeId)
          const me = equalBytes(m.sigPublicKey, self)
          const forMs = me ? 0 : this.#liveness.unreachableFor(id, now)
          return {
            nodeId: id,
            self: me,
            reachable: me || this.#liveness.reachable(id),
            unreachableSec: Math.floor(forMs / 1000),
          }
        }) ?? [],
      pending:
        this.#pending === null
          ? null
          : { ...this.#pending, startedAt: new Date(this.#pending.startedAt).toISOString() },
      last: this.#last,
      recorded: this.#recorded,
    }
  }
}
