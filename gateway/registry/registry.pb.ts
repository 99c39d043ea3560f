import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum RequestType {
  UNKNOWN = 'UNKNOWN',
  REGISTER_NODE = 'REGISTER_NODE',
  HEARTBEAT = 'HEARTBEAT',
  GET_NEIGHBOURS = 'GET_NEIGHBOURS'
}

enum __RequestTypeValues {
  UNKNOWN = 0,
  REGISTER_NODE = 1,
  HEARTBEAT = 2,
  GET_NEIGHBOURS = 3
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
  UNSUPPORTED = 'UNSUPPORTED'
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
  UNSUPPORTED = 9
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

  export function encode (obj: Partial<RegisterNode>): Uint8Array {
    return encodeMessage(obj, RegisterNode.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterNode>): RegisterNode {
    return decodeMessage(buf, RegisterNode.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterNode>): Generator<RegisterNodeSigPublicKeyFieldEvent | RegisterNodeCommsPublicKeyFieldEvent | RegisterNodePeerRecordFieldEvent | RegisterNodeTimestampFieldEvent | RegisterNodeNonceFieldEvent> {
    return streamMessage(buf, RegisterNode.codec(), opts)
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
