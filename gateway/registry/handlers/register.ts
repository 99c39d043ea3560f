/**
 * RegisterNode (seed row 0.0.2): a signed, fresh, never-replayed request carrying both public
 * keys and a signed peer record; answered with a NodeID certificate. The same signing key
 * always gets the same NodeID back.
 */
import { randomBytes, verifySignature } from '../../../lib/crypto.js'
import { equalBytes } from '../../../lib/encoding.js'
import { issueCertificate } from '../certificate.js'
import type { Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { openPeerRecord } from '../peer-record.js'
import { ErrorCode, RegisterNode, RegisterResult, type Response } from '../registry.pb.js'
import { TAG_REGISTER } from '../tags.js'

const MAX_PEER_RECORD_BYTES = 4096

function decode(body: Uint8Array): RegisterNode {
  let req: RegisterNode
  try {
    req = RegisterNode.decode(body)
  } catch (err) {
    throw badRequest(`RegisterNode is malformed: ${(err as Error).message}`)
  }
  if (req.sigPublicKey.length !== 32) throw badRequest('sigPublicKey must be 32 bytes (Ed25519)')
  if (req.commsPublicKey.length !== 32) throw badRequest('commsPublicKey must be 32 bytes (X25519)')
  if (req.nonce.length !== 16) throw badRequest('nonce must be 16 bytes')
  if (req.peerRecord.length === 0 || req.peerRecord.length > MAX_PEER_RECORD_BYTES) {
    throw badRequest(`peerRecord must be 1..${MAX_PEER_RECORD_BYTES} bytes`)
  }
  return req
}

export const register: Handler = async (c, request, _ctx): Promise<Response> => {
  const req = decode(request.body)
  const now = c.now()
  const skew = Number(req.timestamp) - now
  if (Math.abs(skew) > c.limits.clockSkewMs) {
    throw new RegistryError(
      ErrorCode.STALE_TIMESTAMP,
      `timestamp is ${Math.round(skew / 1000)} s off the server clock (allowed ±${c.limits.clockSkewMs / 1000} s)`,
    )
  }
  if (!verifySignature(TAG_REGISTER, request.body, request.signature, req.sigPublicKey)) {
    throw new RegistryError(
      ErrorCode.BAD_SIGNATURE,
      'registration signature does not verify for sigPublicKey',
    )
  }
  // The request signature just verified covers these record bytes: see openPeerRecord.
  const record = await openPeerRecord(req.peerRecord, req.sigPublicKey, { vouched: true })
  // Claim the nonce only after every check: a forged request must not burn someone's nonce.
  const nonceOp = c.table.claimNonce(req.nonce, Number(req.timestamp))
  if (nonceOp === false) throw new RegistryError(ErrorCode.REPLAYED_NONCE, 'nonce was already used')

  // No await between the lookup and bind/rebind: concurrent requests for one key serialise here.
  let binding = c.table.byKey(req.sigPublicKey)
  if (binding === undefined) {
    let nodeId = randomBytes(32)
    while (c.table.hasId(nodeId)) nodeId = randomBytes(32)
    const certificate = issueCertificate(c.signer, {
      nodeId,
      sigPublicKey: req.sigPublicKey,
      commsPublicKey: req.commsPublicKey,
      issuedAt: now,
    })
    binding = c.table.bind(
      {
        nodeId,
        sigPublicKey: req.sigPublicKey,
        commsPublicKey: req.commsPublicKey,
        certificate,
        peerRecord: req.peerRecord,
        peerRecordSeq: record.seq,
        lastSeen: now,
      },
      nonceOp,
    )
    c.log.debug({ nodeId: Buffer.from(nodeId).toString('hex'), peer: record.peerId }, 'node registered')
  } else {
    if (!equalBytes(binding.commsPublicKey, req.commsPublicKey)) {
      const certificate = issueCertificate(c.signer, {
        nodeId: binding.nodeId,
        sigPublicKey: req.sigPublicKey,
        commsPublicKey: req.commsPublicKey,
        issuedAt: now,
      })
      c.table.rebind(binding, certificate, req.commsPublicKey, nonceOp)
    } else {
      binding.durable = binding.durable.then(() => c.table.persistNonce(nonceOp))
    }
    if (record.seq >= binding.peerRecordSeq) {
      binding.peerRecord = req.peerRecord
      binding.peerRecordSeq = record.seq
    }
    binding.lastSeen = now
  }
  await binding.durable
  return {
    error: ErrorCode.OK,
    errorText: '',
    body: RegisterResult.encode({ certificate: binding.certificate }),
    signature: new Uint8Array(),
  }
}
