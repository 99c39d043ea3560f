/**
 * GetNeighbours (seed row 0.0.3): the k live nodes XOR-closest to the caller's NodeID, never
 * the caller, in a list signed by the server.
 */
import type { Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { ErrorCode, GetNeighbours, NeighbourList, type Response } from '../registry.pb.js'
import { TAG_NEIGHBOURS } from '../tags.js'

export const MAX_NEIGHBOURS = 64

export const neighbours: Handler = async (c, request, ctx): Promise<Response> => {
  let req: GetNeighbours
  try {
    req = GetNeighbours.decode(request.body)
  } catch (err) {
    throw badRequest(`GetNeighbours is malformed: ${(err as Error).message}`)
  }
  const self = c.table.byKey(ctx.remoteKey)
  if (self === undefined) throw new RegistryError(ErrorCode.NOT_REGISTERED, 'this peer has not registered')
  const k = Math.min(req.k === 0 ? c.limits.neighbourK : req.k, MAX_NEIGHBOURS)
  const now = c.now()
  const body = NeighbourList.encode({
    forNodeId: self.nodeId,
    issuedAt: BigInt(now),
    neighbours: c.table.closestLive(self.nodeId, k, c.limits.heartbeatTtlMs, now).map((b) => ({
      nodeId: b.nodeId,
      sigPublicKey: b.sigPublicKey,
      commsPublicKey: b.commsPublicKey,
      peerRecord: b.peerRecord,
      lastSeen: BigInt(b.lastSeen),
    })),
  })
  return { error: ErrorCode.OK, errorText: '', body, signature: c.signer.sign(TAG_NEIGHBOURS, body) }
}
