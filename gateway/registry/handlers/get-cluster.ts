/**
 * GetCluster (seed row 0.1.7): a cluster's current server-signed binding by ID or by name,
 * and on request its recorded versions (each binding with the members' signed request), so
 * anyone can follow the membership from the genesis keys without trusting more than the
 * signatures. Public: clusters are looked up by nodes that do not belong to them.
 */
import { toHex } from '../../../lib/encoding.js'
import { MAX_CLUSTER_NAME_BYTES } from '../cluster-binding.js'
import type { Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { ClusterInfo, ErrorCode, GetCluster, type Response } from '../registry.pb.js'

/** History per answer: well under the 64 KiB frame with the current binding beside it. */
export const HISTORY_BYTES = 40 * 1024

export const getCluster: Handler = async (c, request, _ctx): Promise<Response> => {
  let req: GetCluster
  try {
    req = GetCluster.decode(request.body)
  } catch (err) {
    throw badRequest(`GetCluster is malformed: ${(err as Error).message}`)
  }
  const byId = req.clusterId.length > 0
  if (byId === (req.name !== '')) throw badRequest('give exactly one of clusterId and name')
  if (byId && req.clusterId.length !== 32) throw badRequest('clusterId must be 32 bytes')
  if (Buffer.byteLength(req.name) > MAX_CLUSTER_NAME_BYTES) {
    throw badRequest(`name must be at most ${MAX_CLUSTER_NAME_BYTES} bytes`)
  }
  const cluster = byId ? c.clusters.byId(req.clusterId) : c.clusters.byName(req.name)
  if (cluster === undefined) {
    const what = byId ? toHex(req.clusterId) : JSON.stringify(req.name)
    throw new RegistryError(ErrorCode.NOT_FOUND, `no cluster ${what} is registered`)
  }
  // Read the fields now: an update may replace them while we wait for the disk.
  const binding = cluster.signed
  await cluster.durable
  let history: ClusterInfo['history'] = []
  let more = false
  if (req.history && req.fromVersion <= BigInt(cluster.version)) {
    ;({ versions: history, more } = await c.clusters.history(cluster, Number(req.fromVersion), HISTORY_BYTES))
  }
  return {
    error: ErrorCode.OK,
    errorText: '',
    body: ClusterInfo.encode({ binding, history, more }),
    signature: new Uint8Array(),
  }
}
