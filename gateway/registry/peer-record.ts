/**
 * libp2p signed peer records carry a node's addresses, signed by its own key, so addresses
 * can change without a new NodeID certificate.
 */
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { multiaddr } from '@multiformats/multiaddr'
import { equalBytes } from '../../lib/encoding.js'
import { badRequest } from './errors.js'

export const MAX_RECORD_ADDRS = 16

export async function sealPeerRecord(
  privateKey: Ed25519PrivateKey,
  addrs: string[],
  seqNumber: bigint = BigInt(Date.now()),
): Promise<Uint8Array> {
  const record = new PeerRecord({
    peerId: peerIdFromPrivateKey(privateKey),
    multiaddrs: addrs.map((a) => multiaddr(a)),
    seqNumber,
  })
  return (await RecordEnvelope.seal(record, privateKey)).marshal()
}

export interface OpenedRecord {
  peerId: string
  addrs: string[]
  seq: bigint
}

/**
 * Verifies a signed peer record and that it was signed by `expectedKey`; throws RegistryError.
 *
 * `vouched` skips the envelope's own signature check when the caller has already verified a
 * signature by `expectedKey` over bytes that contain these exact record bytes (a RegisterNode
 * body does): the owner of the key has then vouched for them, and a second Ed25519 verify plus
 * key import (~0.35 ms here) would only repeat that proof. Everyone the registry later hands
 * the record to still verifies the envelope itself.
 */
export async function openPeerRecord(
  bytes: Uint8Array,
  expectedKey: Uint8Array,
  opts: { vouched?: boolean } = {},
): Promise<OpenedRecord> {
  let envelope: RecordEnvelope
  try {
    envelope =
      opts.vouched === true
        ? RecordEnvelope.createFromProtobuf(bytes)
        : await RecordEnvelope.openAndCertify(bytes, PeerRecord.DOMAIN)
  } catch (err) {
    throw badRequest(`peer record does not verify: ${(err as Error).message}`)
  }
  if (!equalBytes(envelope.payloadType, PeerRecord.CODEC))
    throw badRequest('envelope does not hold a peer record')
  if (envelope.publicKey.type !== 'Ed25519' || !equalBytes(envelope.publicKey.raw, expectedKey)) {
    throw badRequest('peer record is signed by a different key than the node key')
  }
  let record: PeerRecord
  try {
    record = PeerRecord.createFromProtobuf(envelope.payload)
  } catch (err) {
    throw badRequest(`peer record payload is malformed: ${(err as Error).message}`)
  }
  if (!equalBytes(record.peerId.publicKey?.raw ?? new Uint8Array(), expectedKey)) {
    throw badRequest('peer record names a different peer than its signer')
  }
  if (record.multiaddrs.length > MAX_RECORD_ADDRS) {
    throw badRequest(`peer record has ${record.multiaddrs.length} addresses (at most ${MAX_RECORD_ADDRS})`)
  }
  return {
    peerId: record.peerId.toString(),
    addrs: record.multiaddrs.map((a) => a.toString()),
    seq: record.seqNumber,
  }
}
