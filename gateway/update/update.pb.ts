import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface UpdateRequest {
  type: UpdateRequest.Type
  version: string
  offset: bigint
  length: number
}

export namespace UpdateRequest {
  export enum Type {
    GET_LATEST = 'GET_LATEST',
    GET_MANIFEST = 'GET_MANIFEST',
    GET_CHUNK = 'GET_CHUNK',
    GET_ROTATIONS = 'GET_ROTATIONS'
  }

  enum __TypeValues {
    GET_LATEST = 0,
    GET_MANIFEST = 1,
    GET_CHUNK = 2,
    GET_ROTATIONS = 3
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<UpdateRequest>

  export const codec = (): Codec<UpdateRequest> => {
    if (_codec == null) {
      _codec = message<UpdateRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          UpdateRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(18)
          w.string(obj.version)
        }

        if ((obj.offset != null && obj.offset !== 0n)) {
          w.uint32(24)
          w.uint64(obj.offset)
        }

        if ((obj.length != null && obj.length !== 0)) {
          w.uint32(32)
          w.uint32(obj.length)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.GET_LATEST,
          version: '',
          offset: 0n,
          length: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = UpdateRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.version = reader.string()
              break
            }
            case 3: {
              obj.offset = reader.uint64()
              break
            }
            case 4: {
              obj.length = reader.uint32()
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
                field: `${prefix}.type`,
                value: UpdateRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.length`,
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

  export interface UpdateRequestTypeFieldEvent {
    field: '$.type'
    value: UpdateRequest.Type
  }

  export interface UpdateRequestVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface UpdateRequestOffsetFieldEvent {
    field: '$.offset'
    value: bigint
  }

  export interface UpdateRequestLengthFieldEvent {
    field: '$.length'
    value: number
  }

  export function encode (obj: Partial<UpdateRequest>): Uint8Array {
    return encodeMessage(obj, UpdateRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateRequest>): UpdateRequest {
    return decodeMessage(buf, UpdateRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateRequest>): Generator<UpdateRequestTypeFieldEvent | UpdateRequestVersionFieldEvent | UpdateRequestOffsetFieldEvent | UpdateRequestLengthFieldEvent> {
    return streamMessage(buf, UpdateRequest.codec(), opts)
  }
}

export interface SignedRotation {
  statement: Uint8Array
  signature: Uint8Array
}

export namespace SignedRotation {
  let _codec: Codec<SignedRotation>

  export const codec = (): Codec<SignedRotation> => {
    if (_codec == null) {
      _codec = message<SignedRotation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.statement != null && obj.statement.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.statement)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          statement: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.statement = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.statement`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
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

  export interface SignedRotationStatementFieldEvent {
    field: '$.statement'
    value: Uint8Array
  }

  export interface SignedRotationSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedRotation>): Uint8Array {
    return encodeMessage(obj, SignedRotation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRotation>): SignedRotation {
    return decodeMessage(buf, SignedRotation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRotation>): Generator<SignedRotationStatementFieldEvent | SignedRotationSignatureFieldEvent> {
    return streamMessage(buf, SignedRotation.codec(), opts)
  }
}

export interface UpdateResponse {
  status: UpdateResponse.Status
  error: string
  manifest: Uint8Array
  signature: Uint8Array
  key: Uint8Array
  data: Uint8Array
  rotations: SignedRotation[]
}

export namespace UpdateResponse {
  export enum Status {
    OK = 'OK',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST',
    INTERNAL = 'INTERNAL'
  }

  enum __StatusValues {
    OK = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2,
    INTERNAL = 3
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<UpdateResponse>

  export const codec = (): Codec<UpdateResponse> => {
    if (_codec == null) {
      _codec = message<UpdateResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          UpdateResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(18)
          w.string(obj.error)
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.manifest)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.key)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.data)
        }

        if (obj.rotations != null && obj.rotations.length > 0) {
          for (const value of obj.rotations) {
            w.uint32(58)
            SignedRotation.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          error: '',
          manifest: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          key: uint8ArrayAlloc(0),
          data: uint8ArrayAlloc(0),
          rotations: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = UpdateResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.error = reader.string()
              break
            }
            case 3: {
              obj.manifest = reader.bytes()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            case 5: {
              obj.key = reader.bytes()
              break
            }
            case 6: {
              obj.data = reader.bytes()
              break
            }
            case 7: {
              if (opts.limits?.rotations != null && obj.rotations.length === opts.limits.rotations) {
                throw new MaxLengthError('Decode error - repeated field "rotations" had too many elements')
              }

              if (obj.rotations.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "rotations" had too many elements')
              }

              obj.rotations.push(SignedRotation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rotations$
              }))
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
          rotations: 64
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: UpdateResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              if (opts.limits?.rotations != null && obj.rotations === opts.limits.rotations) {
                throw new MaxLengthError('Streaming decode error - repeated field "rotations" had too many elements')
              }

              if (obj.rotations === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "rotations" had too many elements')
              }

              for (const evt of SignedRotation.codec().stream(reader, reader.uint32(), `${prefix}.rotations[]`, {
                limits: opts.limits?.rotations$
              })) {
                yield {
                  ...evt,
                  index: obj.rotations
                }
              }

              obj.rotations++

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

  export interface UpdateResponseStatusFieldEvent {
    field: '$.status'
    value: UpdateResponse.Status
  }

  export interface UpdateResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface UpdateResponseManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array
  }

  export interface UpdateResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface UpdateResponseKeyFieldEvent {
    field: '$.key'
    value: Uint8Array
  }

  export interface UpdateResponseDataFieldEvent {
    field: '$.data'
    value: Uint8Array
  }

  export interface UpdateResponseRotationsStatementFieldEvent {
    field: '$.rotations[].statement'
    value: Uint8Array
    index: number
  }

  export interface UpdateResponseRotationsSignatureFieldEvent {
    field: '$.rotations[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<UpdateResponse>): Uint8Array {
    return encodeMessage(obj, UpdateResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateResponse>): UpdateResponse {
    return decodeMessage(buf, UpdateResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateResponse>): Generator<UpdateResponseStatusFieldEvent | UpdateResponseErrorFieldEvent | UpdateResponseManifestFieldEvent | UpdateResponseSignatureFieldEvent | UpdateResponseKeyFieldEvent | UpdateResponseDataFieldEvent | UpdateResponseRotationsStatementFieldEvent | UpdateResponseRotationsSignatureFieldEvent> {
    return streamMessage(buf, UpdateResponse.codec(), opts)
  }
}
