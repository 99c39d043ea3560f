import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Mode {
  MODE_UNKNOWN = 'MODE_UNKNOWN',
  PLAINTEXT_SIGNED = 'PLAINTEXT_SIGNED',
  SESSION = 'SESSION',
  SEALED = 'SEALED'
}

enum __ModeValues {
  MODE_UNKNOWN = 0,
  PLAINTEXT_SIGNED = 1,
  SESSION = 2,
  SEALED = 3
}

export namespace Mode {
  export const codec = (): Codec<Mode> => {
    return enumeration<Mode>(__ModeValues)
  }
}

export enum ErrorCode {
  OK = 'OK',
  BAD_FRAME = 'BAD_FRAME',
  BAD_HELLO = 'BAD_HELLO',
  UNTRUSTED_CERTIFICATE = 'UNTRUSTED_CERTIFICATE',
  KEY_MISMATCH = 'KEY_MISMATCH',
  FROM_MISMATCH = 'FROM_MISMATCH',
  WRONG_RECIPIENT = 'WRONG_RECIPIENT',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  DUPLICATE = 'DUPLICATE',
  OUT_OF_ORDER = 'OUT_OF_ORDER',
  UNSUPPORTED_MODE = 'UNSUPPORTED_MODE',
  TOO_LARGE = 'TOO_LARGE',
  NOT_READY = 'NOT_READY',
  INTERNAL = 'INTERNAL',
  BAD_CIPHERTEXT = 'BAD_CIPHERTEXT',
  BUSY = 'BUSY'
}

enum __ErrorCodeValues {
  OK = 0,
  BAD_FRAME = 1,
  BAD_HELLO = 2,
  UNTRUSTED_CERTIFICATE = 3,
  KEY_MISMATCH = 4,
  FROM_MISMATCH = 5,
  WRONG_RECIPIENT = 6,
  BAD_SIGNATURE = 7,
  DUPLICATE = 8,
  OUT_OF_ORDER = 9,
  UNSUPPORTED_MODE = 10,
  TOO_LARGE = 11,
  NOT_READY = 12,
  INTERNAL = 13,
  BAD_CIPHERTEXT = 14,
  BUSY = 15
}

export namespace ErrorCode {
  export const codec = (): Codec<ErrorCode> => {
    return enumeration<ErrorCode>(__ErrorCodeValues)
  }
}

export interface Hello {
  version: number
  certificate: Uint8Array
  certificateSignature: Uint8Array
}

export namespace Hello {
  let _codec: Codec<Hello>

