import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum FormKind {
  FORM_UNKNOWN = 'FORM_UNKNOWN',
  STATUS = 'STATUS',
  PROPOSE = 'PROPOSE',
  FORMED = 'FORMED',
  WITHDRAW = 'WITHDRAW',
  REPLACE_OFFER = 'REPLACE_OFFER',
  REPLACE_APPROVE = 'REPLACE_APPROVE',
  UPDATED = 'UPDATED',
  RECORD_APPROVE = 'RECORD_APPROVE'
}

enum __FormKindValues {
  FORM_UNKNOWN = 0,
  STATUS = 1,
  PROPOSE = 2,
  FORMED = 3,
  WITHDRAW = 4,
  REPLACE_OFFER = 5,
  REPLACE_APPROVE = 6,
  UPDATED = 7,
  RECORD_APPROVE = 8
}

export namespace FormKind {
  export const codec = (): Codec<FormKind> => {
    return enumeration<FormKind>(__FormKindValues)
  }
}

export interface Replacement {
  update: Uint8Array
  dead: Uint8Array
  currentSetHash: Uint8Array
  candidateSignature: Uint8Array
  manual: boolean
}

export namespace Replacement {
  let _codec: Codec<Replacement>

  export const codec = (): Codec<Replacement> => {
    if (_codec == null) {
      _codec = message<Replacement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.update != null && obj.update.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.update)
        }

        if ((obj.dead != null && obj.dead.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.dead)
        }

        if ((obj.currentSetHash != null && obj.currentSetHash.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.currentSetHash)
        }

        if ((obj.candidateSignature != null && obj.candidateSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.candidateSignature)
        }

        if ((obj.manual != null && obj.manual !== false)) {
          w.uint32(40)
          w.bool(obj.manual)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          update: uint8ArrayAlloc(0),
          dead: uint8ArrayAlloc(0),
          currentSetHash: uint8ArrayAlloc(0),
          candidateSignature: uint8ArrayAlloc(0),
          manual: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.update = reader.bytes()
              break
            }
            case 2: {
              obj.dead = reader.bytes()
              break
            }
            case 3: {
              obj.currentSetHash = reader.bytes()
              break
            }
            case 4: {
              obj.candidateSignature = reader.bytes()
              break
            }
            case 5: {
              obj.manual = reader.bool()
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
                field: `${prefix}.update`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.dead`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.currentSetHash`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.candidateSignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.manual`,
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

  export interface ReplacementUpdateFieldEvent {
    field: '$.update'
    value: Uint8Array
  }

  export interface ReplacementDeadFieldEvent {
    field: '$.dead'
    value: Uint8Array
  }

  export interface ReplacementCurrentSetHashFieldEvent {
    field: '$.currentSetHash'
    value: Uint8Array
  }

  export interface ReplacementCandidateSignatureFieldEvent {
    field: '$.candidateSignature'
    value: Uint8Array
  }

  export interface ReplacementManualFieldEvent {
    field: '$.manual'
    value: boolean
  }

  export function encode (obj: Partial<Replacement>): Uint8Array {
    return encodeMessage(obj, Replacement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Replacement>): Replacement {
    return decodeMessage(buf, Replacement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Replacement>): Generator<ReplacementUpdateFieldEvent | ReplacementDeadFieldEvent | ReplacementCurrentSetHashFieldEvent | ReplacementCandidateSignatureFieldEvent | ReplacementManualFieldEvent> {
    return streamMessage(buf, Replacement.codec(), opts)
  }
}

export interface FormRequest {
  kind: FormKind
  body: Uint8Array
  certificate: Uint8Array
}

export namespace FormRequest {
  let _codec: Codec<FormRequest>

  export const codec = (): Codec<FormRequest> => {
    if (_codec == null) {
      _codec = message<FormRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __FormKindValues[obj.kind] !== 0) {
          w.uint32(8)
          FormKind.codec().encode(obj.kind, w)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.body)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.certificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: FormKind.FORM_UNKNOWN,
          body: uint8ArrayAlloc(0),
          certificate: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = FormKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.body = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.kind`,
                value: FormKind.codec().decode(reader)
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

  export interface FormRequestKindFieldEvent {
    field: '$.kind'
    value: FormKind
  }

  export interface FormRequestBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface FormRequestCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<FormRequest>): Uint8Array {
    return encodeMessage(obj, FormRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FormRequest>): FormRequest {
    return decodeMessage(buf, FormRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FormRequest>): Generator<FormRequestKindFieldEvent | FormRequestBodyFieldEvent | FormRequestCertificateFieldEvent> {
    return streamMessage(buf, FormRequest.codec(), opts)
  }
}

export enum FormError {
  FORM_OK = 'FORM_OK',
  FORM_BAD_REQUEST = 'FORM_BAD_REQUEST',
  IN_A_CLUSTER = 'IN_A_CLUSTER',
  NOT_A_MEMBER = 'NOT_A_MEMBER',
  MALFORMED = 'MALFORMED',
  HOLDING_BETTER = 'HOLDING_BETTER',
  NOT_READY = 'NOT_READY',
  BAD_BINDING = 'BAD_BINDING',
  NOT_PROPOSER = 'NOT_PROPOSER',
  WRONG_SET = 'WRONG_SET',
  MEMBER_ALIVE = 'MEMBER_ALIVE',
  NOT_FROM_MEMBER = 'NOT_FROM_MEMBER',
  HOLDING_OTHER = 'HOLDING_OTHER',
  NOT_YET = 'NOT_YET'
}

enum __FormErrorValues {
  FORM_OK = 0,
  FORM_BAD_REQUEST = 1,
  IN_A_CLUSTER = 2,
  NOT_A_MEMBER = 3,
  MALFORMED = 4,
  HOLDING_BETTER = 5,
  NOT_READY = 6,
  BAD_BINDING = 7,
  NOT_PROPOSER = 8,
  WRONG_SET = 9,
  MEMBER_ALIVE = 10,
  NOT_FROM_MEMBER = 11,
  HOLDING_OTHER = 12,
  NOT_YET = 13
}

export namespace FormError {
  export const codec = (): Codec<FormError> => {
    return enumeration<FormError>(__FormErrorValues)
  }
}

export interface FormResponse {
  error: FormError
  text: string
  free: boolean
  clusterId: Uint8Array
  signature: Uint8Array
  holdingProposer: Uint8Array
  membershipSignature: Uint8Array
}

export namespace FormResponse {
  let _codec: Codec<FormResponse>

