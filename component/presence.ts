/**
 * Presence for nicks (issue part 7): users of other servers subscribe to `bob@D` and see bob
 * come and go. Three parties:
 *
 * - **Bob's home node** learns bob's availability from bob's own server: after bob registers,
 *   D asks to subscribe to bob's presence (`subscribe` from D), and once bob's client approved,
 *   the server sends D every change. D keeps bob's available resources in memory.
 * - **Watchers**: a node with subscribers to bob tells bob's home once (a `subscribe` relay);
 *   the home remembers that node and sends it bob's availability now and at every change (an
 *   availability relay: presence from bob, type '' or `unavailable`, `<show/>` and `<status/>`).
 * - **Subscribers**: D approves every subscription to an existing nick at once (`subscribed`
 *   from nick@D), remembers the subscriber, answers probes from the last availability it heard,
 *   and fans each availability relay out to the nick's subscribers on its server.
 *
 * Subscribers and watchers are kept in the store; availability is not (after a restart the home
 * probes its users again and watchers ask again, so it is rebuilt within a round trip).
 * References: RFC 6121 §3 (subscriptions: subscribe, subscribed, unsubscribe, unsubscribed),
 * §4.3 (probes), §4.5 (unavailable presence), XEP-0100 §4.1 (a gateway subscribes to its user).
 */
import type { Logger } from 'pino'
import type { Store } from '../lib/store/index.js'
import type { Accounts } from './accounts.js'
import type { Jid } from './jid.js'
import { type Lattice, registryOpen } from './lattice.js'
import { encodeRelay, RELAY_VERSION, RelayError, relayedStanza } from './relay.js'
import type { Relay } from './relay.pb.js'
import { type Element, xml } from './xml.js'

const SUBSCRIBER = 's!'
const WATCHER = 'w!'
/** Children of an availability worth relaying (RFC 6121 §4.7); the rest stays with the server. */
const RELAYED = new Set(['show', 'status'])
const EMPTY = new Uint8Array(0)
/** A presence with show and status; anything larger from a home node is not passed on. */
const MAX_PRESENCE_BYTES = 8 * 1024
const UNAVAILABLE: Relay = {
  version: RELAY_VERSION,
  stanza: 'presence',
  fromNick: '',
  toNick: '',
  type: 'unavailable',
  id: '',
  lang: '',
  children: '',
}

export interface PresenceOptions {
  domain: string
  lattice: Lattice
  accounts: Accounts
  store: Store
  send(el: Element): Promise<void>
  log: Logger
}

export class PresenceService {
  readonly #o: PresenceOptions
  /** Local subscribers (bare JIDs on this server) of each nick. */
  readonly #subscribers = new Map<string, Set<string>>()
  /** Nodes watching each of this node's users. */
  readonly #watchers = new Map<string, Set<string>>()
  /** Last availability relay heard for a nick (from its home). */
  readonly #heard = new Map<string, Relay>()
  /** Available resources of this node's users, as their server reported them. */
  readonly #resources = new Map<string, Map<string, string>>()

  private constructor(o: PresenceOptions) {
    this.#o = o
  }

