/**
 * XEP-0050 ad-hoc commands at the service D: one IQ handler for <command/> sets, dispatching by
 * node to the commands in commands/ (one file each). This handler owns the protocol: sessions,
 * actions, forms and errors; a command only says what each stage shows (commands/command.ts).
 *
 * One request, first failure wins:
 *   node is no command                        -> item-not-found                  (§4.4)
 *   action is none of execute/cancel/prev/next/complete -> bad-request <malformed-action/> (§4.4)
 *   no sessionid: execute starts the command  -> its form (executing) or its result (completed);
 *                 any other action            -> bad-request <bad-sessionid/>
 *   sessionid not ours for this full JID and node -> bad-request <bad-sessionid/> (§3.3, §4.4)
 *   cancel                                    -> status canceled (§2.4.3); also for a session that
 *                                                already ended, so a late cancel button never fails
 *   session ended (completed, canceled, timed out, pushed out; a replayed complete)
 *                                             -> not-allowed <session-expired/>   (§4.4)
 *   prev or next                              -> bad-request <bad-action/> (stages offer complete only)
 *   execute on an open session                -> complete, the stage's default (§4.2)
 *   execute or complete without a readable form, with another FORM_TYPE, a missing required field
 *   or a value over 1 KiB                     -> bad-request <bad-payload/>; the session stays open
 *   complete                                  -> the command's result (completed)
 * A StanzaError from the command itself (a nick taken, no cluster yet) is not an IQ error: the
 * command completes with <note type='error'/> carrying its text (§3.6).
 *
 * Answers say xml:lang='en' (§3.7): D speaks English only, and answers a request in another
 * language in English rather than with <bad-locale/>, which would lock out most clients.
 *
 * References: XEP-0050 §2.4 (execution, stages, canceling), §3.3 (session lifetime), §3.4 (every
 * stage but the last has <actions/>), §3.5.1 (a form of type cancel is read as submit), §3.6
 * (failure), §4.1 (sessionid never empty; the status from a requester is ignored), §4.2
 * (<actions execute='complete'/> makes the action execute mean complete), §4.4 (errors).
 */
import type { Command, CommandContext, Stage } from '../commands/command.js'
import { error, NS_COMMANDS } from '../commands/command.js'
import { CommandError } from '../commands/errors.js'
import { COMMANDS } from '../commands/index.js'
import { type SessionOptions, Sessions } from '../commands/sessions.js'
import { StanzaError } from '../errors.js'
import { FormError, formIn, formTypeOf, parseForm } from '../forms.js'
import type { HandlerServices, IqHandler } from '../handler.js'
import { type Element, xml } from '../xml.js'

export { NS_COMMANDS }

const ACTIONS = new Set(['execute', 'cancel', 'prev', 'next', 'complete'])

export interface CommandHandlerInit {
  commands?: readonly Command[]
  /** Limits of each session table (one per router, i.e. per HandlerServices). */
  sessions?: SessionOptions
  /** One table for every router (tests that look into it); default: one per router. */
  table?: Sessions
}

export function commandHandler(init: CommandHandlerInit = {}): IqHandler {
  const byNode = new Map((init.commands ?? COMMANDS).map((c) => [c.node, c]))
  // Keyed by the router's services object, so two routers in one process never share sessions.
  const tables = new WeakMap<HandlerServices, Sessions>()
  const tableOf = (services: HandlerServices): Sessions => {
    if (init.table) return init.table
    let t = tables.get(services)
    if (t === undefined) {
      t = new Sessions(init.sessions)
      tables.set(services, t)
    }
    return t
  }

  return {
    kind: 'iq',
    type: 'set',
    ns: NS_COMMANDS,
    element: 'command',
    targets: ['service'],
    async handle({ payload, from, services }) {
      const node = payload.attrs.node
      const command = typeof node === 'string' ? byNode.get(node) : undefined
      if (command === undefined) throw new StanzaError('item-not-found', 'no such command')
      const action = payload.attrs.action ?? 'execute'
      if (!ACTIONS.has(action)) throw new CommandError('malformed-action', 'unknown action')
      const sessions = tableOf(services)
      const ctx: CommandContext = { from, services }
      const sid = payload.attrs.sessionid
      // §4.1: a sessionid is never empty; an empty one is read as none.
      if (typeof sid !== 'string' || sid === '') {
        if (action !== 'execute') {
          throw new CommandError('bad-sessionid', `${action} needs the sessionid of a running command`)
        }
        const stage = await attempt(() => command.execute(ctx))
        const id =
          stage.status === 'executing'
            ? sessions.open(from, command.node, stage.state, formTypeOf(stage.form))
            : sessions.mint(from, command.node)
        return answer(command.node, id, stage)
      }

      const found = sessions.take(from, command.node, sid)
      if (found.kind === 'foreign') throw new CommandError('bad-sessionid', 'no such session of yours')
      if (action === 'cancel') return answer(command.node, sid, 'canceled')
      if (found.kind === 'ended') {
        throw new CommandError('session-expired', 'this command has ended or timed out; run it again')
      }
      const session = found.session
      if (action === 'prev' || action === 'next') {
        sessions.restore(sid, session)
        throw new CommandError('bad-action', `this stage offers complete, not ${action}`)
      }
      if (command.complete === undefined) throw new Error(`command ${command.node} has no second stage`)
      let stage: Stage<unknown>
      try {
        const x = formIn(payload)
        if (x === undefined) throw new FormError('malformed', 'submit the form')
        const form = parseForm(x, { formType: session.formType, types: ['submit', 'cancel'] })
        stage = await attempt(() => command.complete!(ctx, form, session.state))
      } catch (err) {
        if (!(err instanceof FormError)) throw err
        sessions.restore(sid, session)
        throw new CommandError('bad-payload', err.text, { cause: err })
      }
      if (stage.status === 'executing') {
        sessions.open(from, command.node, stage.state, formTypeOf(stage.form), sid)
      }
      return answer(command.node, sid, stage)
    },
  }
}

/** The dispatch-table entry: XEP-0050 commands at D. */
export const commands: IqHandler = commandHandler()

/** Runs a stage; a command's own StanzaError ends it with an error note (§3.6). */
async function attempt<S>(run: () => Promise<Stage<S>> | Stage<S>): Promise<Stage<S>> {
  try {
    return await run()
  } catch (err) {
    if (!(err instanceof StanzaError) || err instanceof FormError || err instanceof CommandError) throw err
    return { status: 'completed', notes: [error(err.text ?? `The command failed (${err.condition}).`)] }
  }
}

/** The <command/> of a result. References: XEP-0050 §4.1-4.3. */
function answer(node: string, sessionid: string, stage: Stage<unknown> | 'canceled'): Element {
  const status = stage === 'canceled' ? 'canceled' : stage.status
  const el = xml('command', { xmlns: NS_COMMANDS, node, sessionid, status, 'xml:lang': 'en' })
  if (stage === 'canceled') return el
  if (stage.status === 'executing') el.append(xml('actions', { execute: 'complete' }, xml('complete')))
  for (const n of stage.notes ?? []) el.append(xml('note', { type: n.type }, n.text))
  if (stage.form !== undefined) el.append(stage.form)
  return el
}
