import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Status {
  height: number
  round: number
}

export namespace Status {
  let _codec: Codec<Status>

  export const codec = (): Codec<Status> => {
    if (_codec == null) {
      _codec = message<Status>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.height != null && obj.height !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.height)
        }

        if ((obj.round != null && obj.round !== 0)) {
          w.uint32(16)
          w.uint32(obj.round)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          height: 0,
          round: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.height = reader.uint64Number()
              break
            }
            case 2: {
              obj.round = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.height`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.round`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StatusHeightFieldEvent {
    field: '$.height'
    value: number
  }

  export interface StatusRoundFieldEvent {
    field: '$.round'
    value: number
  }

  export function encode (obj: Partial<Status>): Uint8Array {
    return encodeMessage(obj, Status.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Status>): Status {
    return decodeMessage(buf, Status.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Status>): Generator<StatusHeightFieldEvent | StatusRoundFieldEvent> {
    return streamMessage(buf, Status.codec(), opts)
  }
}

export interface BlocksRequest {
  id: number
  fromHeight: number
  maxCount: number
  maxBytes: number
}

export namespace BlocksRequest {
  let _codec: Codec<BlocksRequest>

  export const codec = (): Codec<BlocksRequest> => {
    if (_codec == null) {
      _codec = message<BlocksRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.fromHeight != null && obj.fromHeight !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.fromHeight)
        }

        if ((obj.maxCount != null && obj.maxCount !== 0)) {
          w.uint32(24)
          w.uint32(obj.maxCount)
        }

        if ((obj.maxBytes != null && obj.maxBytes !== 0)) {
          w.uint32(32)
          w.uint32(obj.maxBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          fromHeight: 0,
          maxCount: 0,
          maxBytes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.fromHeight = reader.uint64Number()
              break
            }
            case 3: {
              obj.maxCount = reader.uint32()
              break
            }
            case 4: {
              obj.maxBytes = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.fromHeight`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxCount`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.maxBytes`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BlocksRequestIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface BlocksRequestFromHeightFieldEvent {
    field: '$.fromHeight'
    value: number
  }

  export interface BlocksRequestMaxCountFieldEvent {
    field: '$.maxCount'
    value: number
  }

  export interface BlocksRequestMaxBytesFieldEvent {
    field: '$.maxBytes'
    value: number
  }

  export function encode (obj: Partial<BlocksRequest>): Uint8Array {
    return encodeMessage(obj, BlocksRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlocksRequest>): BlocksRequest {
    return decodeMessage(buf, BlocksRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlocksRequest>): Generator<BlocksRequestIdFieldEvent | BlocksRequestFromHeightFieldEvent | BlocksRequestMaxCountFieldEvent | BlocksRequestMaxBytesFieldEvent> {
    return streamMessage(buf, BlocksRequest.codec(), opts)
  }
}

export interface CommittedBlock {
  block: Uint8Array
  certificate: Uint8Array
}

export namespace CommittedBlock {
  let _codec: Codec<CommittedBlock>

  export const codec = (): Codec<CommittedBlock> => {
    if (_codec == null) {
      _codec = message<CommittedBlock>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.block != null && obj.block.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.block)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          block: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.block = reader.bytes()
              break
            }
            case 2: {
              obj.certificate = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.block`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CommittedBlockBlockFieldEvent {
    field: '$.block'
    value: Uint8Array
  }

  export interface CommittedBlockCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<CommittedBlock>): Uint8Array {
    return encodeMessage(obj, CommittedBlock.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CommittedBlock>): CommittedBlock {
    return decodeMessage(buf, CommittedBlock.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CommittedBlock>): Generator<CommittedBlockBlockFieldEvent | CommittedBlockCertificateFieldEvent> {
    return streamMessage(buf, CommittedBlock.codec(), opts)
  }
}

export interface BlocksResponse {
  id: number
  blocks: CommittedBlock[]
  height: number
}

export namespace BlocksResponse {
  let _codec: Codec<BlocksResponse>

  export const codec = (): Codec<BlocksResponse> => {
    if (_codec == null) {
      _codec = message<BlocksResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.blocks != null && obj.blocks.length > 0) {
          for (const value of obj.blocks) {
            w.uint32(18)
            CommittedBlock.codec().encode(value, w)
          }
        }

        if ((obj.height != null && obj.height !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.height)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          blocks: [],
          height: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.blocks != null && obj.blocks.length === opts.limits.blocks) {
                throw new MaxLengthError('Decode error - repeated field "blocks" had too many elements')
              }

              obj.blocks.push(CommittedBlock.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.blocks$
              }))
              break
            }
            case 3: {
              obj.height = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          blocks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.blocks != null && obj.blocks === opts.limits.blocks) {
                throw new MaxLengthError('Streaming decode error - repeated field "blocks" had too many elements')
              }

              for (const evt of CommittedBlock.codec().stream(reader, reader.uint32(), `${prefix}.blocks[]`, {
                limits: opts.limits?.blocks$
              })) {
                yield {
                  ...evt,
                  index: obj.blocks
                }
              }

              obj.blocks++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.height`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BlocksResponseIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface BlocksResponseBlocksBlockFieldEvent {
    field: '$.blocks[].block'
    value: Uint8Array
    index: number
  }

  export interface BlocksResponseBlocksCertificateFieldEvent {
    field: '$.blocks[].certificate'
    value: Uint8Array
    index: number
  }

  export interface BlocksResponseHeightFieldEvent {
    field: '$.height'
    value: number
  }

  export function encode (obj: Partial<BlocksResponse>): Uint8Array {
    return encodeMessage(obj, BlocksResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlocksResponse>): BlocksResponse {
    return decodeMessage(buf, BlocksResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlocksResponse>): Generator<BlocksResponseIdFieldEvent | BlocksResponseBlocksBlockFieldEvent | BlocksResponseBlocksCertificateFieldEvent | BlocksResponseHeightFieldEvent> {
    return streamMessage(buf, BlocksResponse.codec(), opts)
  }
}

export interface Frame {
  consensus: Uint8Array[]
  ops: Uint8Array[]
  status?: Status
  blocksRequest?: BlocksRequest
  blocksResponse?: BlocksResponse
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.consensus != null && obj.consensus.length > 0) {
          for (const value of obj.consensus) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.ops != null && obj.ops.length > 0) {
          for (const value of obj.ops) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.status != null) {
          w.uint32(26)
          Status.codec().encode(obj.status, w)
        }

        if (obj.blocksRequest != null) {
          w.uint32(34)
          BlocksRequest.codec().encode(obj.blocksRequest, w)
        }

        if (obj.blocksResponse != null) {
          w.uint32(42)
          BlocksResponse.codec().encode(obj.blocksResponse, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          consensus: [],
          ops: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.consensus != null && obj.consensus.length === opts.limits.consensus) {
                throw new MaxLengthError('Decode error - repeated field "consensus" had too many elements')
              }

              obj.consensus.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.ops != null && obj.ops.length === opts.limits.ops) {
                throw new MaxLengthError('Decode error - repeated field "ops" had too many elements')
              }

              obj.ops.push(reader.bytes())
              break
            }
            case 3: {
              obj.status = Status.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.status
              })
              break
            }
            case 4: {
              obj.blocksRequest = BlocksRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.blocksRequest
              })
              break
            }
            case 5: {
              obj.blocksResponse = BlocksResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.blocksResponse
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          consensus: 0,
          ops: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.consensus != null && obj.consensus === opts.limits.consensus) {
                throw new MaxLengthError('Streaming decode error - repeated field "consensus" had too many elements')
              }

              yield {
                field: `${prefix}.consensus[]`,
                index: obj.consensus,
                value: reader.bytes()
              }

              obj.consensus++

              break
            }
            case 2: {
              if (opts.limits?.ops != null && obj.ops === opts.limits.ops) {
                throw new MaxLengthError('Streaming decode error - repeated field "ops" had too many elements')
              }

              yield {
                field: `${prefix}.ops[]`,
                index: obj.ops,
                value: reader.bytes()
              }

              obj.ops++

              break
            }
            case 3: {
              yield * Status.codec().stream(reader, reader.uint32(), `${prefix}.status`, {
                limits: opts.limits?.status
              })

              break
            }
            case 4: {
              yield * BlocksRequest.codec().stream(reader, reader.uint32(), `${prefix}.blocksRequest`, {
                limits: opts.limits?.blocksRequest
              })

              break
            }
            case 5: {
              yield * BlocksResponse.codec().stream(reader, reader.uint32(), `${prefix}.blocksResponse`, {
                limits: opts.limits?.blocksResponse
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FrameConsensusFieldEvent {
    field: '$.consensus[]'
    index: number
    value: Uint8Array
  }

  export interface FrameOpsFieldEvent {
    field: '$.ops[]'
    index: number
    value: Uint8Array
  }

  export interface FrameStatusHeightFieldEvent {
    field: '$.status.height'
    value: number
  }

  export interface FrameStatusRoundFieldEvent {
    field: '$.status.round'
    value: number
  }

  export interface FrameBlocksRequestIdFieldEvent {
    field: '$.blocksRequest.id'
    value: number
  }

  export interface FrameBlocksRequestFromHeightFieldEvent {
    field: '$.blocksRequest.fromHeight'
    value: number
  }

  export interface FrameBlocksRequestMaxCountFieldEvent {
    field: '$.blocksRequest.maxCount'
    value: number
  }

  export interface FrameBlocksRequestMaxBytesFieldEvent {
    field: '$.blocksRequest.maxBytes'
    value: number
  }

  export interface FrameBlocksResponseIdFieldEvent {
    field: '$.blocksResponse.id'
    value: number
  }

  export interface FrameBlocksResponseBlocksBlockFieldEvent {
    field: '$.blocksResponse.blocks[].block'
    value: Uint8Array
    index: number
  }

  export interface FrameBlocksResponseBlocksCertificateFieldEvent {
    field: '$.blocksResponse.blocks[].certificate'
    value: Uint8Array
    index: number
  }

  export interface FrameBlocksResponseHeightFieldEvent {
    field: '$.blocksResponse.height'
    value: number
  }

  export function encode (obj: Partial<Frame>): Uint8Array {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameConsensusFieldEvent | FrameOpsFieldEvent | FrameStatusHeightFieldEvent | FrameStatusRoundFieldEvent | FrameBlocksRequestIdFieldEvent | FrameBlocksRequestFromHeightFieldEvent | FrameBlocksRequestMaxCountFieldEvent | FrameBlocksRequestMaxBytesFieldEvent | FrameBlocksResponseIdFieldEvent | FrameBlocksResponseBlocksBlockFieldEvent | FrameBlocksResponseBlocksCertificateFieldEvent | FrameBlocksResponseHeightFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}
