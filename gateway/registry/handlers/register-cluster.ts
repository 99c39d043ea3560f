/**
 * RegisterCluster (seed rows 0.1.7, 0.1.8): founding members, more than 2/3 of them signing the
 * same body, get a cluster ID and a server-signed binding of ID, name and genesis member keys.
 * Checks run cheapest first; the nonce is claimed only after all of them, so a refused request
 * burns nobody's nonce, and there is no await between the conflict checks and the binding, so
 * two concurrent registrations of one node or one name cannot both pass.
 */
import { toHex } from '../../../lib/encoding.js'
import {
  checkClusterQuorum,
  clusterIdOf,
  clusterNameProblem,
  derivedClusterName,
  issueClusterBinding,
} from '../cluster-binding.js'
import type { HandlerComponents, Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { ClusterInfo, ErrorCode, RegisterCluster, type Response } from '../registry.pb.js'
import { TAG_CLUSTER_REGISTER } from '../tags.js'
import {
  checkCertified,
  checkFree,
  checkMemberList,
  checkNonce,
  checkTimestamp,
  decodeBody,
  decodeSignedRequest,
} from './cluster-common.js'

/** The first free derived name: `c-` and 8 hex digits of the ID, more digits if taken. */
function deriveName(c: HandlerComponents, clusterId: Uint8Array): string {
  for (let digits = 8; digits <= 30; digits += 2) {
    const name = derivedClusterName(clusterId, digits)
    if (!c.clusters.nameTaken(name)) return name
  }
  throw new RegistryError(ErrorCode.CONFLICT, 'every name derived from this cluster ID is taken')
}

export const registerCluster: Handler = async (c, request, _ctx): Promise<Response> => {
  const signed = decodeSignedRequest(request.body)
  const req = decodeBody('RegisterCluster', RegisterCluster.decode, signed.body)
  checkMemberList(req.members)
  checkNonce(req.nonce)
  if (req.name !== '') {
    const problem = clusterNameProblem(req.name)
    if (problem !== undefined) throw badRequest(problem)
  }
  const now = c.now()
  checkTimestamp(c, req.timestamp, now)
  checkCertified(c, req.members)
  checkClusterQuorum(TAG_CLUSTER_REGISTER, signed.body, signed.signatures, req.members)

  checkFree(c, req.members)
  const clusterId = clusterIdOf(req.members, req.nonce)
  // Unreachable while SHA-256 holds and members stay in one cluster; checked all the same.
  if (c.clusters.byId(clusterId) !== undefined) {
    throw new RegistryError(ErrorCode.CONFLICT, 'this cluster ID is already registered')
  }
  if (req.name !== '' && c.clusters.nameTaken(req.name)) {
    throw new RegistryError(ErrorCode.CONFLICT, `cluster name ${req.name} is taken`)
  }
  const name = req.name === '' ? deriveName(c, clusterId) : req.name
  const nonceOp = c.clusters.claimNonce(req.nonce, Number(req.timestamp))
  if (nonceOp === false) throw new RegistryError(ErrorCode.REPLAYED_NONCE, 'nonce was already used')

  const binding = issueClusterBinding(c.signer, {
    clusterId,
    name,
    genesis: req.members,
    registeredAt: now,
    version: 0,
    members: req.members,
    updatedAt: now,
  })
  const cluster = c.clusters.register(
    { clusterId, name, genesis: req.members, registeredAt: now },
    { version: 0, members: req.members, updatedAt: now, signed: binding, request: signed },
    nonceOp,
  )
  c.log.info({ clusterId: toHex(clusterId), name, members: req.members.length }, 'cluster registered')
  await cluster.durable
  return {
    error: ErrorCode.OK,
    errorText: '',
    body: ClusterInfo.encode({ binding, history: [], more: false }),
    signature: new Uint8Array(),
  }
}