  static async open(o: PresenceOptions): Promise<PresenceService> {
    const p = new PresenceService(o)
    for await (const [key] of o.store.entries({ gte: SUBSCRIBER, lt: `${SUBSCRIBER}~` }))
      add(p.#subscribers, ...split(key.slice(SUBSCRIBER.length)))
    for await (const [key] of o.store.entries({ gte: WATCHER, lt: `${WATCHER}~` }))
      add(p.#watchers, ...split(key.slice(WATCHER.length)))
    return p
  }

  /** After (re)connecting: probe this node's users, and ask each watched nick's home again. */
  async resume(): Promise<void> {
    for (const account of this.#o.accounts.list()) {
      const probe = xml('presence', { from: this.#o.domain, to: account.jid, type: 'probe' })
      await this.#o.send(probe).catch(() => {})
    }
    for (const nick of this.#subscribers.keys()) await this.#watch(nick).catch(() => {})
  }

  /** Once a user registered: D asks to see the user's presence (XEP-0100 §4.1). */
  async registered(jid: string): Promise<void> {
    await this.#o.send(xml('presence', { from: this.#o.domain, to: jid, type: 'subscribe' }))
  }

  /** Presence from a user of this server to `nick@D`. */
  async toNick(stanza: Element, from: Jid, nick: string): Promise<void> {
    const me = `${nick}@${this.#o.domain}`
    const type = stanza.attrs.type
    if (type === 'subscribe') {
      await registryOpen(this.#o.lattice)
      if (this.#o.lattice.nick(nick) === undefined)
        return this.#o.send(xml('presence', { from: me, to: from.bare, type: 'unsubscribed' }))
      const first = !this.#subscribers.has(nick)
      await this.#o.store.put(`${SUBSCRIBER}${nick}\n${from.bare}`, EMPTY, { sync: true })
      add(this.#subscribers, nick, from.bare)
      await this.#o.send(xml('presence', { from: me, to: from.bare, type: 'subscribed' }))
      if (first) await this.#watch(nick)
      else await this.#tell(nick, from.bare)
      return
    }
    if (type === 'unsubscribe') {
      await this.#o.store.del(`${SUBSCRIBER}${nick}\n${from.bare}`, { sync: true })
      this.#subscribers.get(nick)?.delete(from.bare)
      return this.#o.send(xml('presence', { from: me, to: from.bare, type: 'unsubscribed' }))
    }
    if (type === 'probe' && this.#subscribers.get(nick)?.has(from.bare)) return this.#tell(nick, from.bare)
    // subscribed/unsubscribed (nicks never ask), directed presence, errors: nothing to do.
  }

  /** Presence from a user of this server to D itself: its availability, or a subscription to D. */
  async toService(stanza: Element, from: Jid): Promise<void> {
    const type = stanza.attrs.type
    if (type === 'subscribe') {
      return this.#o.send(xml('presence', { from: this.#o.domain, to: from.bare, type: 'subscribed' }))
    }
    if (type === 'probe') return this.#o.send(xml('presence', { from: this.#o.domain, to: from.bare }))
    if (type !== undefined && type !== 'unavailable') return
    const account = this.#o.accounts.of(from.bare)
    if (account === undefined) return
    const resources = this.#resources.get(account.nick) ?? new Map<string, string>()
    const key = from.resource ?? ''
    if (type === 'unavailable') resources.delete(key)
    else resources.set(key, relayedChildren(stanza))
    if (resources.size === 0) this.#resources.delete(account.nick)
    else this.#resources.set(account.nick, resources)
    await this.#announce(account.nick)
  }

  /** A presence relay from node `from` (relay-inbound.ts checked an availability's sender). */
  async relayed(relay: Relay, from: string): Promise<void> {
    if (relay.type === 'subscribe') {
      if (this.#o.accounts.byNick(relay.toNick) === undefined) return
      if (!this.#watchers.get(relay.toNick)?.has(from)) {
        await this.#o.store.put(`${WATCHER}${relay.toNick}\n${from}`, EMPTY, { sync: true })
        add(this.#watchers, relay.toNick, from)
      }
      return this.#o.lattice.send(from, this.#availabilityRelay(relay.toNick))
    }
    if (relay.type !== '' && relay.type !== 'unavailable') return
    // Kept only for nicks someone here subscribes to (a home may send more; nothing else is cached).
    if (!this.#subscribers.has(relay.fromNick)) return
    this.#heard.set(relay.fromNick, relay)
    for (const jid of this.#subscribers.get(relay.fromNick) ?? []) await this.#tell(relay.fromNick, jid)
  }

  status() {
    return {
      subscribers: [...this.#subscribers.values()].reduce((n, s) => n + s.size, 0),
      watchers: [...this.#watchers.values()].reduce((n, s) => n + s.size, 0),
      available: this.#resources.size,
    }
  }

  /** Asks nick's home to keep this node informed (it answers with the availability now). */
  async #watch(nick: string): Promise<void> {
    await registryOpen(this.#o.lattice)
    const binding = this.#o.lattice.nick(nick)
    if (binding === undefined) return
    const watch = xml('presence', { type: 'subscribe' })
    await this.#o.lattice.send(binding.home, encodeRelay(watch, '', nick))
  }

  /** Sends what is known of nick's availability to one subscriber (unavailable when nothing is). */
  async #tell(nick: string, jid: string): Promise<void> {
    const heard = this.#heard.get(nick) ?? UNAVAILABLE
    let el: Element
    try {
      el = relayedStanza(heard, `${nick}@${this.#o.domain}`, jid, MAX_PRESENCE_BYTES)
    } catch (err) {
      if (!(err instanceof RelayError)) throw err
      el = relayedStanza(UNAVAILABLE, `${nick}@${this.#o.domain}`, jid, MAX_PRESENCE_BYTES)
    }
    await this.#o.send(el).catch((err) => this.#o.log.debug({ err }, 'presence not sent'))
  }

  /** One of this node's users changed availability: tell every watcher. */
  async #announce(nick: string): Promise<void> {
    const payload = this.#availabilityRelay(nick)
    for (const node of this.#watchers.get(nick) ?? []) {
      await this.#o.lattice
        .send(node, payload)
        .catch((err) => this.#o.log.warn({ err: err.message, node }, 'presence not relayed'))
    }
  }

  #availabilityRelay(nick: string): Uint8Array {
    const resources = this.#resources.get(nick)
    const el = xml('presence', resources === undefined ? { type: 'unavailable' } : {})
    // The first available resource's show/status stand for the user.
    const children = resources === undefined ? '' : ([...resources.values()][0] ?? '')
    return encodeRelay(el, nick, '', children)
  }
}

function relayedChildren(stanza: Element): string {
  return stanza
    .getChildElements()
    .filter((c) => RELAYED.has(c.name) && (c.attrs.xmlns === undefined || c.attrs.xmlns === 'jabber:client'))
    .map((c) => c.toString())
    .join('')
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  set.add(value)
}

function split(rest: string): [string, string] {
  const nl = rest.indexOf('\n')
  return [rest.slice(0, nl), rest.slice(nl + 1)]
}

/** Presence ignored (router tests that are about something else). */
export const ignorePresence: Pick<PresenceService, 'toNick' | 'toService'> = {
  toNick: async () => {},
  toService: async () => {},
}
