/**
 * Reply envelopes. Only the router uses these: handlers return payloads, never stanzas.
 * References: RFC 6120 §8.2.3 (IQ semantics), §8.3.1-8.3.2 (error stanzas: same kind, from and to
 * swapped, same id, type 'error', one <error/> with a defined condition and optional text).
 */
import { CONDITION_TYPES, type Condition, type ErrorType, StanzaError } from './errors.js'
import { type Element, NS_STANZAS, xml } from './xml.js'

/** The attributes of a reply to `stanza`, sent from `from` (the validated addressee, or D). */
function envelope(stanza: Element, from: string, type: string): Record<string, string> {
  const attrs: Record<string, string> = { from, to: stanza.attrs.from, type }
  if (typeof stanza.attrs.id === 'string') attrs.id = stanza.attrs.id
  return attrs
}

/** <iq type='result'/> around an optional payload. */
export function iqResult(stanza: Element, from: string, payload?: Element): Element {
  return xml('iq', envelope(stanza, from, 'result'), payload)
}

/** The <error/> element. The original payload is not echoed back (RFC 6120 §8.3.1 makes it optional). */
export function errorElement(
  condition: Condition,
  type: ErrorType,
  text?: string,
  app?: { name: string; ns: string },
): Element {
  const el = xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }))
  if (text) el.append(xml('text', { xmlns: NS_STANZAS, 'xml:lang': 'en' }, text))
  if (app) el.append(xml(app.name, { xmlns: app.ns }))
  return el
}

/** An error reply of the stanza's own kind (iq, message or presence). */
export function errorReply(stanza: Element, from: string, err: StanzaError): Element {
  return xml(
    stanza.name,
    envelope(stanza, from, 'error'),
    errorElement(err.condition, err.type, err.text, err.app),
  )
}

/** Reads an <error/> reply back into a StanzaError (for IQs the component itself sent). */
export function stanzaErrorOf(stanza: Element): StanzaError {
  const error = stanza.getChild('error')
  const condition = error?.getChildElements().find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== 'text')
  const text = error?.getChildText('text', NS_STANZAS) ?? undefined
  const name = condition?.name
  const known = name !== undefined && name in CONDITION_TYPES ? (name as Condition) : 'undefined-condition'
  const type = ERROR_TYPES.has(error?.attrs.type) ? (error!.attrs.type as ErrorType) : undefined
  return new StanzaError(known, text, { type })
}

const ERROR_TYPES = new Set(['auth', 'cancel', 'continue', 'modify', 'wait'])
