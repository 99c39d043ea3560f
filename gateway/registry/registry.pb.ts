import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum RequestType {
  UNKNOWN = 'UNKNOWN',
  REGISTER_NODE = 'REGISTER_NODE',
  HEARTBEAT = 'HEARTBEAT',
  GET_NEIGHBOURS = 'GET_NEIGHBOURS',
  REGISTER_CLUSTER = 'REGISTER_CLUSTER',
  UPDATE_CLUSTER_MEMBERS = 'UPDATE_CLUSTER_MEMBERS',
  GET_CLUSTER = 'GET_CLUSTER'
}

enum __RequestTypeValues {
  UNKNOWN = 0,
  REGISTER_NODE = 1,
  HEARTBEAT = 2,
  GET_NEIGHBOURS = 3,
  REGISTER_CLUSTER = 4,
  UPDATE_CLUSTER_MEMBERS = 5,
  GET_CLUSTER = 6
}

export namespace RequestType {
  export const codec = (): Codec<RequestType> => {
    return enumeration<RequestType>(__RequestTypeValues)
  }
}

export interface Request {
  type: RequestType
  body: Uint8Array
  signature: Uint8Array
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __RequestTypeValues[obj.type] !== 0) {
          w.uint32(8)
          RequestType.codec().encode(obj.type, w)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: RequestType.UNKNOWN,
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = RequestType.codec().decode(reader)
              break
            }
            case 2: {
              obj.body = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.type`,
                value: RequestType.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
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

  export interface RequestTypeFieldEvent {
    field: '$.type'
    value: RequestType
  }

  export interface RequestBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface RequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<Request>): Uint8Array {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestTypeFieldEvent | RequestBodyFieldEvent | RequestSignatureFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export enum ErrorCode {
  OK = 'OK',
  BAD_REQUEST = 'BAD_REQUEST',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  STALE_TIMESTAMP = 'STALE_TIMESTAMP',
  REPLAYED_NONCE = 'REPLAYED_NONCE',
  TOO_LARGE = 'TOO_LARGE',
  RATE_LIMITED = 'RATE_LIMITED',
  NOT_REGISTERED = 'NOT_REGISTERED',
  INTERNAL = 'INTERNAL',
  UNSUPPORTED = 'UNSUPPORTED',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INSUFFICIENT_SIGNATURES = 'INSUFFICIENT_SIGNATURES',
  NOT_A_MEMBER = 'NOT_A_MEMBER',
  KEY_MISMATCH = 'KEY_MISMATCH',
  WRONG_VERSION = 'WRONG_VERSION'
}

enum __ErrorCodeValues {
  OK = 0,
  BAD_REQUEST = 1,
  BAD_SIGNATURE = 2,
  STALE_TIMESTAMP = 3,
  REPLAYED_NONCE = 4,
  TOO_LARGE = 5,
  RATE_LIMITED = 6,
  NOT_REGISTERED = 7,
  INTERNAL = 8,
  UNSUPPORTED = 9,
  NOT_FOUND = 10,
  CONFLICT = 11,
  INSUFFICIENT_SIGNATURES = 12,
  NOT_A_MEMBER = 13,
  KEY_MISMATCH = 14,
  WRONG_VERSION = 15
}

export namespace ErrorCode {
  export const codec = (): Codec<ErrorCode> => {
    return enumeration<ErrorCode>(__ErrorCodeValues)
  }
}

export interface Response {
  error: ErrorCode
  errorText: string
  body: Uint8Array
  signature: Uint8Array
}

export namespace Response {
  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null && __ErrorCodeValues[obj.error] !== 0) {
          w.uint32(8)
          ErrorCode.codec().encode(obj.error, w)
        }

        if ((obj.errorText != null && obj.errorText !== '')) {
          w.uint32(18)
          w.string(obj.errorText)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          error: ErrorCode.OK,
          errorText: '',
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = ErrorCode.codec().decode(reader)
              break
            }
            case 2: {
              obj.errorText = reader.string()
              break
            }
            case 3: {
              obj.body = reader.bytes()
              break
            }
            case 4: {
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
                field: `${prefix}.error`,
                value: ErrorCode.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.errorText`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.body`,
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

  export interface ResponseErrorFieldEvent {
    field: '$.error'
    value: ErrorCode
  }

  export interface ResponseErrorTextFieldEvent {
    field: '$.errorText'
    value: string
  }

  export interface ResponseBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface ResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<Response>): Uint8Array {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseErrorFieldEvent | ResponseErrorTextFieldEvent | ResponseBodyFieldEvent | ResponseSignatureFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}

export interface RegisterNode {
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  peerRecord: Uint8Array
  timestamp: bigint
  nonce: Uint8Array
  assignment?: ClusterAssignment
}

export namespace RegisterNode {
  let _codec: Codec<RegisterNode>

  export const codec = (): Codec<RegisterNode> => {
    if (_codec == null) {
      _codec = message<RegisterNode>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sigPublicKey)
        }

        if ((obj.commsPublicKey != null && obj.commsPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.commsPublicKey)
        }

        if ((obj.peerRecord != null && obj.peerRecord.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.peerRecord)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(32)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.nonce)
        }

        if (obj.assignment != null) {
          w.uint32(50)
          ClusterAssignment.codec().encode(obj.assignment, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sigPublicKey: uint8ArrayAlloc(0),
          commsPublicKey: uint8ArrayAlloc(0),
          peerRecord: uint8ArrayAlloc(0),
          timestamp: 0n,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sigPublicKey = reader.bytes()
              break
            }
            case 2: {
              obj.commsPublicKey = reader.bytes()
              break
            }
            case 3: {
              obj.peerRecord = reader.bytes()
              break
            }
            case 4: {
              obj.timestamp = reader.uint64()
              break
            }
            case 5: {
              obj.nonce = reader.bytes()
              break
            }
            case 6: {
              obj.assignment = ClusterAssignment.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.assignment
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sigPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.commsPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peerRecord`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield * ClusterAssignment.codec().stream(reader, reader.uint32(), `${prefix}.assignment`, {
                limits: opts.limits?.assignment
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

  export interface RegisterNodeSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export interface RegisterNodeCommsPublicKeyFieldEvent {
    field: '$.commsPublicKey'
    value: Uint8Array
  }

  export interface RegisterNodePeerRecordFieldEvent {
    field: '$.peerRecord'
    value: Uint8Array
  }

  export interface RegisterNodeTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface RegisterNodeNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array
  }

  export interface RegisterNodeAssignmentClusterIdFieldEvent {
    field: '$.assignment.clusterId'
    value: Uint8Array
  }

  export interface RegisterNodeAssignmentNodeIdFieldEvent {
    field: '$.assignment.nodeId'
    value: Uint8Array
  }

  export interface RegisterNodeAssignmentSignaturesIndexFieldEvent {
    field: '$.assignment.signatures[].index'
    value: number
    index: number
  }

  export interface RegisterNodeAssignmentSignaturesSignatureFieldEvent {
    field: '$.assignment.signatures[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<RegisterNode>): Uint8Array {
    return encodeMessage(obj, RegisterNode.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterNode>): RegisterNode {
    return decodeMessage(buf, RegisterNode.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterNode>): Generator<RegisterNodeSigPublicKeyFieldEvent | RegisterNodeCommsPublicKeyFieldEvent | RegisterNodePeerRecordFieldEvent | RegisterNodeTimestampFieldEvent | RegisterNodeNonceFieldEvent | RegisterNodeAssignmentClusterIdFieldEvent | RegisterNodeAssignmentNodeIdFieldEvent | RegisterNodeAssignmentSignaturesIndexFieldEvent | RegisterNodeAssignmentSignaturesSignatureFieldEvent> {
    return streamMessage(buf, RegisterNode.codec(), opts)
  }
}

export interface ClusterAssignment {
  clusterId: Uint8Array
  nodeId: Uint8Array
  signatures: ClusterSignature[]
}

export namespace ClusterAssignment {
  let _codec: Codec<ClusterAssignment>

  export const codec = (): Codec<ClusterAssignment> => {
    if (_codec == null) {
      _codec = message<ClusterAssignment>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nodeId)
        }

        if (obj.signatures != null && obj.signatures.length > 0) {
          for (const value of obj.signatures) {
            w.uint32(26)
            ClusterSignature.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          nodeId: uint8ArrayAlloc(0),
          signatures: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              obj.nodeId = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.signatures != null && obj.signatures.length === opts.limits.signatures) {
                throw new MaxLengthError('Decode error - repeated field "signatures" had too many elements')
              }

              obj.signatures.push(ClusterSignature.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signatures$
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
          signatures: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.signatures != null && obj.signatures === opts.limits.signatures) {
                throw new MaxLengthError('Streaming decode error - repeated field "signatures" had too many elements')
              }

              for (const evt of ClusterSignature.codec().stream(reader, reader.uint32(), `${prefix}.signatures[]`, {
                limits: opts.limits?.signatures$
              })) {
                yield {
                  ...evt,
                  index: obj.signatures
                }
              }

              obj.signatures++

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

  export interface ClusterAssignmentClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface ClusterAssignmentNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface ClusterAssignmentSignaturesIndexFieldEvent {
    field: '$.signatures[].index'
    value: number
    index: number
  }

  export interface ClusterAssignmentSignaturesSignatureFieldEvent {
    field: '$.signatures[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<ClusterAssignment>): Uint8Array {
    return encodeMessage(obj, ClusterAssignment.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterAssignment>): ClusterAssignment {
    return decodeMessage(buf, ClusterAssignment.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterAssignment>): Generator<ClusterAssignmentClusterIdFieldEvent | ClusterAssignmentNodeIdFieldEvent | ClusterAssignmentSignaturesIndexFieldEvent | ClusterAssignmentSignaturesSignatureFieldEvent> {
    return streamMessage(buf, ClusterAssignment.codec(), opts)
  }
}

export interface AssignmentAttestation {
  clusterId: Uint8Array
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
}

export namespace AssignmentAttestation {
  let _codec: Codec<AssignmentAttestation>

  export const codec = (): Codec<AssignmentAttestation> => {
    if (_codec == null) {
      _codec = message<AssignmentAttestation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nodeId)
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sigPublicKey)
        }

        if ((obj.commsPublicKey != null && obj.commsPublicKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.commsPublicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          nodeId: uint8ArrayAlloc(0),
          sigPublicKey: uint8ArrayAlloc(0),
          commsPublicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              obj.nodeId = reader.bytes()
              break
            }
            case 3: {
              obj.sigPublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.commsPublicKey = reader.bytes()
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
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sigPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.commsPublicKey`,
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

  export interface AssignmentAttestationClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface AssignmentAttestationNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface AssignmentAttestationSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export interface AssignmentAttestationCommsPublicKeyFieldEvent {
    field: '$.commsPublicKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<AssignmentAttestation>): Uint8Array {
    return encodeMessage(obj, AssignmentAttestation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignmentAttestation>): AssignmentAttestation {
    return decodeMessage(buf, AssignmentAttestation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignmentAttestation>): Generator<AssignmentAttestationClusterIdFieldEvent | AssignmentAttestationNodeIdFieldEvent | AssignmentAttestationSigPublicKeyFieldEvent | AssignmentAttestationCommsPublicKeyFieldEvent> {
    return streamMessage(buf, AssignmentAttestation.codec(), opts)
  }
}

export interface NodeCertificate {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  issuer: Uint8Array
  issuedAt: bigint
}

export namespace NodeCertificate {
  let _codec: Codec<NodeCertificate>

  export const codec = (): Codec<NodeCertificate> => {
    if (_codec == null) {
      _codec = message<NodeCertificate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nodeId)
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sigPublicKey)
        }

        if ((obj.commsPublicKey != null && obj.commsPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.commsPublicKey)
        }

        if ((obj.issuer != null && obj.issuer.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.issuer)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.issuedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodeId: uint8ArrayAlloc(0),
          sigPublicKey: uint8ArrayAlloc(0),
          commsPublicKey: uint8ArrayAlloc(0),
          issuer: uint8ArrayAlloc(0),
          issuedAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nodeId = reader.bytes()
              break
            }
            case 2: {
              obj.sigPublicKey = reader.bytes()
              break
            }
            case 3: {
              obj.commsPublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.issuer = reader.bytes()
              break
            }
            case 5: {
              obj.issuedAt = reader.uint64()
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
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sigPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.commsPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.issuer`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
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

  export interface NodeCertificateNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface NodeCertificateSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export interface NodeCertificateCommsPublicKeyFieldEvent {
    field: '$.commsPublicKey'
    value: Uint8Array
  }

  export interface NodeCertificateIssuerFieldEvent {
    field: '$.issuer'
    value: Uint8Array
  }

  export interface NodeCertificateIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export function encode (obj: Partial<NodeCertificate>): Uint8Array {
    return encodeMessage(obj, NodeCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeCertificate>): NodeCertificate {
    return decodeMessage(buf, NodeCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeCertificate>): Generator<NodeCertificateNodeIdFieldEvent | NodeCertificateSigPublicKeyFieldEvent | NodeCertificateCommsPublicKeyFieldEvent | NodeCertificateIssuerFieldEvent | NodeCertificateIssuedAtFieldEvent> {
    return streamMessage(buf, NodeCertificate.codec(), opts)
  }
}

export interface SignedCertificate {
  certificate: Uint8Array
  signature: Uint8Array
}

export namespace SignedCertificate {
  let _codec: Codec<SignedCertificate>

  export const codec = (): Codec<SignedCertificate> => {
    if (_codec == null) {
      _codec = message<SignedCertificate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.certificate)
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
          certificate: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.certificate = reader.bytes()
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
                field: `${prefix}.certificate`,
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

  export interface SignedCertificateCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface SignedCertificateSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedCertificate>): Uint8Array {
    return encodeMessage(obj, SignedCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCertificate>): SignedCertificate {
    return decodeMessage(buf, SignedCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCertificate>): Generator<SignedCertificateCertificateFieldEvent | SignedCertificateSignatureFieldEvent> {
    return streamMessage(buf, SignedCertificate.codec(), opts)
  }
}

export interface Referral {
  clusterId: Uint8Array
  members: Uint8Array[]
}

export namespace Referral {
  let _codec: Codec<Referral>

  export const codec = (): Codec<Referral> => {
    if (_codec == null) {
      _codec = message<Referral>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          members: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(reader.bytes())
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
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              yield {
                field: `${prefix}.members[]`,
                index: obj.members,
                value: reader.bytes()
              }

              obj.members++

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

  export interface ReferralClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface ReferralMembersFieldEvent {
    field: '$.members[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<Referral>): Uint8Array {
    return encodeMessage(obj, Referral.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Referral>): Referral {
    return decodeMessage(buf, Referral.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Referral>): Generator<ReferralClusterIdFieldEvent | ReferralMembersFieldEvent> {
    return streamMessage(buf, Referral.codec(), opts)
  }
}

export interface RegisterResult {
  certificate?: SignedCertificate
  referral?: Referral
}

export namespace RegisterResult {
  let _codec: Codec<RegisterResult>

  export const codec = (): Codec<RegisterResult> => {
    if (_codec == null) {
      _codec = message<RegisterResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.certificate != null) {
          w.uint32(10)
          SignedCertificate.codec().encode(obj.certificate, w)
        }

        if (obj.referral != null) {
          w.uint32(18)
          Referral.codec().encode(obj.referral, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.certificate = SignedCertificate.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.certificate
              })
              break
            }
            case 2: {
              obj.referral = Referral.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.referral
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedCertificate.codec().stream(reader, reader.uint32(), `${prefix}.certificate`, {
                limits: opts.limits?.certificate
              })

              break
            }
            case 2: {
              yield * Referral.codec().stream(reader, reader.uint32(), `${prefix}.referral`, {
                limits: opts.limits?.referral
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

  export interface RegisterResultCertificateCertificateFieldEvent {
    field: '$.certificate.certificate'
    value: Uint8Array
  }

  export interface RegisterResultCertificateSignatureFieldEvent {
    field: '$.certificate.signature'
    value: Uint8Array
  }

  export interface RegisterResultReferralClusterIdFieldEvent {
    field: '$.referral.clusterId'
    value: Uint8Array
  }

  export interface RegisterResultReferralMembersFieldEvent {
    field: '$.referral.members[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<RegisterResult>): Uint8Array {
    return encodeMessage(obj, RegisterResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterResult>): RegisterResult {
    return decodeMessage(buf, RegisterResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterResult>): Generator<RegisterResultCertificateCertificateFieldEvent | RegisterResultCertificateSignatureFieldEvent | RegisterResultReferralClusterIdFieldEvent | RegisterResultReferralMembersFieldEvent> {
    return streamMessage(buf, RegisterResult.codec(), opts)
  }
}

export interface Heartbeat {
  timestamp: bigint
  peerRecord: Uint8Array
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(8)
          w.uint64(obj.timestamp)
        }

        if ((obj.peerRecord != null && obj.peerRecord.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.peerRecord)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          timestamp: 0n,
          peerRecord: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.timestamp = reader.uint64()
              break
            }
            case 2: {
              obj.peerRecord = reader.bytes()
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
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerRecord`,
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

  export interface HeartbeatTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface HeartbeatPeerRecordFieldEvent {
    field: '$.peerRecord'
    value: Uint8Array
  }

  export function encode (obj: Partial<Heartbeat>): Uint8Array {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Generator<HeartbeatTimestampFieldEvent | HeartbeatPeerRecordFieldEvent> {
    return streamMessage(buf, Heartbeat.codec(), opts)
  }
}

export interface GetNeighbours {
  k: number
}

export namespace GetNeighbours {
  let _codec: Codec<GetNeighbours>

  export const codec = (): Codec<GetNeighbours> => {
    if (_codec == null) {
      _codec = message<GetNeighbours>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.k != null && obj.k !== 0)) {
          w.uint32(8)
          w.uint32(obj.k)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          k: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.k = reader.uint32()
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
                field: `${prefix}.k`,
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

  export interface GetNeighboursKFieldEvent {
    field: '$.k'
    value: number
  }

  export function encode (obj: Partial<GetNeighbours>): Uint8Array {
    return encodeMessage(obj, GetNeighbours.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetNeighbours>): GetNeighbours {
    return decodeMessage(buf, GetNeighbours.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetNeighbours>): Generator<GetNeighboursKFieldEvent> {
    return streamMessage(buf, GetNeighbours.codec(), opts)
  }
}

export interface Neighbour {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  peerRecord: Uint8Array
  lastSeen: bigint
}

export namespace Neighbour {
  let _codec: Codec<Neighbour>

  export const codec = (): Codec<Neighbour> => {
    if (_codec == null) {
      _codec = message<Neighbour>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nodeId)
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sigPublicKey)
        }

        if ((obj.commsPublicKey != null && obj.commsPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.commsPublicKey)
        }

        if ((obj.peerRecord != null && obj.peerRecord.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.peerRecord)
        }

        if ((obj.lastSeen != null && obj.lastSeen !== 0n)) {
          w.uint32(40)
          w.uint64(obj.lastSeen)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodeId: uint8ArrayAlloc(0),
          sigPublicKey: uint8ArrayAlloc(0),
          commsPublicKey: uint8ArrayAlloc(0),
          peerRecord: uint8ArrayAlloc(0),
          lastSeen: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nodeId = reader.bytes()
              break
            }
            case 2: {
              obj.sigPublicKey = reader.bytes()
              break
            }
            case 3: {
              obj.commsPublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.peerRecord = reader.bytes()
              break
            }
            case 5: {
              obj.lastSeen = reader.uint64()
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
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sigPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.commsPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.peerRecord`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.lastSeen`,
                value: reader.uint64()
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

  export interface NeighbourNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface NeighbourSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export interface NeighbourCommsPublicKeyFieldEvent {
    field: '$.commsPublicKey'
    value: Uint8Array
  }

  export interface NeighbourPeerRecordFieldEvent {
    field: '$.peerRecord'
    value: Uint8Array
  }

  export interface NeighbourLastSeenFieldEvent {
    field: '$.lastSeen'
    value: bigint
  }

  export function encode (obj: Partial<Neighbour>): Uint8Array {
    return encodeMessage(obj, Neighbour.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Neighbour>): Neighbour {
    return decodeMessage(buf, Neighbour.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Neighbour>): Generator<NeighbourNodeIdFieldEvent | NeighbourSigPublicKeyFieldEvent | NeighbourCommsPublicKeyFieldEvent | NeighbourPeerRecordFieldEvent | NeighbourLastSeenFieldEvent> {
    return streamMessage(buf, Neighbour.codec(), opts)
  }
}

export interface NeighbourList {
  forNodeId: Uint8Array
  issuedAt: bigint
  neighbours: Neighbour[]
}

export namespace NeighbourList {
  let _codec: Codec<NeighbourList>

  export const codec = (): Codec<NeighbourList> => {
    if (_codec == null) {
      _codec = message<NeighbourList>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.forNodeId != null && obj.forNodeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.forNodeId)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.issuedAt)
        }

        if (obj.neighbours != null && obj.neighbours.length > 0) {
          for (const value of obj.neighbours) {
            w.uint32(26)
            Neighbour.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          forNodeId: uint8ArrayAlloc(0),
          issuedAt: 0n,
          neighbours: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.forNodeId = reader.bytes()
              break
            }
            case 2: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.neighbours != null && obj.neighbours.length === opts.limits.neighbours) {
                throw new MaxLengthError('Decode error - repeated field "neighbours" had too many elements')
              }

              obj.neighbours.push(Neighbour.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.neighbours$
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
          neighbours: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.forNodeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              if (opts.limits?.neighbours != null && obj.neighbours === opts.limits.neighbours) {
                throw new MaxLengthError('Streaming decode error - repeated field "neighbours" had too many elements')
              }

              for (const evt of Neighbour.codec().stream(reader, reader.uint32(), `${prefix}.neighbours[]`, {
                limits: opts.limits?.neighbours$
              })) {
                yield {
                  ...evt,
                  index: obj.neighbours
                }
              }

              obj.neighbours++

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

  export interface NeighbourListForNodeIdFieldEvent {
    field: '$.forNodeId'
    value: Uint8Array
  }

  export interface NeighbourListIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface NeighbourListNeighboursNodeIdFieldEvent {
    field: '$.neighbours[].nodeId'
    value: Uint8Array
    index: number
  }

  export interface NeighbourListNeighboursSigPublicKeyFieldEvent {
    field: '$.neighbours[].sigPublicKey'
    value: Uint8Array
    index: number
  }

  export interface NeighbourListNeighboursCommsPublicKeyFieldEvent {
    field: '$.neighbours[].commsPublicKey'
    value: Uint8Array
    index: number
  }

  export interface NeighbourListNeighboursPeerRecordFieldEvent {
    field: '$.neighbours[].peerRecord'
    value: Uint8Array
    index: number
  }

  export interface NeighbourListNeighboursLastSeenFieldEvent {
    field: '$.neighbours[].lastSeen'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<NeighbourList>): Uint8Array {
    return encodeMessage(obj, NeighbourList.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NeighbourList>): NeighbourList {
    return decodeMessage(buf, NeighbourList.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NeighbourList>): Generator<NeighbourListForNodeIdFieldEvent | NeighbourListIssuedAtFieldEvent | NeighbourListNeighboursNodeIdFieldEvent | NeighbourListNeighboursSigPublicKeyFieldEvent | NeighbourListNeighboursCommsPublicKeyFieldEvent | NeighbourListNeighboursPeerRecordFieldEvent | NeighbourListNeighboursLastSeenFieldEvent> {
    return streamMessage(buf, NeighbourList.codec(), opts)
  }
}

export interface ClusterMember {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
}

export namespace ClusterMember {
  let _codec: Codec<ClusterMember>

  export const codec = (): Codec<ClusterMember> => {
    if (_codec == null) {
      _codec = message<ClusterMember>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nodeId)
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sigPublicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodeId: uint8ArrayAlloc(0),
          sigPublicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nodeId = reader.bytes()
              break
            }
            case 2: {
              obj.sigPublicKey = reader.bytes()
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
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sigPublicKey`,
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

  export interface ClusterMemberNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface ClusterMemberSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<ClusterMember>): Uint8Array {
    return encodeMessage(obj, ClusterMember.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterMember>): ClusterMember {
    return decodeMessage(buf, ClusterMember.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterMember>): Generator<ClusterMemberNodeIdFieldEvent | ClusterMemberSigPublicKeyFieldEvent> {
    return streamMessage(buf, ClusterMember.codec(), opts)
  }
}

export interface ClusterSignature {
  index: number
  signature: Uint8Array
}

export namespace ClusterSignature {
  let _codec: Codec<ClusterSignature>

  export const codec = (): Codec<ClusterSignature> => {
    if (_codec == null) {
      _codec = message<ClusterSignature>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
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
          index: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
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
                field: `${prefix}.index`,
                value: reader.uint32()
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

  export interface ClusterSignatureIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface ClusterSignatureSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<ClusterSignature>): Uint8Array {
    return encodeMessage(obj, ClusterSignature.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterSignature>): ClusterSignature {
    return decodeMessage(buf, ClusterSignature.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterSignature>): Generator<ClusterSignatureIndexFieldEvent | ClusterSignatureSignatureFieldEvent> {
    return streamMessage(buf, ClusterSignature.codec(), opts)
  }
}

export interface SignedClusterRequest {
  body: Uint8Array
  signatures: ClusterSignature[]
}

export namespace SignedClusterRequest {
  let _codec: Codec<SignedClusterRequest>

  export const codec = (): Codec<SignedClusterRequest> => {
    if (_codec == null) {
      _codec = message<SignedClusterRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if (obj.signatures != null && obj.signatures.length > 0) {
          for (const value of obj.signatures) {
            w.uint32(18)
            ClusterSignature.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signatures: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.signatures != null && obj.signatures.length === opts.limits.signatures) {
                throw new MaxLengthError('Decode error - repeated field "signatures" had too many elements')
              }

              obj.signatures.push(ClusterSignature.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signatures$
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
          signatures: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.signatures != null && obj.signatures === opts.limits.signatures) {
                throw new MaxLengthError('Streaming decode error - repeated field "signatures" had too many elements')
              }

              for (const evt of ClusterSignature.codec().stream(reader, reader.uint32(), `${prefix}.signatures[]`, {
                limits: opts.limits?.signatures$
              })) {
                yield {
                  ...evt,
                  index: obj.signatures
                }
              }

              obj.signatures++

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

  export interface SignedClusterRequestBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface SignedClusterRequestSignaturesIndexFieldEvent {
    field: '$.signatures[].index'
    value: number
    index: number
  }

  export interface SignedClusterRequestSignaturesSignatureFieldEvent {
    field: '$.signatures[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<SignedClusterRequest>): Uint8Array {
    return encodeMessage(obj, SignedClusterRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedClusterRequest>): SignedClusterRequest {
    return decodeMessage(buf, SignedClusterRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedClusterRequest>): Generator<SignedClusterRequestBodyFieldEvent | SignedClusterRequestSignaturesIndexFieldEvent | SignedClusterRequestSignaturesSignatureFieldEvent> {
    return streamMessage(buf, SignedClusterRequest.codec(), opts)
  }
}

export interface RegisterCluster {
  name: string
  members: ClusterMember[]
  timestamp: bigint
  nonce: Uint8Array
}

export namespace RegisterCluster {
  let _codec: Codec<RegisterCluster>

  export const codec = (): Codec<RegisterCluster> => {
    if (_codec == null) {
      _codec = message<RegisterCluster>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(18)
            ClusterMember.codec().encode(value, w)
          }
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(24)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          members: [],
          timestamp: 0n,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(ClusterMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 3: {
              obj.timestamp = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.bytes()
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
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of ClusterMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
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

  export interface RegisterClusterNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface RegisterClusterMembersNodeIdFieldEvent {
    field: '$.members[].nodeId'
    value: Uint8Array
    index: number
  }

  export interface RegisterClusterMembersSigPublicKeyFieldEvent {
    field: '$.members[].sigPublicKey'
    value: Uint8Array
    index: number
  }

  export interface RegisterClusterTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface RegisterClusterNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array
  }

  export function encode (obj: Partial<RegisterCluster>): Uint8Array {
    return encodeMessage(obj, RegisterCluster.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterCluster>): RegisterCluster {
    return decodeMessage(buf, RegisterCluster.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterCluster>): Generator<RegisterClusterNameFieldEvent | RegisterClusterMembersNodeIdFieldEvent | RegisterClusterMembersSigPublicKeyFieldEvent | RegisterClusterTimestampFieldEvent | RegisterClusterNonceFieldEvent> {
    return streamMessage(buf, RegisterCluster.codec(), opts)
  }
}

export interface UpdateClusterMembers {
  clusterId: Uint8Array
  previousVersion: bigint
  members: ClusterMember[]
  timestamp: bigint
  nonce: Uint8Array
}

export namespace UpdateClusterMembers {
  let _codec: Codec<UpdateClusterMembers>

  export const codec = (): Codec<UpdateClusterMembers> => {
    if (_codec == null) {
      _codec = message<UpdateClusterMembers>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if ((obj.previousVersion != null && obj.previousVersion !== 0n)) {
          w.uint32(16)
          w.uint64(obj.previousVersion)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(26)
            ClusterMember.codec().encode(value, w)
          }
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(32)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          previousVersion: 0n,
          members: [],
          timestamp: 0n,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              obj.previousVersion = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(ClusterMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 4: {
              obj.timestamp = reader.uint64()
              break
            }
            case 5: {
              obj.nonce = reader.bytes()
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
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.previousVersion`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of ClusterMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.nonce`,
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

  export interface UpdateClusterMembersClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface UpdateClusterMembersPreviousVersionFieldEvent {
    field: '$.previousVersion'
    value: bigint
  }

  export interface UpdateClusterMembersMembersNodeIdFieldEvent {
    field: '$.members[].nodeId'
    value: Uint8Array
    index: number
  }

  export interface UpdateClusterMembersMembersSigPublicKeyFieldEvent {
    field: '$.members[].sigPublicKey'
    value: Uint8Array
    index: number
  }

  export interface UpdateClusterMembersTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface UpdateClusterMembersNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array
  }

  export function encode (obj: Partial<UpdateClusterMembers>): Uint8Array {
    return encodeMessage(obj, UpdateClusterMembers.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateClusterMembers>): UpdateClusterMembers {
    return decodeMessage(buf, UpdateClusterMembers.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UpdateClusterMembers>): Generator<UpdateClusterMembersClusterIdFieldEvent | UpdateClusterMembersPreviousVersionFieldEvent | UpdateClusterMembersMembersNodeIdFieldEvent | UpdateClusterMembersMembersSigPublicKeyFieldEvent | UpdateClusterMembersTimestampFieldEvent | UpdateClusterMembersNonceFieldEvent> {
    return streamMessage(buf, UpdateClusterMembers.codec(), opts)
  }
}

export interface ClusterBinding {
  clusterId: Uint8Array
  name: string
  genesis: ClusterMember[]
  registeredAt: bigint
  version: bigint
  members: ClusterMember[]
  updatedAt: bigint
  issuer: Uint8Array
}

export namespace ClusterBinding {
  let _codec: Codec<ClusterBinding>

  export const codec = (): Codec<ClusterBinding> => {
    if (_codec == null) {
      _codec = message<ClusterBinding>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (obj.genesis != null && obj.genesis.length > 0) {
          for (const value of obj.genesis) {
            w.uint32(26)
            ClusterMember.codec().encode(value, w)
          }
        }

        if ((obj.registeredAt != null && obj.registeredAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.registeredAt)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(40)
          w.uint64(obj.version)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(50)
            ClusterMember.codec().encode(value, w)
          }
        }

        if ((obj.updatedAt != null && obj.updatedAt !== 0n)) {
          w.uint32(56)
          w.uint64(obj.updatedAt)
        }

        if ((obj.issuer != null && obj.issuer.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.issuer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          name: '',
          genesis: [],
          registeredAt: 0n,
          version: 0n,
          members: [],
          updatedAt: 0n,
          issuer: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.genesis != null && obj.genesis.length === opts.limits.genesis) {
                throw new MaxLengthError('Decode error - repeated field "genesis" had too many elements')
              }

              obj.genesis.push(ClusterMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.genesis$
              }))
              break
            }
            case 4: {
              obj.registeredAt = reader.uint64()
              break
            }
            case 5: {
              obj.version = reader.uint64()
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(ClusterMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 7: {
              obj.updatedAt = reader.uint64()
              break
            }
            case 8: {
              obj.issuer = reader.bytes()
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
          genesis: 0,
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.genesis != null && obj.genesis === opts.limits.genesis) {
                throw new MaxLengthError('Streaming decode error - repeated field "genesis" had too many elements')
              }

              for (const evt of ClusterMember.codec().stream(reader, reader.uint32(), `${prefix}.genesis[]`, {
                limits: opts.limits?.genesis$
              })) {
                yield {
                  ...evt,
                  index: obj.genesis
                }
              }

              obj.genesis++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.registeredAt`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of ClusterMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.updatedAt`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.issuer`,
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

  export interface ClusterBindingClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface ClusterBindingNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ClusterBindingGenesisNodeIdFieldEvent {
    field: '$.genesis[].nodeId'
    value: Uint8Array
    index: number
  }

  export interface ClusterBindingGenesisSigPublicKeyFieldEvent {
    field: '$.genesis[].sigPublicKey'
    value: Uint8Array
    index: number
  }

  export interface ClusterBindingRegisteredAtFieldEvent {
    field: '$.registeredAt'
    value: bigint
  }

  export interface ClusterBindingVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ClusterBindingMembersNodeIdFieldEvent {
    field: '$.members[].nodeId'
    value: Uint8Array
    index: number
  }

  export interface ClusterBindingMembersSigPublicKeyFieldEvent {
    field: '$.members[].sigPublicKey'
    value: Uint8Array
    index: number
  }

  export interface ClusterBindingUpdatedAtFieldEvent {
    field: '$.updatedAt'
    value: bigint
  }

  export interface ClusterBindingIssuerFieldEvent {
    field: '$.issuer'
    value: Uint8Array
  }

  export function encode (obj: Partial<ClusterBinding>): Uint8Array {
    return encodeMessage(obj, ClusterBinding.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterBinding>): ClusterBinding {
    return decodeMessage(buf, ClusterBinding.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterBinding>): Generator<ClusterBindingClusterIdFieldEvent | ClusterBindingNameFieldEvent | ClusterBindingGenesisNodeIdFieldEvent | ClusterBindingGenesisSigPublicKeyFieldEvent | ClusterBindingRegisteredAtFieldEvent | ClusterBindingVersionFieldEvent | ClusterBindingMembersNodeIdFieldEvent | ClusterBindingMembersSigPublicKeyFieldEvent | ClusterBindingUpdatedAtFieldEvent | ClusterBindingIssuerFieldEvent> {
    return streamMessage(buf, ClusterBinding.codec(), opts)
  }
}

export interface SignedClusterBinding {
  binding: Uint8Array
  signature: Uint8Array
}

export namespace SignedClusterBinding {
  let _codec: Codec<SignedClusterBinding>

  export const codec = (): Codec<SignedClusterBinding> => {
    if (_codec == null) {
      _codec = message<SignedClusterBinding>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.binding != null && obj.binding.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.binding)
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
          binding: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.binding = reader.bytes()
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
                field: `${prefix}.binding`,
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

  export interface SignedClusterBindingBindingFieldEvent {
    field: '$.binding'
    value: Uint8Array
  }

  export interface SignedClusterBindingSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedClusterBinding>): Uint8Array {
    return encodeMessage(obj, SignedClusterBinding.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedClusterBinding>): SignedClusterBinding {
    return decodeMessage(buf, SignedClusterBinding.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedClusterBinding>): Generator<SignedClusterBindingBindingFieldEvent | SignedClusterBindingSignatureFieldEvent> {
    return streamMessage(buf, SignedClusterBinding.codec(), opts)
  }
}

export interface GetCluster {
  clusterId: Uint8Array
  name: string
  history: boolean
  fromVersion: bigint
}

export namespace GetCluster {
  let _codec: Codec<GetCluster>

  export const codec = (): Codec<GetCluster> => {
    if (_codec == null) {
      _codec = message<GetCluster>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.clusterId)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.history != null && obj.history !== false)) {
          w.uint32(24)
          w.bool(obj.history)
        }

        if ((obj.fromVersion != null && obj.fromVersion !== 0n)) {
          w.uint32(32)
          w.uint64(obj.fromVersion)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clusterId: uint8ArrayAlloc(0),
          name: '',
          history: false,
          fromVersion: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clusterId = reader.bytes()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.history = reader.bool()
              break
            }
            case 4: {
              obj.fromVersion = reader.uint64()
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
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.history`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.fromVersion`,
                value: reader.uint64()
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

  export interface GetClusterClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface GetClusterNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface GetClusterHistoryFieldEvent {
    field: '$.history'
    value: boolean
  }

  export interface GetClusterFromVersionFieldEvent {
    field: '$.fromVersion'
    value: bigint
  }

  export function encode (obj: Partial<GetCluster>): Uint8Array {
    return encodeMessage(obj, GetCluster.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetCluster>): GetCluster {
    return decodeMessage(buf, GetCluster.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetCluster>): Generator<GetClusterClusterIdFieldEvent | GetClusterNameFieldEvent | GetClusterHistoryFieldEvent | GetClusterFromVersionFieldEvent> {
    return streamMessage(buf, GetCluster.codec(), opts)
  }
}

export interface ClusterVersion {
  binding?: SignedClusterBinding
  request?: SignedClusterRequest
}

export namespace ClusterVersion {
  let _codec: Codec<ClusterVersion>

  export const codec = (): Codec<ClusterVersion> => {
    if (_codec == null) {
      _codec = message<ClusterVersion>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.binding != null) {
          w.uint32(10)
          SignedClusterBinding.codec().encode(obj.binding, w)
        }

        if (obj.request != null) {
          w.uint32(18)
          SignedClusterRequest.codec().encode(obj.request, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.binding = SignedClusterBinding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.binding
              })
              break
            }
            case 2: {
              obj.request = SignedClusterRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.request
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedClusterBinding.codec().stream(reader, reader.uint32(), `${prefix}.binding`, {
                limits: opts.limits?.binding
              })

              break
            }
            case 2: {
              yield * SignedClusterRequest.codec().stream(reader, reader.uint32(), `${prefix}.request`, {
                limits: opts.limits?.request
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

  export interface ClusterVersionBindingBindingFieldEvent {
    field: '$.binding.binding'
    value: Uint8Array
  }

  export interface ClusterVersionBindingSignatureFieldEvent {
    field: '$.binding.signature'
    value: Uint8Array
  }

  export interface ClusterVersionRequestBodyFieldEvent {
    field: '$.request.body'
    value: Uint8Array
  }

  export interface ClusterVersionRequestSignaturesIndexFieldEvent {
    field: '$.request.signatures[].index'
    value: number
    index: number
  }

  export interface ClusterVersionRequestSignaturesSignatureFieldEvent {
    field: '$.request.signatures[].signature'
    value: Uint8Array
    index: number
  }

  export function encode (obj: Partial<ClusterVersion>): Uint8Array {
    return encodeMessage(obj, ClusterVersion.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterVersion>): ClusterVersion {
    return decodeMessage(buf, ClusterVersion.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterVersion>): Generator<ClusterVersionBindingBindingFieldEvent | ClusterVersionBindingSignatureFieldEvent | ClusterVersionRequestBodyFieldEvent | ClusterVersionRequestSignaturesIndexFieldEvent | ClusterVersionRequestSignaturesSignatureFieldEvent> {
    return streamMessage(buf, ClusterVersion.codec(), opts)
  }
}

export interface ClusterInfo {
  binding?: SignedClusterBinding
  history: ClusterVersion[]
  more: boolean
}

export namespace ClusterInfo {
  let _codec: Codec<ClusterInfo>

  export const codec = (): Codec<ClusterInfo> => {
    if (_codec == null) {
      _codec = message<ClusterInfo>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.binding != null) {
          w.uint32(10)
          SignedClusterBinding.codec().encode(obj.binding, w)
        }

        if (obj.history != null && obj.history.length > 0) {
          for (const value of obj.history) {
            w.uint32(18)
            ClusterVersion.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(24)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          history: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.binding = SignedClusterBinding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.binding
              })
              break
            }
            case 2: {
              if (opts.limits?.history != null && obj.history.length === opts.limits.history) {
                throw new MaxLengthError('Decode error - repeated field "history" had too many elements')
              }

              obj.history.push(ClusterVersion.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.history$
              }))
              break
            }
            case 3: {
              obj.more = reader.bool()
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
          history: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedClusterBinding.codec().stream(reader, reader.uint32(), `${prefix}.binding`, {
                limits: opts.limits?.binding
              })

              break
            }
            case 2: {
              if (opts.limits?.history != null && obj.history === opts.limits.history) {
                throw new MaxLengthError('Streaming decode error - repeated field "history" had too many elements')
              }

              for (const evt of ClusterVersion.codec().stream(reader, reader.uint32(), `${prefix}.history[]`, {
                limits: opts.limits?.history$
              })) {
                yield {
                  ...evt,
                  index: obj.history
                }
              }

              obj.history++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
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

  export interface ClusterInfoBindingBindingFieldEvent {
    field: '$.binding.binding'
    value: Uint8Array
  }

  export interface ClusterInfoBindingSignatureFieldEvent {
    field: '$.binding.signature'
    value: Uint8Array
  }

  export interface ClusterInfoHistoryBindingBindingFieldEvent {
    field: '$.history[].binding.binding'
    value: Uint8Array
    index: number
  }

  export interface ClusterInfoHistoryBindingSignatureFieldEvent {
    field: '$.history[].binding.signature'
    value: Uint8Array
    index: number
  }

  export interface ClusterInfoHistoryRequestBodyFieldEvent {
    field: '$.history[].request.body'
    value: Uint8Array
    index: number
  }

  export interface ClusterInfoHistoryRequestSignaturesIndexFieldEvent {
    field: '$.history[].request.signatures[].index'
    value: number
    index: number
  }

  export interface ClusterInfoHistoryRequestSignaturesSignatureFieldEvent {
    field: '$.history[].request.signatures[].signature'
    value: Uint8Array
    index: number
  }

  export interface ClusterInfoMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<ClusterInfo>): Uint8Array {
    return encodeMessage(obj, ClusterInfo.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterInfo>): ClusterInfo {
    return decodeMessage(buf, ClusterInfo.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterInfo>): Generator<ClusterInfoBindingBindingFieldEvent | ClusterInfoBindingSignatureFieldEvent | ClusterInfoHistoryBindingBindingFieldEvent | ClusterInfoHistoryBindingSignatureFieldEvent | ClusterInfoHistoryRequestBodyFieldEvent | ClusterInfoHistoryRequestSignaturesIndexFieldEvent | ClusterInfoHistoryRequestSignaturesSignatureFieldEvent | ClusterInfoMoreFieldEvent> {
    return streamMessage(buf, ClusterInfo.codec(), opts)
  }
}