  export const codec = (): Codec<Hello> => {
    if (_codec == null) {
      _codec = message<Hello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if ((obj.certificateSignature != null && obj.certificateSignature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.certificateSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          certificate: uint8ArrayAlloc(0),
          certificateSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.certificate = reader.bytes()
              break
            }
            case 3: {
              obj.certificateSignature = reader.bytes()
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
                field: `${prefix}.version`,
                value: reader.uint32()
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
            case 3: {
              yield {
                field: `${prefix}.certificateSignature`,
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

  export interface HelloVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface HelloCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface HelloCertificateSignatureFieldEvent {
    field: '$.certificateSignature'
    value: Uint8Array
  }

  export function encode (obj: Partial<Hello>): Uint8Array {
    return encodeMessage(obj, Hello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
    return decodeMessage(buf, Hello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloVersionFieldEvent | HelloCertificateFieldEvent | HelloCertificateSignatureFieldEvent> {
    return streamMessage(buf, Hello.codec(), opts)
  }
}

export interface Envelope {
  from: Uint8Array
  to: Uint8Array
  seq: bigint
  timestamp: bigint
  kind: string
  payload: Uint8Array
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.from)
        }

        if ((obj.to != null && obj.to.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.to)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(32)
          w.uint64(obj.timestamp)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(42)
          w.string(obj.kind)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: uint8ArrayAlloc(0),
          to: uint8ArrayAlloc(0),
          seq: 0n,
          timestamp: 0n,
          kind: '',
          payload: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.bytes()
              break
            }
            case 2: {
              obj.to = reader.bytes()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.timestamp = reader.uint64()
              break
            }
            case 5: {
              obj.kind = reader.string()
              break
            }
            case 6: {
              obj.payload = reader.bytes()
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
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.to`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
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
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.payload`,
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

  export interface EnvelopeFromFieldEvent {
    field: '$.from'
    value: Uint8Array
  }

  export interface EnvelopeToFieldEvent {
    field: '$.to'
    value: Uint8Array
  }

  export interface EnvelopeSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface EnvelopeTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface EnvelopeKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface EnvelopePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export function encode (obj: Partial<Envelope>): Uint8Array {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeFromFieldEvent | EnvelopeToFieldEvent | EnvelopeSeqFieldEvent | EnvelopeTimestampFieldEvent | EnvelopeKindFieldEvent | EnvelopePayloadFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}

export interface Message {
  mode: Mode
  body: Uint8Array
  signature: Uint8Array
}

export namespace Message {
  let _codec: Codec<Message>

  export const codec = (): Codec<Message> => {
    if (_codec == null) {
      _codec = message<Message>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.mode != null && __ModeValues[obj.mode] !== 0) {
          w.uint32(8)
          Mode.codec().encode(obj.mode, w)
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
          mode: Mode.MODE_UNKNOWN,
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.mode = Mode.codec().decode(reader)
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
                field: `${prefix}.mode`,
                value: Mode.codec().decode(reader)
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

  export interface MessageModeFieldEvent {
    field: '$.mode'
    value: Mode
  }

  export interface MessageBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface MessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<Message>): Uint8Array {
    return encodeMessage(obj, Message.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Message>): Message {
    return decodeMessage(buf, Message.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Message>): Generator<MessageModeFieldEvent | MessageBodyFieldEvent | MessageSignatureFieldEvent> {
    return streamMessage(buf, Message.codec(), opts)
  }
}

export interface Ack {
  seq: bigint
}

export namespace Ack {
  let _codec: Codec<Ack>

  export const codec = (): Codec<Ack> => {
    if (_codec == null) {
      _codec = message<Ack>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
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
                field: `${prefix}.seq`,
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

  export interface AckSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export function encode (obj: Partial<Ack>): Uint8Array {
    return encodeMessage(obj, Ack.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Ack {
    return decodeMessage(buf, Ack.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Generator<AckSeqFieldEvent> {
    return streamMessage(buf, Ack.codec(), opts)
  }
}

export interface Refusal {
  code: ErrorCode
  text: string
  seq: bigint
}

export namespace Refusal {
  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __ErrorCodeValues[obj.code] !== 0) {
          w.uint32(8)
          ErrorCode.codec().encode(obj.code, w)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: ErrorCode.OK,
          text: '',
          seq: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = ErrorCode.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
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
                field: `${prefix}.code`,
                value: ErrorCode.codec().decode(reader)
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
                field: `${prefix}.seq`,
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

  export interface RefusalCodeFieldEvent {
    field: '$.code'
    value: ErrorCode
  }

  export interface RefusalTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface RefusalSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export function encode (obj: Partial<Refusal>): Uint8Array {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalCodeFieldEvent | RefusalTextFieldEvent | RefusalSeqFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface Skip {
  after: bigint
  upTo: bigint
}

export namespace Skip {
  let _codec: Codec<Skip>

  export const codec = (): Codec<Skip> => {
    if (_codec == null) {
      _codec = message<Skip>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.after != null && obj.after !== 0n)) {
          w.uint32(8)
          w.uint64(obj.after)
        }

        if ((obj.upTo != null && obj.upTo !== 0n)) {
          w.uint32(16)
          w.uint64(obj.upTo)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          after: 0n,
          upTo: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.after = reader.uint64()
              break
            }
            case 2: {
              obj.upTo = reader.uint64()
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
                field: `${prefix}.after`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.upTo`,
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

  export interface SkipAfterFieldEvent {
    field: '$.after'
    value: bigint
  }

  export interface SkipUpToFieldEvent {
    field: '$.upTo'
    value: bigint
  }

  export function encode (obj: Partial<Skip>): Uint8Array {
    return encodeMessage(obj, Skip.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Skip>): Skip {
    return decodeMessage(buf, Skip.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Skip>): Generator<SkipAfterFieldEvent | SkipUpToFieldEvent> {
    return streamMessage(buf, Skip.codec(), opts)
  }
}

export interface Frame {
  hello?: Hello
  message?: Message
  ack?: Ack
  refusal?: Refusal
  skip?: Skip
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          Hello.codec().encode(obj.hello, w)
        }

        if (obj.message != null) {
          w.uint32(18)
          Message.codec().encode(obj.message, w)
        }

        if (obj.ack != null) {
          w.uint32(26)
          Ack.codec().encode(obj.ack, w)
        }

        if (obj.refusal != null) {
          w.uint32(34)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (obj.skip != null) {
          w.uint32(42)
          Skip.codec().encode(obj.skip, w)
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
              obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.message = Message.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.message
              })
              break
            }
            case 3: {
              obj.ack = Ack.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 4: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 5: {
              obj.skip = Skip.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.skip
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
              yield * Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * Message.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                limits: opts.limits?.message
              })

              break
            }
            case 3: {
              yield * Ack.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

              break
            }
            case 4: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 5: {
              yield * Skip.codec().stream(reader, reader.uint32(), `${prefix}.skip`, {
                limits: opts.limits?.skip
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

  export interface FrameHelloVersionFieldEvent {
    field: '$.hello.version'
    value: number
  }

  export interface FrameHelloCertificateFieldEvent {
    field: '$.hello.certificate'
    value: Uint8Array
  }

  export interface FrameHelloCertificateSignatureFieldEvent {
    field: '$.hello.certificateSignature'
    value: Uint8Array
  }

  export interface FrameMessageModeFieldEvent {
    field: '$.message.mode'
    value: Mode
  }

  export interface FrameMessageBodyFieldEvent {
    field: '$.message.body'
    value: Uint8Array
  }

  export interface FrameMessageSignatureFieldEvent {
    field: '$.message.signature'
    value: Uint8Array
  }

  export interface FrameAckSeqFieldEvent {
    field: '$.ack.seq'
    value: bigint
  }

  export interface FrameRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: ErrorCode
  }

  export interface FrameRefusalTextFieldEvent {
    field: '$.refusal.text'
    value: string
  }

  export interface FrameRefusalSeqFieldEvent {
    field: '$.refusal.seq'
    value: bigint
  }

  export interface FrameSkipAfterFieldEvent {
    field: '$.skip.after'
    value: bigint
  }

  export interface FrameSkipUpToFieldEvent {
    field: '$.skip.upTo'
    value: bigint
  }

  export function encode (obj: Partial<Frame>): Uint8Array {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameHelloVersionFieldEvent | FrameHelloCertificateFieldEvent | FrameHelloCertificateSignatureFieldEvent | FrameMessageModeFieldEvent | FrameMessageBodyFieldEvent | FrameMessageSignatureFieldEvent | FrameAckSeqFieldEvent | FrameRefusalCodeFieldEvent | FrameRefusalTextFieldEvent | FrameRefusalSeqFieldEvent | FrameSkipAfterFieldEvent | FrameSkipUpToFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}

export interface Queued {
  message: Uint8Array
  queuedAt: bigint
  mode: Mode
}

export namespace Queued {
  let _codec: Codec<Queued>

  export const codec = (): Codec<Queued> => {
    if (_codec == null) {
      _codec = message<Queued>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.message)
        }

        if ((obj.queuedAt != null && obj.queuedAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.queuedAt)
        }

        if (obj.mode != null && __ModeValues[obj.mode] !== 0) {
          w.uint32(24)
          Mode.codec().encode(obj.mode, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          message: uint8ArrayAlloc(0),
          queuedAt: 0n,
          mode: Mode.MODE_UNKNOWN
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.message = reader.bytes()
              break
            }
            case 2: {
              obj.queuedAt = reader.uint64()
              break
            }
            case 3: {
              obj.mode = Mode.codec().decode(reader)
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
                field: `${prefix}.message`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.queuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mode`,
                value: Mode.codec().decode(reader)
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

  export interface QueuedMessageFieldEvent {
    field: '$.message'
    value: Uint8Array
  }

  export interface QueuedQueuedAtFieldEvent {
    field: '$.queuedAt'
    value: bigint
  }

  export interface QueuedModeFieldEvent {
    field: '$.mode'
    value: Mode
  }

  export function encode (obj: Partial<Queued>): Uint8Array {
    return encodeMessage(obj, Queued.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Queued>): Queued {
    return decodeMessage(buf, Queued.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Queued>): Generator<QueuedMessageFieldEvent | QueuedQueuedAtFieldEvent | QueuedModeFieldEvent> {
    return streamMessage(buf, Queued.codec(), opts)
  }
}

export interface QueuedChunk {
  messages: Queued[]
}

export namespace QueuedChunk {
  let _codec: Codec<QueuedChunk>

  export const codec = (): Codec<QueuedChunk> => {
    if (_codec == null) {
      _codec = message<QueuedChunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            Queued.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(Queued.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
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
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of Queued.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

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

  export interface QueuedChunkMessagesMessageFieldEvent {
    field: '$.messages[].message'
    value: Uint8Array
    index: number
  }

  export interface QueuedChunkMessagesQueuedAtFieldEvent {
    field: '$.messages[].queuedAt'
    value: bigint
    index: number
  }

  export interface QueuedChunkMessagesModeFieldEvent {
    field: '$.messages[].mode'
    value: Mode
    index: number
  }

  export function encode (obj: Partial<QueuedChunk>): Uint8Array {
    return encodeMessage(obj, QueuedChunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueuedChunk>): QueuedChunk {
    return decodeMessage(buf, QueuedChunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueuedChunk>): Generator<QueuedChunkMessagesMessageFieldEvent | QueuedChunkMessagesQueuedAtFieldEvent | QueuedChunkMessagesModeFieldEvent> {
    return streamMessage(buf, QueuedChunk.codec(), opts)
  }
}
