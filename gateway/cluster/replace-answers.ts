/**
 * The answering side of replacing a dead member (replace-service.ts is the coordinating side):
 * a free node asked to take a dead member's place (REPLACE_OFFER) and a member asked to approve
 * a replacement (REPLACE_APPROVE) check every rule of the protocol before they sign.
 * References: docs/protocols/cluster.md "Replacing a dead member".
 */
import { approveMembership } from '../consensus/driver/membership.js'
import type { ValidatorSet } from '../consensus/types.js'
import { verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { MAX_CLUSTER_MEMBERS, memberListProblem, signClusterUpdate } from '../registry/cluster-binding.js'
import { type ClusterBinding, type ClusterMember, UpdateClusterMembers } from '../registry/registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../registry/tags.js'
import { FormError, FormKind, type FormRequest, type FormResponse, Replacement } from './cluster.pb.js'
import { answer as refuse } from './formation-wire.js'
import { answerRecord } from './replace-record.js'
import type { ReplaceComponents, ReplaceSettings } from './replace-service.js'
import { checkSwap, judge, type Liveness, mayApprove, type ReplaceHolds, sameKeys } from './replacement.js'
import { genesisSet, type Replica } from './replica.js'

/** What the answers read of the replacement service. */
export interface Answering {
  c: ReplaceComponents
  s: ReplaceSettings
  liveness: Liveness
  holds: ReplaceHolds
  /** The cluster as this member sees it, when it is a member running the registry. */
  view(): { binding: ClusterBinding; replica: Replica; set: ValidatorSet } | undefined
  now(): number
}

/** REPLACE_OFFER (to a free node), REPLACE_APPROVE and RECORD_APPROVE (to a member). */
export async function answerReplacement(
  a: Answering,
  req: FormRequest,
  remoteKey: Uint8Array | undefined,
): Promise<Partial<FormResponse>> {
  if (req.kind === FormKind.RECORD_APPROVE) return answerRecord(a, req.body, remoteKey)
  let r: Replacement
  let update: UpdateClusterMembers
  try {
    r = Replacement.decode(req.body)
    update = UpdateClusterMembers.decode(r.update, { limits: { members: MAX_CLUSTER_MEMBERS } })
  } catch {
    return refuse(FormError.FORM_BAD_REQUEST, 'the replacement does not decode')
  }
  const problem = memberListProblem(update.members)
  if (problem !== undefined) return refuse(FormError.MALFORMED, problem)
  if (remoteKey === undefined) return refuse(FormError.NOT_FROM_MEMBER, 'the connection has no key')
  return req.kind === FormKind.REPLACE_OFFER
    ? considerOffer(a, r, update, remoteKey)
    : considerApproval(a, r, update, remoteKey)
}

/** A free node asked to take a dead member's place: checked against the server's binding. */
async function considerOffer(
  a: Answering,
  r: Replacement,
  update: UpdateClusterMembers,
  remoteKey: Uint8Array,
): Promise<Partial<FormResponse>> {
  const self = a.c.nodeId()
  if (self === undefined) return refuse(FormError.NOT_READY, 'this node has no NodeID yet')
  if (!a.c.formation.isFree(update.clusterId))
    return refuse(FormError.IN_A_CLUSTER, 'this node is in a cluster, holds a proposal or is joining one')
  const me = update.members.find((m) => toHex(m.nodeId) === self)
  if (me === undefined || !equalBytes(me.sigPublicKey, a.c.signer.publicKey))
    return refuse(FormError.NOT_A_MEMBER, 'the replacement does not name this node with its key')
  let server: { version: number; members: ClusterMember[] }
  try {
    server = await a.c.registry.getCluster({ clusterId: update.clusterId })
  } catch (err) {
    return refuse(FormError.WRONG_SET, `the server does not confirm the cluster: ${(err as Error).message}`)
  }
  if (BigInt(server.version) !== update.previousVersion)
    return refuse(
      FormError.WRONG_SET,
      `the server has the cluster at version ${server.version}, the request replaces ${update.previousVersion}`,
    )
  if (!server.members.some((m) => equalBytes(m.sigPublicKey, remoteKey)))
    return refuse(FormError.NOT_FROM_MEMBER, 'the request did not come from a member of the cluster')
  const swap = checkSwap(server.members, update.members, r.dead)
  if ('problem' in swap) return refuse(FormError.MALFORMED, swap.problem)
  if (toHex(swap.added.nodeId) !== self)
    return refuse(FormError.NOT_A_MEMBER, 'another node is the replacement')
  a.c.formation.holdForReplacement(update.clusterId, a.now() + Math.max(3 * a.s.holdMs, 30_000))
  a.c.log.info(
    { clusterId: toHex(update.clusterId), dead: toHex(r.dead) },
    'accepted to replace a dead cluster member',
  )
  return { error: FormError.FORM_OK, signature: signClusterUpdate(a.c.signer, r.update).signature }
}

/** A member asked to approve a replacement: every check of the protocol, then both signatures. */
function considerApproval(
  a: Answering,
  r: Replacement,
  update: UpdateClusterMembers,
  remoteKey: Uint8Array,
): Partial<FormResponse> {
  const view = a.view()
  if (view === undefined) return refuse(FormError.NOT_READY, 'this node is not a member running the registry')
  const { binding, replica, set } = view
  if (replica.driver.core.myIndex < 0) return refuse(FormError.NOT_READY, 'this node does not vote yet')
  if (!equalBytes(update.clusterId, binding.clusterId))
    return refuse(FormError.NOT_A_MEMBER, 'this node is not a member of that cluster')
  if (!binding.members.some((m) => equalBytes(m.sigPublicKey, remoteKey)))
    return refuse(FormError.NOT_FROM_MEMBER, 'the request did not come from a member of the cluster')
  if (update.previousVersion !== binding.version)
    return refuse(
      FormError.WRONG_SET,
      `membership version ${binding.version} here, the request replaces ${update.previousVersion}`,
    )
  if (!equalBytes(r.currentSetHash, set.hash) || !sameKeys(set, binding.members))
    return refuse(FormError.WRONG_SET, "the request names another validator set than this member's")
  const swap = checkSwap(binding.members, update.members, r.dead)
  if ('problem' in swap) return refuse(FormError.MALFORMED, swap.problem)
  if (equalBytes(r.dead, fromHex(a.c.nodeId() ?? '00'.repeat(32))))
    return refuse(FormError.MEMBER_ALIVE, 'this node is the member to replace, and it is alive')
  const ok = mayApprove(
    judge(a.liveness, toHex(r.dead), a.now(), a.s.replaceAfterMs),
    r.manual,
    a.s.replaceAfterMs,
  )
  if (!ok.ok) return refuse(ok.notYet ? FormError.NOT_YET : FormError.MEMBER_ALIVE, ok.why)
  if (!verifySignature(TAG_CLUSTER_UPDATE, r.update, r.candidateSignature, swap.added.sigPublicKey))
    return refuse(FormError.MALFORMED, 'the replacement did not accept (its signature does not verify)')
  const next = genesisSet(update.members)
  const held = a.holds.take(toHex(set.hash), toHex(next.hash), a.now())
  if (!held.ok) return refuse(FormError.HOLDING_OTHER, 'this member approved another replacement of this set')
  const membership = approveMembership(a.c.signer, replica.chainId, set, next)
  return {
    error: FormError.FORM_OK,
    signature: signClusterUpdate(a.c.signer, r.update).signature,
    membershipSignature: membership.signature,
  }
}
