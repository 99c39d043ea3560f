/**
 * The /xlattice/bft/1.0.0 envelope (bft.proto): decoding with bounds on every repeated field,
 * never a throw past this file, and encoders for each frame the driver sends.
 */
import { BlocksRequest, type BlocksResponse, type CommittedBlock, Frame, type Status } from './bft.pb.js'
import {
  MAX_BLOCKS_PER_RESPONSE,
  MAX_CONSENSUS_PER_FRAME,
  MAX_FRAME_BYTES,
  MAX_OPS_PER_FRAME,
  MAX_RESPONSE_BYTES,
} from './constants.js'

export type { BlocksRequest, BlocksResponse, CommittedBlock, Frame, Status }

const LIMITS = {
  limits: {
    consensus: MAX_CONSENSUS_PER_FRAME,
    ops: MAX_OPS_PER_FRAME,
    blocksResponse: { blocks: MAX_BLOCKS_PER_RESPONSE },
  },
}

export type DecodedFrame = { ok: true; frame: Frame } | { ok: false; reason: 'oversize' | 'malformed' }

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, reason: 'oversize' }
  let frame: Frame
  try {
    frame = Frame.decode(bytes, LIMITS)
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  const empty =
    frame.consensus.length === 0 &&
    frame.ops.length === 0 &&
    frame.status === undefined &&
    frame.blocksRequest === undefined &&
    frame.blocksResponse === undefined
  return empty ? { ok: false, reason: 'malformed' } : { ok: true, frame }
}

const frame = (f: Partial<Frame>): Uint8Array => Frame.encode({ consensus: [], ops: [], ...f })

export const consensusFrame = (messages: Uint8Array[]): Uint8Array => frame({ consensus: messages })
export const opsFrame = (ops: Uint8Array[]): Uint8Array => frame({ ops })
export const statusFrame = (status: Status): Uint8Array => frame({ status })
export const requestFrame = (request: BlocksRequest): Uint8Array => frame({ blocksRequest: request })
export const responseFrame = (response: BlocksResponse): Uint8Array => frame({ blocksResponse: response })

/** Caps a peer's request to what we serve: at most FETCH_BATCH-sized counts and 4 MiB. */
export function boundRequest(r: BlocksRequest): { from: number; count: number; bytes: number } {
  return {
    from: r.fromHeight,
    count: Math.max(1, Math.min(r.maxCount, MAX_BLOCKS_PER_RESPONSE)),
    bytes: Math.max(1, Math.min(r.maxBytes, MAX_RESPONSE_BYTES)),
  }
}

export { BlocksRequest as BlocksRequestCodec }
