/**
 * Recording at the server a membership change the chain already made (issue 5 part 6;
 * docs/protocols/cluster.md "Replacing a dead member", recovery).
 *
 * The coordinator of a replacement records the committed change at the server right after the
 * commit. When it cannot (it crashed in between, or the server stayed unreachable through its
 * attempts), the chain's validator set and the server's binding differ, no further replacement
 * can be made, and the newcomer is never told. Any member that sees them differ for longer than
 * a hold therefore records the chain's set itself:
 *
 * 1. it asks the server first: when the binding there already names the chain's set (only the
 *    announcement was lost), it adopts that binding and announces it;
 * 2. otherwise it builds the UpdateClusterMembers from the chain: the binding's members that
 *    stay keep their NodeIDs, a newcomer's NodeID comes from the keep-alive table (certified
 *    neighbours), the previous version is the server's;
 * 3. it asks the binding's members to approve it (RECORD_APPROVE). Each signs only an update
 *    that names exactly the set its own chain has in force, for the version its binding holds,
 *    while that binding still differs from the chain; the server checks each NodeID against the
 *    key certified for it;
 * 4. with more than 2/3 of the binding's members, the update is recorded; the caller adopts and
 *    announces it as after a replacement. A server that answers with another version means
 *    someone else recorded first: the caller adopts what the server holds.
 */
import type { ValidatorSet } from '../consensus/types.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import {
  type ClusterApproval,
  clusterUpdateBody,
  MAX_CLUSTER_MEMBERS,
  memberListProblem,
  signClusterUpdate,
} from '../registry/cluster-binding.js'
import type { VerifiedCluster } from '../registry/client.js'
import { type ClusterBinding, type ClusterMember, UpdateClusterMembers } from '../registry/registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../registry/tags.js'
import { verifySignature } from '../../lib/crypto.js'
import { peerIdOfKey } from '../consensus/driver/validator.js'
import { FormError, FormKind, type FormResponse } from './cluster.pb.js'
import { answer as refuse } from './formation-wire.js'
import type { Answering } from './replace-answers.js'
import { ApprovalCollector, sameKeys } from './replacement.js'
import type { ReplaceComponents } from './replace-service.js'
import type { Replica } from './replica.js'

export interface ClusterView {
  binding: ClusterBinding
  replica: Replica
  set: ValidatorSet
}

/** What was recorded (or found recorded) at the server, and who joined. */
export interface Recorded {
  cluster: VerifiedCluster
  /** Members of the recorded set that the previous binding did not name. */
  newcomers: ClusterMember[]
}

/**
 * The server update naming the chain's set: members that stay keep the binding's NodeIDs, a
 * newcomer's comes from `nodeIdOf` (the keep-alive table). A string says what is missing.
 */
export function chainSetUpdate(
  binding: ClusterBinding,
  set: ValidatorSet,
  serverVersion: number,
  nodeIdOf: (sigPublicKey: Uint8Array) => Uint8Array | undefined,
): Uint8Array | string {
  const members: ClusterMember[] = []
  for (const v of set.validators) {
    const known = binding.members.find((m) => equalBytes(m.sigPublicKey, v.publicKey))
    const nodeId = known?.nodeId ?? nodeIdOf(v.publicKey)
    if (nodeId === undefined)
      return `the NodeID of new member ${peerIdOfKey(v.publicKey)} is not known here (not a live neighbour)`
    members.push({ nodeId, sigPublicKey: v.publicKey })
  }
  return clusterUpdateBody({ clusterId: binding.clusterId, previousVersion: serverVersion, members })
}

