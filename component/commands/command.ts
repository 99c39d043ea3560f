/**
 * The shape of an ad-hoc command at D. Each file in commands/ exports one Command; commands/index.ts
 * lists them; handlers/commands.ts runs them: it owns sessions, actions and errors, so a command
 * only says what each stage shows. A command answers its first stage (execute) either with a
 * final result (completed) or with a form to fill in (executing); complete() then gets the
 * submitted form and the state the first stage kept.
 *
 * A StanzaError thrown by execute() or complete() ends the command as completed with an error
 * note carrying the error's text (XEP-0050 §3.6: a failed command is completed with at least
 * one <note type='error'/>); a FormError from complete() is a bad-payload error and the session
 * stays open for another try.
 *
 * References: XEP-0050 §2.4.1 (single stage), §2.4.2 (multiple stages), §4.3 (<note/> types).
 */
import type { HandlerServices } from '../handler.js'
import type { SubmittedForm } from '../forms.js'
import type { Jid } from '../jid.js'
import type { Element } from '../xml.js'

export const NS_COMMANDS = 'http://jabber.org/protocol/commands'

/** XEP-0050 §4.3: info (the default), warn, error. */
export interface Note {
  type: 'info' | 'warn' | 'error'
  text: string
}

export interface CommandContext {
  /** The requester, validated, never under D (the router drops those). */
  readonly from: Jid
  readonly services: HandlerServices
}

/** What one stage answers. */
export type Stage<S> =
  /** A form to fill in; `state` comes back to complete() with the submission. */
  | { status: 'executing'; form: Element; state: S; notes?: Note[] }
  /** The end: notes, and optionally a result form (XEP-0004 type result). */
  | { status: 'completed'; notes?: Note[]; form?: Element }

export interface Command<S = any> {
  /** The disco node (XEP-0050 §3.2: unique at D, matched exactly). */
  readonly node: string
  /** The label clients show in their command menu. */
  readonly name: string
  execute(ctx: CommandContext): Promise<Stage<S>> | Stage<S>
  /** The submitted form, read and FORM_TYPE-checked by the handler. Single-stage commands omit it. */
  complete?(ctx: CommandContext, form: SubmittedForm, state: S): Promise<Stage<S>> | Stage<S>
}

export const info = (text: string): Note => ({ type: 'info', text })
export const warn = (text: string): Note => ({ type: 'warn', text })
export const error = (text: string): Note => ({ type: 'error', text })

/** A completed stage that is only a note. */
export const done = (note: Note): Stage<never> => ({ status: 'completed', notes: [note] })