  export const codec = (): Codec<FormResponse> => {
    if (_codec == null) {
      _codec = message<FormResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null && __FormErrorValues[obj.error] !== 0) {
          w.uint32(8)
          FormError.codec().encode(obj.error, w)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.free != null && obj.free !== false)) {
          w.uint32(24)
          w.bool(obj.free)
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.clusterId)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if ((obj.holdingProposer != null && obj.holdingProposer.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.holdingProposer)
        }

        if ((obj.membershipSignature != null && obj.membershipSignature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.membershipSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          error: FormError.FORM_OK,
          text: '',
          free: false,
          clusterId: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          holdingProposer: uint8ArrayAlloc(0),
          membershipSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = FormError.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.free = reader.bool()
              break
            }
            case 4: {
              obj.clusterId = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            case 6: {
              obj.holdingProposer = reader.bytes()
              break
            }
            case 7: {
              obj.membershipSignature = reader.bytes()
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
                value: FormError.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.free`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.holdingProposer`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.membershipSignature`,
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

  export interface FormResponseErrorFieldEvent {
    field: '$.error'
    value: FormError
  }

  export interface FormResponseTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface FormResponseFreeFieldEvent {
    field: '$.free'
    value: boolean
  }

  export interface FormResponseClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface FormResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface FormResponseHoldingProposerFieldEvent {
    field: '$.holdingProposer'
    value: Uint8Array
  }

  export interface FormResponseMembershipSignatureFieldEvent {
    field: '$.membershipSignature'
    value: Uint8Array
  }

  export function encode (obj: Partial<FormResponse>): Uint8Array {
    return encodeMessage(obj, FormResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FormResponse>): FormResponse {
    return decodeMessage(buf, FormResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FormResponse>): Generator<FormResponseErrorFieldEvent | FormResponseTextFieldEvent | FormResponseFreeFieldEvent | FormResponseClusterIdFieldEvent | FormResponseSignatureFieldEvent | FormResponseHoldingProposerFieldEvent | FormResponseMembershipSignatureFieldEvent> {
    return streamMessage(buf, FormResponse.codec(), opts)
  }
}

export enum AssignKind {
  ASSIGN_UNKNOWN = 'ASSIGN_UNKNOWN',
  ASSIGN = 'ASSIGN',
  ATTEST = 'ATTEST'
}

enum __AssignKindValues {
  ASSIGN_UNKNOWN = 0,
  ASSIGN = 1,
  ATTEST = 2
}

export namespace AssignKind {
  export const codec = (): Codec<AssignKind> => {
    return enumeration<AssignKind>(__AssignKindValues)
  }
}

export interface AssignRequest {
  kind: AssignKind
  sigPublicKey: Uint8Array
  agreementKey: Uint8Array
  nodeSignature: Uint8Array
}

export namespace AssignRequest {
  let _codec: Codec<AssignRequest>

  export const codec = (): Codec<AssignRequest> => {
    if (_codec == null) {
      _codec = message<AssignRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __AssignKindValues[obj.kind] !== 0) {
          w.uint32(8)
          AssignKind.codec().encode(obj.kind, w)
        }

        if ((obj.sigPublicKey != null && obj.sigPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sigPublicKey)
        }

        if ((obj.agreementKey != null && obj.agreementKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.agreementKey)
        }

        if ((obj.nodeSignature != null && obj.nodeSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.nodeSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: AssignKind.ASSIGN_UNKNOWN,
          sigPublicKey: uint8ArrayAlloc(0),
          agreementKey: uint8ArrayAlloc(0),
          nodeSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = AssignKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.sigPublicKey = reader.bytes()
              break
            }
            case 3: {
              obj.agreementKey = reader.bytes()
              break
            }
            case 4: {
              obj.nodeSignature = reader.bytes()
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
                field: `${prefix}.kind`,
                value: AssignKind.codec().decode(reader)
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
                field: `${prefix}.agreementKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nodeSignature`,
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

  export interface AssignRequestKindFieldEvent {
    field: '$.kind'
    value: AssignKind
  }

  export interface AssignRequestSigPublicKeyFieldEvent {
    field: '$.sigPublicKey'
    value: Uint8Array
  }

  export interface AssignRequestAgreementKeyFieldEvent {
    field: '$.agreementKey'
    value: Uint8Array
  }

  export interface AssignRequestNodeSignatureFieldEvent {
    field: '$.nodeSignature'
    value: Uint8Array
  }

  export function encode (obj: Partial<AssignRequest>): Uint8Array {
    return encodeMessage(obj, AssignRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignRequest>): AssignRequest {
    return decodeMessage(buf, AssignRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignRequest>): Generator<AssignRequestKindFieldEvent | AssignRequestSigPublicKeyFieldEvent | AssignRequestAgreementKeyFieldEvent | AssignRequestNodeSignatureFieldEvent> {
    return streamMessage(buf, AssignRequest.codec(), opts)
  }
}

export enum AssignError {
  ASSIGN_OK = 'ASSIGN_OK',
  ASSIGN_BAD_REQUEST = 'ASSIGN_BAD_REQUEST',
  NO_REPLICA = 'NO_REPLICA',
  NOT_ASSIGNED = 'NOT_ASSIGNED',
  ASSIGN_REFUSED = 'ASSIGN_REFUSED'
}

enum __AssignErrorValues {
  ASSIGN_OK = 0,
  ASSIGN_BAD_REQUEST = 1,
  NO_REPLICA = 2,
  NOT_ASSIGNED = 3,
  ASSIGN_REFUSED = 4
}

export namespace AssignError {
  export const codec = (): Codec<AssignError> => {
    return enumeration<AssignError>(__AssignErrorValues)
  }
}

export interface AssignResponse {
  error: AssignError
  text: string
  nodeId: Uint8Array
  clusterId: Uint8Array
  signature: Uint8Array
}

export namespace AssignResponse {
  let _codec: Codec<AssignResponse>

  export const codec = (): Codec<AssignResponse> => {
    if (_codec == null) {
      _codec = message<AssignResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.error != null && __AssignErrorValues[obj.error] !== 0) {
          w.uint32(8)
          AssignError.codec().encode(obj.error, w)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.nodeId != null && obj.nodeId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.nodeId)
        }

        if ((obj.clusterId != null && obj.clusterId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.clusterId)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          error: AssignError.ASSIGN_OK,
          text: '',
          nodeId: uint8ArrayAlloc(0),
          clusterId: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.error = AssignError.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.nodeId = reader.bytes()
              break
            }
            case 4: {
              obj.clusterId = reader.bytes()
              break
            }
            case 5: {
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
                value: AssignError.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.nodeId`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
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

  export interface AssignResponseErrorFieldEvent {
    field: '$.error'
    value: AssignError
  }

  export interface AssignResponseTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface AssignResponseNodeIdFieldEvent {
    field: '$.nodeId'
    value: Uint8Array
  }

  export interface AssignResponseClusterIdFieldEvent {
    field: '$.clusterId'
    value: Uint8Array
  }

  export interface AssignResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<AssignResponse>): Uint8Array {
    return encodeMessage(obj, AssignResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignResponse>): AssignResponse {
    return decodeMessage(buf, AssignResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AssignResponse>): Generator<AssignResponseErrorFieldEvent | AssignResponseTextFieldEvent | AssignResponseNodeIdFieldEvent | AssignResponseClusterIdFieldEvent | AssignResponseSignatureFieldEvent> {
    return streamMessage(buf, AssignResponse.codec(), opts)
  }
}
