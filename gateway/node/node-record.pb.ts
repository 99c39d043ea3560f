import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface NodeRecord {
  certificate: Uint8Array
  certificateSignature: Uint8Array
  peerRecord: Uint8Array
}

export namespace NodeRecord {
  let _codec: Codec<NodeRecord>

  export const codec = (): Codec<NodeRecord> => {
    if (_codec == null) {
      _codec = message<NodeRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.certificate)
        }

        if ((obj.certificateSignature != null && obj.certificateSignature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificateSignature)
        }

        if ((obj.peerRecord != null && obj.peerRecord.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.peerRecord)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          certificate: uint8ArrayAlloc(0),
          certificateSignature: uint8ArrayAlloc(0),
          peerRecord: uint8ArrayAlloc(0)
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
              obj.certificateSignature = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.certificateSignature`,
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

  export interface NodeRecordCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array
  }

  export interface NodeRecordCertificateSignatureFieldEvent {
    field: '$.certificateSignature'
    value: Uint8Array
  }

  export interface NodeRecordPeerRecordFieldEvent {
    field: '$.peerRecord'
    value: Uint8Array
  }

  export function encode (obj: Partial<NodeRecord>): Uint8Array {
    return encodeMessage(obj, NodeRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRecord>): NodeRecord {
    return decodeMessage(buf, NodeRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRecord>): Generator<NodeRecordCertificateFieldEvent | NodeRecordCertificateSignatureFieldEvent | NodeRecordPeerRecordFieldEvent> {
    return streamMessage(buf, NodeRecord.codec(), opts)
  }
}