/** RECORD_APPROVE: sign an update that records exactly the set this member's chain has in force. */
export function answerRecord(
  a: Pick<Answering, 'c' | 'view'>,
  body: Uint8Array,
  remoteKey: Uint8Array | undefined,
): Partial<FormResponse> {
  let update: UpdateClusterMembers
  try {
    update = UpdateClusterMembers.decode(body, { limits: { members: MAX_CLUSTER_MEMBERS } })
  } catch {
    return refuse(FormError.FORM_BAD_REQUEST, 'the update does not decode')
  }
  const problem = memberListProblem(update.members)
  if (problem !== undefined) return refuse(FormError.MALFORMED, problem)
  const view = a.view()
  if (view === undefined) return refuse(FormError.NOT_READY, 'this node is not a member running the registry')
  const { binding, set } = view
  if (!equalBytes(update.clusterId, binding.clusterId))
    return refuse(FormError.NOT_A_MEMBER, 'this node is not a member of that cluster')
  if (remoteKey === undefined || !binding.members.some((m) => equalBytes(m.sigPublicKey, remoteKey)))
    return refuse(FormError.NOT_FROM_MEMBER, 'the request did not come from a member of the cluster')
  if (update.previousVersion !== binding.version)
    return refuse(
      FormError.WRONG_SET,
      `membership version ${binding.version} here, the update follows ${update.previousVersion}`,
    )
  if (sameKeys(set, binding.members))
    return refuse(FormError.WRONG_SET, 'the chain here has the set the server holds: nothing to record')
  if (!sameKeys(set, update.members))
    return refuse(FormError.WRONG_SET, 'the update does not name the set this chain has in force')
  for (const m of update.members) {
    const known = binding.members.find((k) => equalBytes(k.sigPublicKey, m.sigPublicKey))
    if (known !== undefined && !equalBytes(known.nodeId, m.nodeId))
      return refuse(FormError.MALFORMED, `member ${toHex(m.nodeId).slice(0, 16)} is bound to another NodeID`)
  }
  return { error: FormError.FORM_OK, signature: signClusterUpdate(a.c.signer, body).signature }
}

/**
 * Records the chain's set at the server (steps 1-4 above), asking the binding's members over
 * `call` (this node answers itself through `self`). Throws with the reason when it cannot.
 */
export async function recordChainSet(
  c: Pick<ReplaceComponents, 'registry' | 'signer' | 'neighbours' | 'formation' | 'log'>,
  view: ClusterView,
  self: (body: Uint8Array) => Partial<FormResponse>,
): Promise<Recorded> {
  const { binding, set } = view
  const newcomersOf = (cluster: VerifiedCluster) =>
    cluster.members.filter((m) => !binding.members.some((b) => equalBytes(b.sigPublicKey, m.sigPublicKey)))
  const server = await c.registry.getCluster({ clusterId: binding.clusterId })
  if (sameKeys(set, server.members)) return { cluster: server, newcomers: newcomersOf(server) }
  if (server.version !== Number(binding.version))
    throw new Error(
      `the server holds version ${server.version}, this member version ${binding.version}: it catches up first`,
    )
  const live = new Map(c.neighbours().map((p) => [toHex(p.sigPublicKey), p]))
  const update = chainSetUpdate(binding, set, server.version, (key) => {
    const id = live.get(toHex(key))?.nodeId
    return id === undefined ? undefined : fromHex(id)
  })
  if (typeof update === 'string') throw new Error(update)
  const collector = new ApprovalCollector<ClusterApproval>(server.members.map((m) => toHex(m.sigPublicKey)))
  await Promise.all(
    server.members.map(async (m) => {
      const member = toHex(m.sigPublicKey)
      try {
        const res = equalBytes(m.sigPublicKey, c.signer.publicKey)
          ? self(update)
          : await c.formation.call(
              { peerId: peerIdOfKey(m.sigPublicKey) },
              { kind: FormKind.RECORD_APPROVE, body: update },
            )
        const signature = res.signature ?? new Uint8Array()
        if (res.error !== FormError.FORM_OK) collector.refuse(member, `${res.error} ${res.text ?? ''}`.trim())
        else if (!verifySignature(TAG_CLUSTER_UPDATE, update, signature, m.sigPublicKey))
          collector.refuse(member, 'approval does not verify')
        else collector.approve(member, { publicKey: m.sigPublicKey, signature })
      } catch (err) {
        collector.refuse(member, (err as Error).message)
      }
    }),
  )
  if (collector.state !== 'quorum') {
    const why = collector.refusals.map((r) => `${r.member.slice(0, 8)}: ${r.why}`).join('; ')
    throw new Error(`approved by ${collector.approvals.length} of ${collector.needed} needed: ${why}`)
  }
  const approvals = collector.approvals
  try {
    const cluster = await c.registry.updateClusterMembers(update, approvals, server.members)
    return { cluster, newcomers: newcomersOf(cluster) }
  } catch (err) {
    // Someone else may have recorded it meanwhile.
    const now = await c.registry.getCluster({ clusterId: binding.clusterId })
    if (sameKeys(set, now.members)) return { cluster: now, newcomers: newcomersOf(now) }
    throw err
  }
}
