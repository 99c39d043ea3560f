/**
 * The record a node keeps on disk for a received message of a kept kind (key `k!<kind>!<n>`,
 * keys.ts), until its consumer has taken it. A fixed binary layout, big-endian:
 *
 *   0   1 byte    version (1)
 *   1   32 bytes  from: the sender's NodeID (this node's own for keepLocal)
 *   33  8 bytes   seq: the sender's sequence number to this node
 *   41  8 bytes   sentAt: the envelope's timestamp, ms since the epoch
 *   49  ...       payload
 *
 * Not protobuf: four fixed fields and the payload need no schema, and the version byte leaves
 * room to change that.
 */
import { toHex } from '../../lib/encoding.js'
import { NODE_ID_BYTES } from './constants.js'
import { KeptRecordError } from './errors.js'

/** A kept message as its consumer sees it. */
export interface KeptMessage {
  /** The sender's NodeID, 64 lowercase hex characters. */
  from: string
  /** The sender's sequence number: (from, seq) names the message. */
  seq: bigint
  /** When the sender queued it, ms since the epoch (the sender's clock). */
  sentAt: number
  payload: Uint8Array
}

export const KEPT_RECORD_VERSION = 1
const HEADER_BYTES = 1 + NODE_ID_BYTES + 8 + 8

export function encodeKept(from: Uint8Array, seq: bigint, sentAt: number, payload: Uint8Array): Uint8Array {
  if (from.length !== NODE_ID_BYTES) throw new RangeError(`a NodeID is ${NODE_ID_BYTES} bytes`)
  const out = new Uint8Array(HEADER_BYTES + payload.length)
  const view = new DataView(out.buffer)
  out[0] = KEPT_RECORD_VERSION
  out.set(from, 1)
  view.setBigUint64(1 + NODE_ID_BYTES, seq)
  view.setBigUint64(1 + NODE_ID_BYTES + 8, BigInt(Math.max(0, Math.trunc(sentAt))))
  out.set(payload, HEADER_BYTES)
  return out
}

export function decodeKept(bytes: Uint8Array): KeptMessage {
  if (bytes.length < HEADER_BYTES) throw new KeptRecordError(`kept record of ${bytes.length} bytes`)
  if (bytes[0] !== KEPT_RECORD_VERSION) throw new KeptRecordError(`kept record version ${bytes[0]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  return {
    from: toHex(bytes.subarray(1, 1 + NODE_ID_BYTES)),
    seq: view.getBigUint64(1 + NODE_ID_BYTES),
    sentAt: Number(view.getBigUint64(1 + NODE_ID_BYTES + 8)),
    payload: bytes.slice(HEADER_BYTES),
  }
}
