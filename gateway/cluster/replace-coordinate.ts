/**
 * The coordinating side of replacing a dead member (replace-service.ts decides when; the answers
 * are replace-answers.ts): offer the place to a free node, collect a quorum's approvals, commit
 * the membership change, record it at the XLattice server and announce the new binding.
 * References: docs/protocols/cluster.md "A replacement".
 */
import { encodeMembershipOp, membershipSignBytes, TAG_MEMBERSHIP } from '../consensus/driver/membership.js'
import { peerIdOfKey } from '../consensus/driver/validator.js'
import type { ValidatorSet } from '../consensus/types.js'
import { randomBytes, sha256, verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { failpoint } from '../../lib/failpoints.js'
import { type ClusterApproval, clusterUpdateBody } from '../registry/cluster-binding.js'
import type { VerifiedCluster } from '../registry/client.js'
import {
  type ClusterBinding,
  type ClusterMember,
  SignedClusterBinding,
  UpdateClusterMembers,
} from '../registry/registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../registry/tags.js'
import { FormError, FormKind, Replacement } from './cluster.pb.js'
import type { FormationPeer } from './formation-service.js'
import { type Answering, answerReplacement } from './replace-answers.js'
import type { ReplaceComponents } from './replace-service.js'
import { ApprovalCollector, candidateOrder, replacedMembers, sameKeys } from './replacement.js'
import { genesisSet, type Replica } from './replica.js'

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

export type Stage = 'choosing' | 'offering' | 'approving' | 'committing' | 'recording' | 'announcing'

export interface Pending {
  /** NodeID (hex) of the member being replaced; null while recording the chain's set (replace-record.ts). */
  dead: string | null
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

export async function coordinate(
  a: Answering,
  view: { binding: ClusterBinding; replica: Replica; set: ValidatorSet },
  pending: Pending & { dead: string },
  req: ReplaceRequest,
): Promise<ReplaceResult> {
  const { binding, replica, set } = view
  if (replica.driver.core.myIndex < 0) throw new ReplaceRefused('this node does not vote in the cluster yet')
  if (!sameKeys(set, binding.members))
    throw new ReplaceRefused('the chain and the server name different members here (a change is pending)')
  const dead = fromHex(pending.dead)
  // 1. A free live node that accepts.
  const candidates = await freeCandidates(a, binding, req.with)
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
      const res = await a.c.formation.call(peer, { kind: FormKind.REPLACE_OFFER, body })
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
  a.c.log.info(
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
  const collector = await collect(a, binding, request, set, next, pending)
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
  const cluster = await recordAtServer(
    a.c,
    chosen.update,
    approvals.map((a) => a.update),
    binding.members,
  )
  pending.stage = 'announcing'
  await announce(a.c, cluster, binding.members, [chosen.peer])
  a.c.log.info(
    { dead: pending.dead, replacement: chosen.peer.nodeId, height, version: cluster.version },
    'replaced a dead cluster member',
  )
  return { dead: pending.dead, replacement: chosen.peer.nodeId, height, version: cluster.version }
}

/**
 * Adopts a newly recorded binding and hands it to the previous members (UPDATED) and to
 * the newcomers (FORMED: they start their replicas and catch up).
 */
export async function announce(
  c: ReplaceComponents,
  cluster: VerifiedCluster,
  previous: readonly ClusterMember[],
  newcomers: readonly Pick<FormationPeer, 'peerId'>[],
): Promise<void> {
  await c.formation.adopt(cluster.signed)
  const body = SignedClusterBinding.encode(cluster.signed)
  const self = c.signer.publicKey
  const next = cluster.members
  await Promise.all([
    ...newcomers.map((p) => c.formation.call(p, { kind: FormKind.FORMED, body }).catch(() => {})),
    ...previous
      .filter(
        (m) =>
          !equalBytes(m.sigPublicKey, self) && next.some((n) => equalBytes(n.sigPublicKey, m.sigPublicKey)),
      )
      .map((m) =>
        c.formation
          .call({ peerId: peerIdOfKey(m.sigPublicKey) }, { kind: FormKind.UPDATED, body })
          .catch(() => {}),
      ),
  ])
}

/**
 * Records the committed change at the server, retrying a few times: the chain has the new set
 * now, and until the server has it too, no further replacement can be made.
 */
async function recordAtServer(
  c: ReplaceComponents,
  update: Uint8Array,
  approvals: ClusterApproval[],
  current: ClusterMember[],
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await c.registry.updateClusterMembers(update, approvals, current)
    } catch (err) {
      if (attempt >= RECORD_ATTEMPTS) throw err
      c.log.warn({ err: (err as Error).message, attempt }, 'recording the change at the server failed')
      await new Promise((r) => setTimeout(r, 1000 * attempt))
    }
  }
}

/** Free live neighbours (or the one the operator named), in candidateOrder. */
async function freeCandidates(
  a: Answering,
  binding: ClusterBinding,
  wanted: string | undefined,
): Promise<FormationPeer[]> {
  const members = new Set(binding.members.map((m) => toHex(m.nodeId)))
  const live = a.c.neighbours().filter((p) => !members.has(p.nodeId))
  if (wanted !== undefined) {
    if (members.has(wanted)) throw new ReplaceRefused(`${wanted.slice(0, 16)} is a member already`)
    const peer = live.find((p) => p.nodeId === wanted)
    if (peer === undefined)
      throw new ReplaceRefused(`${wanted.slice(0, 16)} is not a live neighbour of this node`)
    return [peer]
  }
  const free = await Promise.all(
    live.map(async (p) => {
      const res = await a.c.formation.call(p, { kind: FormKind.STATUS }).catch(() => undefined)
      return res?.error === FormError.FORM_OK && res.free ? p : undefined
    }),
  )
  const byId = new Map(free.filter((p): p is FormationPeer => p !== undefined).map((p) => [p.nodeId, p]))
  const order = candidateOrder(binding.clusterId, byId.keys()).slice(0, MAX_CANDIDATES)
  if (order.length === 0) throw new ReplaceRefused('no live neighbour is free to join')
  return order.map((id) => byId.get(id) as FormationPeer)
}

async function collect(
  a: Answering,
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
  const membershipBytes = membershipSignBytes(a.c.replica()!.chainId, set.hash, next.hash)
  const self = a.c.signer.publicKey
  const dead = request.dead
  await Promise.all(
    binding.members
      .filter((m) => !equalBytes(m.nodeId, dead))
      .map(async (m) => {
        const key = toHex(m.sigPublicKey)
        try {
          const res = equalBytes(m.sigPublicKey, self)
            ? await answerReplacement(
                a,
                { kind: FormKind.REPLACE_APPROVE, body, certificate: new Uint8Array() },
                self,
              )
            : await a.c.formation.call(
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
