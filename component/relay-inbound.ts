/**
 * The receiving half of nick messaging: takes the relays other home nodes (or this one) queued
 * for users of this node, in arrival order, and delivers each to its user's real JID from
 * `sender@D` through Delivery. A relay leaves the node's queue only once the XMPP server has
 * acknowledged its stanza (delivery.ts); one that cannot be delivered now stays queued and is
 * retried in order.
 *
 * Relays that can never be delivered are dropped with a count, not retried: a payload that is
 * not a relay, a sender nick whose home is not the node that sent it (forged), children that
 * do not parse, or a nick nobody here holds any more.
 */
import type { Logger } from 'pino'
import type { Accounts } from './accounts.js'
import { isValidNick } from './address.js'
import type { Delivery } from './delivery.js'
import type { InboundPayload, Lattice } from './lattice.js'
import { decodeRelay, RelayError, relayedStanza } from './relay.js'
import type { Relay } from './relay.pb.js'

export interface RelayInboundOptions {
  domain: string
  lattice: Lattice
  accounts: Accounts
  delivery: Pick<Delivery, 'deliver'>
  maxStanzaBytes: number
  /** Presence relays go here (presence.ts); messages are delivered directly. */
  presence?(relay: Relay, from: string): Promise<void>
  log: Logger
}

/** How long a relay from a nick this node's registry does not know yet is retried before dropped. */
const UNKNOWN_SENDER_GRACE_MS = 30_000

export interface RelayInboundStats {
  delivered: number
  dropped: Record<string, number>
}

export function startRelayInbound(o: RelayInboundOptions): { stop(): void; stats(): RelayInboundStats } {
  const stats: RelayInboundStats = { delivered: 0, dropped: {} }
  const drop = (reason: string, detail: object) => {
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1
    o.log.warn({ reason, ...detail }, 'relayed stanza dropped')
  }
  const unknownSince = new Map<string, number>()
  const take = async ({ from, payload }: InboundPayload): Promise<void> => {
    let relay: Relay
    try {
      relay = decodeRelay(payload)
    } catch (err) {
      if (!(err instanceof RelayError)) throw err
      return drop('not-a-relay', { from, err: err.message })
    }
    // A watch request speaks for the node that sent it (authenticated by messaging), not a nick.
    const watch = relay.stanza === 'presence' && (relay.type === 'subscribe' || relay.type === 'unsubscribe')
    if (watch) return o.presence?.(relay, from)
    // A node speaks only for the nicks whose home it is: anything else would let one member
    // write in another user's name.
    if (!isValidNick(relay.fromNick))
      return drop('forged-sender', { from, nick: relay.fromNick.slice(0, 40) })
    const sender = o.lattice.nick(relay.fromNick)
    if (sender === undefined) {
      // Registered a moment ago and not applied here yet: retried (the queue waits) for a while.
      const key = `${from}\n${relay.fromNick}`
      const since = unknownSince.get(key) ?? Date.now()
      unknownSince.set(key, since)
      if (Date.now() - since < UNKNOWN_SENDER_GRACE_MS)
        throw new Error(`sender nick ${relay.fromNick} not in the registry here yet`)
      unknownSince.delete(key)
      return drop('unknown-sender', { from, nick: relay.fromNick })
    }
    if (unknownSince.size > 0) unknownSince.delete(`${from}\n${relay.fromNick}`)
    if (sender.home !== from) return drop('forged-sender', { from, nick: relay.fromNick })
    if (relay.stanza === 'presence') {
      if (o.presence !== undefined) await o.presence(relay, from)
      return
    }
    const account = o.accounts.byNick(relay.toNick)
    if (account === undefined) return drop('unknown-nick', { from, nick: relay.toNick.slice(0, 40) })
    let stanza: ReturnType<typeof relayedStanza>
    try {
      stanza = relayedStanza(relay, `${relay.fromNick}@${o.domain}`, account.jid, o.maxStanzaBytes)
    } catch (err) {
      if (!(err instanceof RelayError)) throw err
      return drop('bad-children', { from, err: err.message })
    }
    await o.delivery.deliver(stanza)
    stats.delivered++
  }
  const stop = o.lattice.consume(take)
  return { stop, stats: () => ({ delivered: stats.delivered, dropped: { ...stats.dropped } }) }
}
