/**
 * RegisterNode (seed row 0.0.2): a signed, fresh, never-replayed request carrying both public
 * keys and a signed peer record; answered with a NodeID certificate. The same signing key
 * always gets the same NodeID back.
 *
 * Referrals (seed row 0.1.10, when `referrals` is on and clusters exist): a key the server has
 * never bound is answered with a Referral to a cluster instead; the node has that cluster
 * assign its NodeID (0.1.9) and registers again carrying the assignment, attested by more than
 * 2/3 of the cluster's current members, and the server binds and certifies that NodeID.
 */
import { randomBytes, sha256, verifySignature } from '../../../lib/crypto.js'
import { equalBytes, toHex } from '../../../lib/encoding.js'
import type { BatchOp } from '../../../lib/store/index.js'
import { assignedNodeId } from '../../cluster/entries.js'
import { issueCertificate } from '../certificate.js'
import { checkClusterQuorum } from '../cluster-binding.js'
import type { HandlerComponents, Handler } from '../components.js'
import { badRequest, RegistryError } from '../errors.js'
import { type OpenedRecord, openPeerRecord } from '../peer-record.js'
import type { Binding } from '../state.js'
import {
  AssignmentAttestation,
  ErrorCode,
  RegisterNode,
  RegisterResult,
  type Referral,
  type Response,
} from '../registry.pb.js'
import { TAG_CLUSTER_ASSIGNED, TAG_REGISTER } from '../tags.js'

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

  // No await from this lookup to bind/rebind: concurrent requests for one key serialise here.
  let binding = c.table.byKey(req.sigPublicKey)
  if (binding === undefined) {
    const fresh = await bindNew(c, req, now, record, nonceOp)
    if (!('nodeId' in fresh)) return fresh // a referral
    binding = fresh
  } else {
    updateBinding(c, binding, req, now, record.seq, nonceOp)
  }
  await binding.durable
  return {
    error: ErrorCode.OK,
    errorText: '',
    body: RegisterResult.encode({ certificate: binding.certificate }),
    signature: new Uint8Array(),
  }
}

/**
 * A first registration of this key: its binding, with a NodeID assigned by a cluster or fresh,
 * or a referral. Synchronous up to bind (the referral answer aside), so no concurrent request
 * can bind the same key in between.
 */
async function bindNew(
  c: HandlerComponents,
  req: RegisterNode,
  now: number,
  record: OpenedRecord,
  nonceOp: BatchOp,
): Promise<Response | Binding> {
  let nodeId: Uint8Array
  if (req.assignment !== undefined) {
    nodeId = checkAssignment(c, req)
  } else {
    const referral = c.limits.referrals === true ? referralFor(c, req.sigPublicKey) : undefined
    if (referral !== undefined) {
      await c.table.persistNonce(nonceOp)
      return {
        error: ErrorCode.OK,
        errorText: '',
        body: RegisterResult.encode({ referral }),
        signature: new Uint8Array(),
      }
    }
    nodeId = randomBytes(32)
    while (c.table.hasId(nodeId)) nodeId = randomBytes(32)
  }
  const certificate = issueCertificate(c.signer, {
    nodeId,
    sigPublicKey: req.sigPublicKey,
    commsPublicKey: req.commsPublicKey,
    issuedAt: now,
  })
  const bound = c.table.bind(
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
  c.log.debug({ nodeId: toHex(nodeId), peer: record.peerId }, 'node registered')
  return bound
}

/** Another registration of a bound key: a new certificate only if the comms key changed. */
function updateBinding(
  c: HandlerComponents,
  binding: Binding,
  req: RegisterNode,
  now: number,
  peerRecordSeq: bigint,
  nonceOp: BatchOp,
): void {
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
  if (peerRecordSeq >= binding.peerRecordSeq) {
    binding.peerRecord = req.peerRecord
    binding.peerRecordSeq = peerRecordSeq
  }
  binding.lastSeen = now
}

/** The bytes a cluster's members sign to attest an assignment. */
export function assignmentAttestation(f: {
  clusterId: Uint8Array
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
}): Uint8Array {
  return AssignmentAttestation.encode(f)
}

/** The assigned NodeID, once the attestation checks out; RegistryError otherwise. */
function checkAssignment(c: HandlerComponents, req: RegisterNode): Uint8Array {
  const a = req.assignment
  if (a === undefined) throw badRequest('no assignment')
  const cluster = c.clusters.byId(a.clusterId)
  if (cluster === undefined)
    throw new RegistryError(ErrorCode.NOT_FOUND, 'the assigning cluster is not registered')
  if (!equalBytes(a.nodeId, assignedNodeId(cluster.clusterId, req.sigPublicKey))) {
    throw badRequest("nodeId is not the one the cluster derives from this node's key")
  }
  if (c.table.hasId(a.nodeId))
    throw new RegistryError(ErrorCode.CONFLICT, 'that NodeID is bound to another key')
  const body = assignmentAttestation({
    clusterId: cluster.clusterId,
    nodeId: a.nodeId,
    sigPublicKey: req.sigPublicKey,
    commsPublicKey: req.commsPublicKey,
  })
  checkClusterQuorum(TAG_CLUSTER_ASSIGNED, body, a.signatures, cluster.members)
  return a.nodeId
}

/**
 * The cluster a new key is referred to: the one whose ID is XOR-closest to the hash of the key
 * (deterministic, spread evenly), with its members' signed peer records; none without clusters.
 */
function referralFor(c: HandlerComponents, sigPublicKey: Uint8Array): Referral | undefined {
  const target = sha256(sigPublicKey)
  let best: { clusterId: Uint8Array; members: Uint8Array[]; distance: bigint } | undefined
  for (const cluster of c.clusters.all()) {
    const members = cluster.members
      .map((m) => c.table.byId(m.nodeId)?.peerRecord)
      .filter((r): r is Uint8Array => r !== undefined)
    if (members.length === 0) continue
    let distance = 0n
    for (let i = 0; i < 32; i++) distance = (distance << 8n) | BigInt(cluster.clusterId[i] ^ target[i])
    if (best === undefined || distance < best.distance)
      best = { clusterId: cluster.clusterId, members, distance }
  }
  return best === undefined ? undefined : { clusterId: best.clusterId, members: best.members }
}
