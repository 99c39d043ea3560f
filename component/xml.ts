/**
 * The one place component/ gets its XML from: @xmpp/component-core's own copy of @xmpp/xml (0.13),
 * so elements we build and elements its parser produces are the same ltx class.
 */
import { xml } from '@xmpp/component-core'
import type { Element } from '@xmpp/xml'

export type { Element }
export { xml }

/** The base streaming parser (one ltx SAX per instance); parser.ts wraps it with limits. */
export const BaseParser = xml.Parser

/** RFC 6120 §8.3.2: stanza error conditions live in this namespace. */
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
/** RFC 6120 §4.9.2: stream error conditions. */
export const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams'

export type StanzaKind = 'iq' | 'message' | 'presence'

export function stanzaKind(el: Element): StanzaKind | undefined {
  return el.name === 'iq' || el.name === 'message' || el.name === 'presence' ? el.name : undefined
}
