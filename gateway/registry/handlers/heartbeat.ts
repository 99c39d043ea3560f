/**
 * Heartbeat: keeps a registered node live. Authenticated by the connection itself (Noise
 * proves the remote's Ed25519 key, which is the node's signing key), so it costs no signature.
 */
import type { Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { openPeerRecord } from '../peer-record.js'
import { ErrorCode, Heartbeat, type Response } from '../registry.pb.js'

export const heartbeat: Handler = async (c, request, ctx): Promise<Response> => {
  let hb: Heartbeat
  try {
    hb = Heartbeat.decode(request.body)
  } catch (err) {
    throw badRequest(`Heartbeat is malformed: ${(err as Error).message}`)
  }
  const binding = c.table.byKey(ctx.remoteKey)
  if (binding === undefined) throw new RegistryError(ErrorCode.NOT_REGISTERED, 'this peer has not registered')
  if (hb.peerRecord.length > 0) {
    if (hb.peerRecord.length > 4096) throw badRequest('peerRecord must be at most 4096 bytes')
    const record = await openPeerRecord(hb.peerRecord, binding.sigPublicKey)
    if (record.seq >= binding.peerRecordSeq) {
      binding.peerRecord = hb.peerRecord
      binding.peerRecordSeq = record.seq
    }
  }
  if (binding.peerRecord.length === 0) {
    // Happens after a registry restart: liveness is not persisted, addresses are re-learnt.
    throw badRequest('no peer record known for this node: send one with the heartbeat')
  }
  binding.lastSeen = c.now()
  return { error: ErrorCode.OK, errorText: '', body: new Uint8Array(), signature: new Uint8Array() }
}
