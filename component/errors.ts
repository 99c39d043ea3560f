/**
 * The component's named errors. Handlers throw them; only the router turns them into stanza
 * errors (RFC 6120 §8.3), and only the connection logs the connection ones.
 */
import { XLatticeError } from '../lib/errors.js'

/** References: RFC 6120 §8.3.2 (the type attribute of <error/>). */
export type ErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait'

/**
 * Every defined stanza error condition with the type RFC 6120 §8.3.3 gives it in its examples,
 * used when a thrower does not choose one.
 */
export const CONDITION_TYPES = {
  'bad-request': 'modify', // §8.3.3.1
  conflict: 'cancel', // §8.3.3.2
  'feature-not-implemented': 'cancel', // §8.3.3.3
  forbidden: 'auth', // §8.3.3.4
  gone: 'cancel', // §8.3.3.5
  'internal-server-error': 'cancel', // §8.3.3.6
  'item-not-found': 'cancel', // §8.3.3.7
  'jid-malformed': 'modify', // §8.3.3.8
  'not-acceptable': 'modify', // §8.3.3.9
  'not-allowed': 'cancel', // §8.3.3.10
  'not-authorized': 'auth', // §8.3.3.11
  'policy-violation': 'modify', // §8.3.3.12
  'recipient-unavailable': 'wait', // §8.3.3.13
  redirect: 'modify', // §8.3.3.14
  'registration-required': 'auth', // §8.3.3.15
  'remote-server-not-found': 'cancel', // §8.3.3.16
  'remote-server-timeout': 'wait', // §8.3.3.17
  'resource-constraint': 'wait', // §8.3.3.18
  'service-unavailable': 'cancel', // §8.3.3.19
  'subscription-required': 'auth', // §8.3.3.20
  'undefined-condition': 'cancel', // §8.3.3.21
  'unexpected-request': 'wait', // §8.3.3.22
} as const satisfies Record<string, ErrorType>

export type Condition = keyof typeof CONDITION_TYPES

/** A stanza-level failure: the router answers the stanza with this condition and text. */
export class StanzaError extends XLatticeError {
  readonly condition: Condition
  readonly type: ErrorType
  /** Human-readable, sent in <text xml:lang='en'/>; keep it free of internals. */
  readonly text?: string
  /** An application-specific condition sent after the text (RFC 6120 §8.3.2), e.g. XEP-0050's. */
  readonly app?: { readonly name: string; readonly ns: string }

  constructor(condition: Condition, text?: string, options?: { type?: ErrorType; cause?: unknown }) {
    super('ERR_STANZA', text ? `${condition}: ${text}` : condition, options)
    this.condition = condition
    this.type = options?.type ?? CONDITION_TYPES[condition]
    this.text = text
  }
}

export type AddressProblem =
  /** Not a JID at all (RFC 7622 §3): empty parts, forbidden characters, too long. */
  | 'malformed'
  /** A JID, but its domain is not the component's. */
  | 'foreign'
  /** A JID under the component's domain whose localpart is no valid nick or channel. */
  | 'invalid-local'

/** A string that does not map to a lattice address; the router answers jid-malformed or item-not-found. */
export class AddressError extends XLatticeError {
  readonly problem: AddressProblem
  constructor(problem: AddressProblem, message: string) {
    super('ERR_ADDRESS', message)
    this.problem = problem
  }
}

/** send() while no stream is up; the stanza was not sent. */
export class NotConnectedError extends XLatticeError {
  constructor(message = 'the component is not connected to its XMPP server') {
    super('ERR_NOT_CONNECTED', message)
  }
}

/** An outgoing stanza above the size limit; sending it would make the server close the stream. */
export class StanzaTooLargeError extends XLatticeError {
  readonly bytes: number
  constructor(bytes: number, limit: number) {
    super('ERR_STANZA_TOO_LARGE', `stanza of ${bytes} bytes exceeds the ${limit}-byte limit`)
    this.bytes = bytes
  }
}

/** The handler did not settle in time. */
export class HandlerTimeoutError extends XLatticeError {
  constructor(ms: number) {
    super('ERR_HANDLER_TIMEOUT', `handler did not answer within ${ms} ms`)
  }
}
