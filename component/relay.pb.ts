import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Relay {
  version: number
  stanza: string
  fromNick: string
  toNick: string
  type: string
  id: string
  lang: string
  children: string
}

export namespace Relay {
  let _codec: Codec<Relay>

  export const codec = (): Codec<Relay> => {
    if (_codec == null) {
      _codec = message<Relay>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.stanza != null && obj.stanza !== '')) {
          w.uint32(18)
          w.string(obj.stanza)
        }

        if ((obj.fromNick != null && obj.fromNick !== '')) {
          w.uint32(26)
          w.string(obj.fromNick)
        }

        if ((obj.toNick != null && obj.toNick !== '')) {
          w.uint32(34)
          w.string(obj.toNick)
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(42)
          w.string(obj.type)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(50)
          w.string(obj.id)
        }

        if ((obj.lang != null && obj.lang !== '')) {
          w.uint32(58)
          w.string(obj.lang)
        }

        if ((obj.children != null && obj.children !== '')) {
          w.uint32(66)
          w.string(obj.children)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          stanza: '',
          fromNick: '',
          toNick: '',
          type: '',
          id: '',
          lang: '',
          children: ''
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
              obj.stanza = reader.string()
              break
            }
            case 3: {
              obj.fromNick = reader.string()
              break
            }
            case 4: {
              obj.toNick = reader.string()
              break
            }
            case 5: {
              obj.type = reader.string()
              break
            }
            case 6: {
              obj.id = reader.string()
              break
            }
            case 7: {
              obj.lang = reader.string()
              break
            }
            case 8: {
              obj.children = reader.string()
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
                field: `${prefix}.stanza`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fromNick`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.toNick`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.lang`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.children`,
                value: reader.string()
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

  export interface RelayVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface RelayStanzaFieldEvent {
    field: '$.stanza'
    value: string
  }

  export interface RelayFromNickFieldEvent {
    field: '$.fromNick'
    value: string
  }

  export interface RelayToNickFieldEvent {
    field: '$.toNick'
    value: string
  }

  export interface RelayTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export interface RelayIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface RelayLangFieldEvent {
    field: '$.lang'
    value: string
  }

  export interface RelayChildrenFieldEvent {
    field: '$.children'
    value: string
  }

  export function encode (obj: Partial<Relay>): Uint8Array {
    return encodeMessage(obj, Relay.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Relay>): Relay {
    return decodeMessage(buf, Relay.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Relay>): Generator<RelayVersionFieldEvent | RelayStanzaFieldEvent | RelayFromNickFieldEvent | RelayToNickFieldEvent | RelayTypeFieldEvent | RelayIdFieldEvent | RelayLangFieldEvent | RelayChildrenFieldEvent> {
    return streamMessage(buf, Relay.codec(), opts)
  }
}
