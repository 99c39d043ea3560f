/**
 * UpdateClusterMembers (seed row 0.1.7): a membership change, signed by more than 2/3 of the
 * cluster's *current* members, recorded as the next version; the server signs the new binding
 * and keeps every earlier version with the request that produced it. Members that leave are
 * free to join another cluster; members that join must not belong to one.
 */
import { toHex } from '../../../lib/encoding.js'
import { checkClusterQuorum, issueClusterBinding } from '../cluster-binding.js'
import type { Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { ClusterInfo, ErrorCode, type Response, UpdateClusterMembers } from '../registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../tags.js'
import {
  checkCertified,
  checkFree,
  checkMemberList,
  checkNonce,
  checkTimestamp,
  decodeBody,
  decodeSignedRequest,
} from './cluster-common.js'

export const updateCluster: Handler = async (c, request, _ctx): Promise<Response> => {
  const signed = decodeSignedRequest(request.body)
  const req = decodeBody('UpdateClusterMembers', UpdateClusterMembers.decode, signed.body)
  if (req.clusterId.length !== 32) throw badRequest('clusterId must be 32 bytes')
  checkMemberList(req.members)
  checkNonce(req.nonce)
  const cluster = c.clusters.byId(req.clusterId)
  if (cluster === undefined) {
    throw new RegistryError(ErrorCode.NOT_FOUND, `no cluster ${toHex(req.clusterId)} is registered`)
  }
  const now = c.now()
  checkTimestamp(c, req.timestamp, now)
  if (req.previousVersion !== BigInt(cluster.version)) {
    throw new RegistryError(
      ErrorCode.WRONG_VERSION,
      `previousVersion is ${req.previousVersion}, the cluster is at version ${cluster.version}`,
    )
  }
  const current = new Set(cluster.members.map((m) => toHex(m.nodeId)))
  if (req.members.length === current.size && req.members.every((m) => current.has(toHex(m.nodeId)))) {
    throw badRequest('the new member list equals the current one')
  }
  checkCertified(c, req.members)
  checkClusterQuorum(TAG_CLUSTER_UPDATE, signed.body, signed.signatures, cluster.members)

  checkFree(c, req.members, cluster.clusterId)
  const nonceOp = c.clusters.claimNonce(req.nonce, Number(req.timestamp))
  if (nonceOp === false) throw new RegistryError(ErrorCode.REPLAYED_NONCE, 'nonce was already used')

  const version = cluster.version + 1
  const binding = issueClusterBinding(c.signer, {
    clusterId: cluster.clusterId,
    name: cluster.name,
    genesis: cluster.genesis,
    registeredAt: cluster.registeredAt,
    version,
    members: req.members,
    updatedAt: now,
  })
  c.clusters.update(
    cluster,
    { version, members: req.members, updatedAt: now, signed: binding, request: signed },
    nonceOp,
  )
  c.log.info(
    { clusterId: toHex(cluster.clusterId), name: cluster.name, version },
    'cluster membership recorded',
  )
  await cluster.durable
  return {
    error: ErrorCode.OK,
    errorText: '',
    body: ClusterInfo.encode({ binding, history: [], more: false }),
    signature: new Uint8Array(),
  }
}
