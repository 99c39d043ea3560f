// A router with the XEP-0050 command handler beside the real dispatch table, over a fake Lattice
// (in-memory nick registry, a fixed cluster and neighbours) and the real Accounts table in memory.
// The handler is wrapped so tests also see the CommandError behind each error reply: its
// XEP-0050 application condition (<bad-sessionid/> ...) is carried in `app`.
import assert from 'node:assert/strict'
import { StoredAccounts } from '../../../component/accounts-store.js'
import { NS_COMMANDS } from '../../../component/commands/command.js'
import { CommandError } from '../../../component/commands/errors.js'
import type { IqHandler } from '../../../component/handler.js'
import { type CommandHandlerInit, commandHandler } from '../../../component/handlers/commands.js'
import { HANDLERS } from '../../../component/handlers/index.js'
import { staticNickDirectory } from '../../../component/nicks.js'
import { ignorePresence } from '../../../component/presence.js'
import { Router } from '../../../component/router.js'
import type { Element } from '../../../component/xml.js'
import { FakeLattice } from './fake-lattice.js'
import { parse } from './stanza-helpers.js'

export { NS_COMMANDS }
export { CLUSTER, FakeLattice, NEIGHBOURS, NODE_ID } from './fake-lattice.js'
export const D = 'lattice.example.org'
export const ALICE = 'alice@a.example/phone'
export const ALICE_LAPTOP = 'alice@a.example/laptop'
export const BOB = 'bob@b.example/tablet'
export const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
export interface CommandsSetup {
  lattice?: FakeLattice
  handler?: CommandHandlerInit
}

export function setupCommands(opts: CommandsSetup = {}) {
  const lattice = opts.lattice ?? new FakeLattice()
  const accounts = StoredAccounts.inMemory(lattice)
  const inner = commandHandler(opts.handler)
  const thrown: unknown[] = []
  const spied: IqHandler = {
    ...inner,
    async handle(ctx) {
      try {
        return await inner.handle(ctx)
      } catch (err) {
        thrown.push(err)
        throw err
      }
    },
  }
  const sent: Element[] = []
  // Once the lead lists the command handler in HANDLERS, ours replaces it rather than clashing.
  const others = HANDLERS.filter((h) => !(h.kind === 'iq' && h.ns === NS_COMMANDS))
  const router = new Router({
    handlers: [...others, spied],
    services: {
      domain: D,
      software: { name: 'XLattice Chat', version: '9.9.9' },
      nicks: staticNickDirectory([]),
      lattice,
      accounts,
      presence: ignorePresence,
    },
    send: async (el) => {
      sent.push(el)
    },
    rate: { perSec: 1e9, burst: 1e9 }, // the hostile tests send thousands from one JID
  })

  /** Feeds one stanza; asserts it got exactly one answer (by id: calls may overlap) and returns it. */
  const one = async (stanza: string | Element): Promise<Element> => {
    const el = typeof stanza === 'string' ? parse(stanza) : stanza
    const before = sent.length
    await router.handle(el)
    const out = sent.slice(before).filter((r) => r.attrs.id === el.attrs.id)
    assert.equal(out.length, 1, `exactly one reply, got ${out.length}`)
    return out[0]
  }

  let n = 0
  /** Sends <command/> with these attributes (and children) from `from`; the reply. */
  const command = (from: string, attrs: Record<string, string>, inner = ''): Promise<Element> => {
    const a = Object.entries(attrs)
      .map(([k, v]) => ` ${k}='${v}'`)
      .join('')
    return one(
      `<iq type='set' id='c${++n}' from='${from}' to='${D}'><command xmlns='${NS_COMMANDS}'${a}>${inner}</command></iq>`,
    )
  }

  /** The <command/> of a result reply (asserts the reply is one). */
  const commandOf = (reply: Element): Element => {
    assert.equal(reply.attrs.type, 'result', `expected a result, got ${reply.toString()}`)
    const c = reply.getChild('command', NS_COMMANDS)
    assert.ok(c, `no <command/> in ${reply.toString()}`)
    return c
  }

  /** Starts `node` for `from`: the first stage's <command/>. */
  const execute = async (from: string, node: string): Promise<Element> =>
    commandOf(await command(from, { node, action: 'execute' }))

  /**
   * Asserts an error reply with this condition and type whose handler threw a CommandError with
   * this XEP-0050 condition; and, where the reply already carries application conditions, that it
   * carries this one.
   */
  const assertCommandError = (reply: Element, condition: string, type: string, app: string): void => {
    assert.equal(reply.attrs.type, 'error', `expected an error, got ${reply.toString()}`)
    const error = reply.getChild('error')!
    assert.equal(error.attrs.type, type)
    assert.ok(error.getChild(condition, STANZAS), `no ${condition} in ${reply.toString()}`)
    const last = thrown.at(-1)
    assert.ok(last instanceof CommandError, `the handler threw ${String(last)}`)
    assert.deepEqual(last.app, { name: app, ns: NS_COMMANDS })
    const carried = error.getChildElements().filter((c) => c.attrs.xmlns === NS_COMMANDS)
    assert.ok(carried.length === 0 || (carried.length === 1 && carried[0].name === app), reply.toString())
  }

  return { router, lattice, accounts, sent, thrown, one, command, commandOf, execute, assertCommandError }
}

/** A submitted form (XEP-0004 type submit) as literal XML. */
export function submit(fields: Record<string, string | string[]>, formType?: string): string {
  const f = Object.entries(fields).map(
    ([k, v]) =>
      `<field var='${k}'>${(Array.isArray(v) ? v : [v]).map((x) => `<value>${x}</value>`).join('')}</field>`,
  )
  const ft =
    formType === undefined ? '' : `<field var='FORM_TYPE' type='hidden'><value>${formType}</value></field>`
  return `<x xmlns='jabber:x:data' type='submit'>${ft}${f.join('')}</x>`
}

/** The values of a form's field, by var. */
export function valuesOf(x: Element, v: string): string[] {
  const f = x.getChildren('field').find((f) => f.attrs.var === v)
  assert.ok(f, `no field ${v} in ${x.toString()}`)
  return f.getChildren('value').map((e) => e.getText())
}
