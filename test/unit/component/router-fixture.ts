// A router over the real dispatch table with a fake connection, for the router and handler specs.
import assert from 'node:assert/strict'
import { StoredAccounts } from '../../../component/accounts-store.js'
import { HANDLERS } from '../../../component/handlers/index.js'
import { detachedLattice } from '../../../component/lattice.js'
import { ignorePresence } from '../../../component/presence.js'
import { staticNickDirectory } from '../../../component/nicks.js'
import { Router, type RouterOptions } from '../../../component/router.js'
import type { Element } from '../../../component/xml.js'
import { parse } from './stanza-helpers.js'

export const D = 'lattice.example.org'
export const ALICE = 'alice@a.example/phone'
export const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'

export function setup(opts: Partial<RouterOptions> = {}) {
  const sent: Element[] = []
  const router = new Router({
    handlers: HANDLERS,
    services: {
      domain: D,
      software: { name: 'XLattice Chat', version: '9.9.9' },
      nicks: staticNickDirectory(['alice', 'berlin.bob']),
      lattice: detachedLattice,
      accounts: StoredAccounts.inMemory(detachedLattice),
      presence: ignorePresence,
    },
    send: async (el) => {
      sent.push(el)
    },
    ...opts,
  })
  /** Feeds one literal stanza and returns what the router sent for it. */
  const exchange = async (text: string | Element): Promise<Element[]> => {
    const before = sent.length
    await router.handle(typeof text === 'string' ? parse(text) : text)
    return sent.slice(before)
  }
  const one = async (text: string): Promise<Element> => {
    const out = await exchange(text)
    assert.equal(out.length, 1, `exactly one reply to ${text}, got ${out.length}`)
    return out[0]
  }
  return { router, sent, exchange, one }
}

export const errorOf = (condition: string, type: string) =>
  `<error type='${type}'><${condition} xmlns='${STANZAS}'/></error>`
