import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum HandshakePattern {
  PATTERN_UNKNOWN = 'PATTERN_UNKNOWN',
  IK = 'IK',
  XX = 'XX'
}

enum __HandshakePatternValues {
  PATTERN_UNKNOWN = 0,
  IK = 1,
  XX = 2
}

export namespace HandshakePattern {
  export const codec = (): Codec<HandshakePattern> => {
    return enumeration<HandshakePattern>(__HandshakePatternValues)
  }
}

export interface HandshakeMessage {
  pattern: HandshakePattern
  step: number
  noise: Uint8Array
}

export namespace HandshakeMessage {
  let _codec: Codec<HandshakeMessage>

  export const codec = (): Codec<HandshakeMessage> => {
    if (_codec == null) {
      _codec = message<HandshakeMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.pattern != null && __HandshakePatternValues[obj.pattern] !== 0) {
          w.uint32(8)
          HandshakePattern.codec().encode(obj.pattern, w)
        }

        if ((obj.step != null && obj.step !== 0)) {
          w.uint32(16)
          w.uint32(obj.step)
        }

        if ((obj.noise != null && obj.noise.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.noise)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          pattern: HandshakePattern.PATTERN_UNKNOWN,
          step: 0,
          noise: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.pattern = HandshakePattern.codec().decode(reader)
              break
            }
            case 2: {
              obj.step = reader.uint32()
              break
            }
            case 3: {
              obj.noise = reader.bytes()
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
                field: `${prefix}.pattern`,
                value: HandshakePattern.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.step`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.noise`,
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

  export interface HandshakeMessagePatternFieldEvent {
    field: '$.pattern'
    value: HandshakePattern
  }

  export interface HandshakeMessageStepFieldEvent {
    field: '$.step'
    value: number
  }

  export interface HandshakeMessageNoiseFieldEvent {
    field: '$.noise'
    value: Uint8Array
  }

  export function encode (obj: Partial<HandshakeMessage>): Uint8Array {
    return encodeMessage(obj, HandshakeMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeMessage>): HandshakeMessage {
    return decodeMessage(buf, HandshakeMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakeMessage>): Generator<HandshakeMessagePatternFieldEvent | HandshakeMessageStepFieldEvent | HandshakeMessageNoiseFieldEvent> {
    return streamMessage(buf, HandshakeMessage.codec(), opts)
  }
}

export interface HandshakePayload {
  certificate: Uint8Array
}

export namespace HandshakePayload {
  let _codec: Codec<HandshakePayload>

  export const codec = (): Codec<HandshakePayload> => {
    if (_codec == null) {
      _codec = message<HandshakePayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.certificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          certificate: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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

  export interface HandshakePayloadCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export function encode (obj: Partial<HandshakePayload>): Uint8Array {
    return encodeMessage(obj, HandshakePayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakePayload>): HandshakePayload {
    return decodeMessage(buf, HandshakePayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandshakePayload>): Generator<HandshakePayloadCertificateFieldEvent> {
    return streamMessage(buf, HandshakePayload.codec(), opts)
  }
}

export interface TransportFrame {
  sessionId: Uint8Array
  epoch: number
  counter: bigint
  ciphertext: Uint8Array
}

export namespace TransportFrame {
  let _codec: Codec<TransportFrame>

  export const codec = (): Codec<TransportFrame> => {
    if (_codec == null) {
      _codec = message<TransportFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sessionId != null && obj.sessionId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sessionId)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if ((obj.counter != null && obj.counter !== 0n)) {
          w.uint32(24)
          w.uint64(obj.counter)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sessionId: uint8ArrayAlloc(0),
          epoch: 0,
          counter: 0n,
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sessionId = reader.bytes()
              break
            }
            case 2: {
              obj.epoch = reader.uint32()
              break
            }
            case 3: {
              obj.counter = reader.uint64()
              break
            }
            case 4: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.sessionId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.counter`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ciphertext`,
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

  export interface TransportFrameSessionIdFieldEvent {
    field: '$.sessionId'
    value: Uint8Array
  }

  export interface TransportFrameEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface TransportFrameCounterFieldEvent {
    field: '$.counter'
    value: bigint
  }

  export interface TransportFrameCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<TransportFrame>): Uint8Array {
    return encodeMessage(obj, TransportFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransportFrame>): TransportFrame {
    return decodeMessage(buf, TransportFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransportFrame>): Generator<TransportFrameSessionIdFieldEvent | TransportFrameEpochFieldEvent | TransportFrameCounterFieldEvent | TransportFrameCiphertextFieldEvent> {
    return streamMessage(buf, TransportFrame.codec(), opts)
  }
}

export interface SealedMessage {
  senderNodeId: Uint8Array
  sequence: bigint
  enc: Uint8Array
  ct: Uint8Array
}

export namespace SealedMessage {
  let _codec: Codec<SealedMessage>

  export const codec = (): Codec<SealedMessage> => {
    if (_codec == null) {
      _codec = message<SealedMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.senderNodeId != null && obj.senderNodeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.senderNodeId)
        }

        if ((obj.sequence != null && obj.sequence !== 0n)) {
          w.uint32(16)
          w.uint64(obj.sequence)
        }

        if ((obj.enc != null && obj.enc.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.enc)
        }

        if ((obj.ct != null && obj.ct.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ct)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          senderNodeId: uint8ArrayAlloc(0),
          sequence: 0n,
          enc: uint8ArrayAlloc(0),
          ct: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.senderNodeId = reader.bytes()
              break
            }
            case 2: {
              obj.sequence = reader.uint64()
              break
            }
            case 3: {
              obj.enc = reader.bytes()
              break
            }
            case 4: {
              obj.ct = reader.bytes()
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
                field: `${prefix}.senderNodeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.enc`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ct`,
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

  export interface SealedMessageSenderNodeIdFieldEvent {
    field: '$.senderNodeId'
    value: Uint8Array
  }

  export interface SealedMessageSequenceFieldEvent {
    field: '$.sequence'
    value: bigint
  }

  export interface SealedMessageEncFieldEvent {
    field: '$.enc'
    value: Uint8Array
  }

  export interface SealedMessageCtFieldEvent {
    field: '$.ct'
    value: Uint8Array
  }

  export function encode (obj: Partial<SealedMessage>): Uint8Array {
    return encodeMessage(obj, SealedMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): SealedMessage {
    return decodeMessage(buf, SealedMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): Generator<SealedMessageSenderNodeIdFieldEvent | SealedMessageSequenceFieldEvent | SealedMessageEncFieldEvent | SealedMessageCtFieldEvent> {
    return streamMessage(buf, SealedMessage.codec(), opts)
  }
}
