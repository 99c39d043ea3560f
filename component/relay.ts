/**
 * Stanzas between two home nodes (docs/protocols/xmpp-relay.md). The sending component turns a
 * user's stanza to `bob@D` into a Relay (relay.proto) naming both nicks; bob's home node turns it
 * back into a stanza from `alice@D_bob` to bob's real JID. Only the envelope is rebuilt: the
 * children are carried as the sender's server serialized them and re-parsed through the bounded
 * parser on arrival, so receipts, chat states, corrections and OMEMO payloads pass unchanged.
 */
import { Relay } from './relay.pb.js'
import { parseStanza } from './parser.js'
import { type Element, xml } from './xml.js'

export const RELAY_VERSION = 1

export type RelayedKind = 'message' | 'presence'

/** The payload for one stanza from `fromNick` to `toNick` (its children, unless given serialized). */
export function encodeRelay(
  stanza: Element,
  fromNick: string,
  toNick: string,
  children?: string,
): Uint8Array {
  return Relay.encode({
    version: RELAY_VERSION,
    stanza: stanza.name,
    fromNick,
    toNick,
    type: attr(stanza.attrs.type),
    id: attr(stanza.attrs.id),
    lang: attr(stanza.attrs['xml:lang']),
    children: children ?? stanza.children.map((c) => c.toString()).join(''),
  })
}

export class RelayError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RelayError'
  }
}

/** Decodes a payload; RelayError for one that is not a relay of this version and a known kind. */
export function decodeRelay(payload: Uint8Array): Relay {
  let relay: Relay
  try {
    relay = Relay.decode(payload)
  } catch (err) {
    throw new RelayError(`not a relay: ${(err as Error).message}`)
  }
  if (relay.version !== RELAY_VERSION) throw new RelayError(`relay version ${relay.version}`)
  if (relay.stanza !== 'message' && relay.stanza !== 'presence')
    throw new RelayError(`relayed stanza kind ${JSON.stringify(relay.stanza.slice(0, 20))}`)
  return relay
}

/**
 * Rebuilds the stanza of a decoded relay, from `from` to `to`. RelayError when its children do
 * not parse within `maxBytes` or would make more than one stanza.
 */
export function relayedStanza(relay: Relay, from: string, to: string, maxBytes: number): Element {
  const attrs: Record<string, string> = { from, to }
  if (relay.type !== '') attrs.type = relay.type
  if (relay.id !== '') attrs.id = relay.id
  if (relay.lang !== '') attrs['xml:lang'] = relay.lang
  for (const text of [relay.type, relay.id, relay.lang, relay.children]) {
    // A server closes the stream on a character XML 1.0 forbids: it would never be delivered.
    if (NOT_XML_CHAR.test(text)) throw new RelayError('a character XML 1.0 does not allow (RFC 6120 §11.1)')
  }
  const shell = xml(relay.stanza, attrs).toString()
  // The children go between the start and end tag of an envelope we built ourselves.
  const open = shell.endsWith('/>') ? `${shell.slice(0, -2)}>` : shell.slice(0, shell.lastIndexOf('</'))
  let stanza: Element
  try {
    stanza = parseStanza(`${open}${relay.children}</${relay.stanza}>`, { maxStanzaBytes: maxBytes })
  } catch (err) {
    throw new RelayError(`relayed children: ${(err as Error).message}`)
  }
  // Serialized again (ltx escapes quotes in attributes as entities), it must still fit.
  const bytes = Buffer.byteLength(stanza.toString())
  if (bytes > maxBytes) throw new RelayError(`the stanza would be ${bytes} bytes, over ${maxBytes}`)
  return stanza
}

/** Characters outside XML 1.0's Char production (controls but TAB/LF/CR, U+FFFE, U+FFFF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

const attr = (v: unknown): string => (typeof v === 'string' ? v : '')
