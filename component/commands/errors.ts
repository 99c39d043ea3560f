/**
 * XEP-0050's application-specific error conditions. A CommandError is a StanzaError whose `app`
 * names the <cmd:.../> element that goes into <error/> after the defined condition and text
 * (RFC 6120 §8.3.2 places application-specific conditions last).
 *
 * References: XEP-0050 §4.4 (possible errors: condition, type and specific condition of each),
 * §3.7 (bad-locale).
 */
import { type Condition, StanzaError } from '../errors.js'
import { NS_COMMANDS } from './command.js'

export type CommandCondition =
  | 'malformed-action'
  | 'bad-action'
  | 'bad-locale'
  | 'bad-payload'
  | 'bad-sessionid'
  | 'session-expired'

/** XEP-0050 §4.4: the general condition each specific one travels with. */
const GENERAL: Record<CommandCondition, Condition> = {
  'malformed-action': 'bad-request', // the action is none XEP-0050 defines
  'bad-action': 'bad-request', // an action this stage does not offer
  'bad-locale': 'bad-request',
  'bad-payload': 'bad-request', // the form is missing, malformed or lacks a required field
  'bad-sessionid': 'bad-request', // no session of ours for this requester and node
  'session-expired': 'not-allowed', // ours, but completed, canceled or timed out
}

export class CommandError extends StanzaError {
  /** The application-specific condition element: <name xmlns='http://jabber.org/protocol/commands'/>. */
  readonly app: { readonly name: CommandCondition; readonly ns: string }

  constructor(condition: CommandCondition, text?: string, options?: { cause?: unknown }) {
    super(GENERAL[condition], text, options)
    this.app = { name: condition, ns: NS_COMMANDS }
  }
}
