/**
 * `/xlattice/node/<NodeID hex>` DHT records: a NodeID certificate plus the node's signed peer
 * record, so anyone can go from a NodeID to a verified peer ID and addresses without the
 * registry. The kad-dht validator and selector for the `xlattice` namespace live here; both
 * the registry and the nodes install them (see gateway/p2p/host.ts).
 */
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { toHex } from '../../lib/encoding.js'
import { verifyCertificate } from '../registry/certificate.js'
import { openPeerRecord } from '../registry/peer-record.js'
import type { NodeCertificate, SignedCertificate } from '../registry/registry.pb.js'
import { NodeRecord } from './node-record.pb.js'

export const XLATTICE_NAMESPACE = 'xlattice'
const NODE_PREFIX = `/${XLATTICE_NAMESPACE}/node/`
/** A certificate (~180 B) and a peer record with up to 16 addresses fit well inside this. */
export const MAX_NODE_RECORD_BYTES = 4096

export class NodeRecordError extends Error {
  override name = 'NodeRecordError'
}

export interface VerifiedNodeRecord {
  cert: NodeCertificate
  certificate: SignedCertificate
  peerId: string
  addrs: string[]
  seq: bigint
}

export function nodeRecordKey(nodeId: Uint8Array | string): Uint8Array {
  const hex = typeof nodeId === 'string' ? nodeId : toHex(nodeId)
  return new TextEncoder().encode(`${NODE_PREFIX}${hex}`)
}

export function encodeNodeRecord(certificate: SignedCertificate, peerRecord: Uint8Array): Uint8Array {
  return NodeRecord.encode({
    certificate: certificate.certificate,
    certificateSignature: certificate.signature,
    peerRecord,
  })
}

/** Verifies a record fully (issuer signature, peer record signed by the certified key). */
export async function openNodeRecord(
  value: Uint8Array,
  trustedIssuers: Uint8Array[],
  expectedNodeId?: string,
): Promise<VerifiedNodeRecord> {
  if (value.length > MAX_NODE_RECORD_BYTES) throw new NodeRecordError('node record is too large')
  let record: NodeRecord
  try {
    record = NodeRecord.decode(value)
  } catch (err) {
    throw new NodeRecordError(`node record is malformed: ${(err as Error).message}`)
  }
  const certificate = { certificate: record.certificate, signature: record.certificateSignature }
  const cert = verifyCertificate(certificate, trustedIssuers)
  if (expectedNodeId !== undefined && toHex(cert.nodeId) !== expectedNodeId) {
    throw new NodeRecordError('node record holds the certificate of another NodeID')
  }
  let opened: Awaited<ReturnType<typeof openPeerRecord>>
  try {
    opened = await openPeerRecord(record.peerRecord, cert.sigPublicKey)
  } catch (err) {
    throw new NodeRecordError((err as Error).message)
  }
  return { cert, certificate, peerId: opened.peerId, addrs: opened.addrs, seq: opened.seq }
}

function nodeIdOfKey(key: Uint8Array): string {
  const text = new TextDecoder().decode(key)
  if (!text.startsWith(NODE_PREFIX)) throw new NodeRecordError(`unknown xlattice record key ${text}`)
  const hex = text.slice(NODE_PREFIX.length)
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new NodeRecordError('node record key is not a NodeID')
  return hex
}

/** kad-dht validator for the `xlattice` namespace: throws for anything but a valid node record. */
export function nodeRecordValidator(trustedIssuers: Uint8Array[]) {
  return async (key: Uint8Array, value: Uint8Array): Promise<void> => {
    await openNodeRecord(value, trustedIssuers, nodeIdOfKey(key))
  }
}

/** The sequence number of an (already validated) record's peer record; -1 if unreadable. */
function recordSeq(value: Uint8Array): bigint {
  try {
    const envelope = RecordEnvelope.createFromProtobuf(NodeRecord.decode(value).peerRecord)
    return PeerRecord.createFromProtobuf(envelope.payload).seqNumber
  } catch {
    return -1n
  }
}

/**
 * kad-dht selector: the newest peer record wins. kad-dht validates records before it selects,
 * so replaying an old (valid) record cannot displace a newer one.
 */
export function nodeRecordSelector(_key: Uint8Array, records: Uint8Array[]): number {
  let best = 0
  let bestSeq = -2n
  records.forEach((value, i) => {
    const seq = recordSeq(value)
    if (seq > bestSeq) {
      best = i
      bestSeq = seq
    }
  })
  return best
}
