/**
 * The envelope every mode carries: {from, to, seq, timestamp, kind, payload}. Encoded once by
 * the sender; receivers check the exact bytes they got (signature or AEAD) before decoding
 * and never re-encode.
 */
import { MAX_KIND_BYTES, MAX_PAYLOAD_BYTES, NODE_ID_BYTES } from './constants.js'
import { InvalidMessageError, Refused } from './errors.js'
import { Envelope, ErrorCode } from './messaging.pb.js'

export type { Envelope }

export interface EnvelopeFields {
  from: Uint8Array
  to: Uint8Array
  seq: bigint
  timestamp: number
  kind: string
  payload: Uint8Array
}

/** Encodes an outgoing envelope; throws InvalidMessageError for what no receiver would accept. */
export function encodeEnvelope(f: EnvelopeFields): Uint8Array {
  if (f.from.length !== NODE_ID_BYTES || f.to.length !== NODE_ID_BYTES)
    throw new InvalidMessageError('NodeIDs are 32 bytes')
  if (f.seq < 1n) throw new InvalidMessageError('sequence numbers start at 1')
  if (Buffer.byteLength(f.kind) > MAX_KIND_BYTES || f.kind.length === 0)
    throw new InvalidMessageError(`kind must be 1 to ${MAX_KIND_BYTES} bytes`)
  if (f.payload.length > MAX_PAYLOAD_BYTES)
    throw new InvalidMessageError(`payload is ${f.payload.length} bytes; at most ${MAX_PAYLOAD_BYTES}`)
  return Envelope.encode({ ...f, timestamp: BigInt(f.timestamp) })
}

/** Decodes a received envelope (already authenticated); Refused(BAD_FRAME) when malformed. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let env: Envelope
  try {
    env = Envelope.decode(bytes)
  } catch (err) {
    throw new Refused(ErrorCode.BAD_FRAME, `envelope is malformed: ${(err as Error).message}`)
  }
  if (env.from.length !== NODE_ID_BYTES || env.to.length !== NODE_ID_BYTES)
    throw new Refused(ErrorCode.BAD_FRAME, 'envelope NodeIDs must be 32 bytes')
  if (env.seq < 1n) throw new Refused(ErrorCode.BAD_FRAME, 'envelope seq must be at least 1')
  if (Buffer.byteLength(env.kind) > MAX_KIND_BYTES)
    throw new Refused(ErrorCode.BAD_FRAME, 'envelope kind is too long', { seq: env.seq })
  return env
}
