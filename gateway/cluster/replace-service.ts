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
 *
 * This file decides when (liveness, the coordinator order, retries, status); the steps are
 * replace-coordinate.ts, the answers replace-answers.ts, and recording a change the chain made
 * but the server never got replace-record.ts.
 */
import { peerIdOfKey } from '../consensus/driver/validator.js'
import type { Signer } from '../../lib/crypto.js'
import { equalBytes, toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import type { RegistryClient } from '../registry/client.js'
import type { ClusterBinding } from '../registry/registry.pb.js'
import type { FormRequest, FormResponse } from './cluster.pb.js'
import type { ClusterFormation, FormationPeer } from './formation-service.js'
import {
  coordinatorRank,
  judge,
  Liveness,
  mayApprove,
  neededOf,
  ReplaceHolds,
  shouldCoordinate,
  sameKeys,
} from './replacement.js'
import { type Answering, answerReplacement } from './replace-answers.js'
import {
  announce,
  coordinate,
  type Pending,
  ReplaceRefused,
  type ReplaceRequest,
  type ReplaceResult,
} from './replace-coordinate.js'
import { answerRecord, type ClusterView, recordChainSet } from './replace-record.js'
import type { Replica } from './replica.js'

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

export { ReplaceRefused, type ReplaceRequest, type ReplaceResult } from './replace-coordinate.js'

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
  #view(): ClusterView | undefined {
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
        this.#pending.dead === null
          ? "the chain's membership is being recorded at the server"
          : `a replacement of ${this.#pending.dead.slice(0, 16)} is under way`,
      )
    const view = this.#view()
    if (view === undefined) throw new ReplaceRefused('this node is not a member running the cluster registry')
    const dead = this.#deadOf(view.binding, req)
    const pending: Pending & { dead: string } = {
      dead,
      candidate: null,
      stage: 'choosing',
      manual: req.manual,
      approvals: 0,
      needed: neededOf(view.binding.members.length),
      startedAt: this.#now(),
    }
    this.#pending = pending
    try {
      const result = await coordinate(this.#answering, view, pending, req)
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
      dead: null,
      candidate: null,
      stage: 'recording',
      manual: false,
      approvals: 0,
      needed: neededOf(view.binding.members.length),
      startedAt: now,
    }
    this.#pending = pending
    try {
      const { cluster, newcomers } = await recordChainSet(this.#c, view, (body) =>
        answerRecord(this.#answering, body, this.#c.signer.publicKey),
      )
      pending.stage = 'announcing'
      await announce(
        this.#c,
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
