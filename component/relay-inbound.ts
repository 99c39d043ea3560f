/**
 * The receiving half of nick messaging: takes the relays other home nodes (or this one) queued
 * for users of this node, in arrival order, and delivers each to its user's real JID from
 * `sender@D` through Delivery. A relay leaves the node's queue only once the XMPP server has
 * acknowledged its stanza (delivery.ts); one that cannot be delivered now stays queued and is
 * retried in order.
 *
 * Relays that can never be delivered are dropped with a count, not retried: a payload that is
 * not a relay, a sender nick whose home is not the node that sent it (forged) or that the
 * registry does not know (after a short wait), children that do not parse or would not fit, or
 * a nick nobody here holds any more. Senders are judged only once the registry is open: a
 * restarted node's relays wait for it (they were acknowledged to their senders already).
 */
import type { Logger } from 'pino'
import type { Accounts } from './accounts.js'
import { isValidNick } from './address.js'
import type { Delivery } from './delivery.js'
import { StanzaTooLargeError } from './errors.js'
import { type InboundPayload, type Lattice, type NickBinding, registryOpen } from './lattice.js'
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
  /** How long a relay waits for an opening registry before it is retried later (REGISTRY_WAIT_MS). */
  registryWaitMs?: number
  /** How long relays from a sender the open registry does not know wait for it; default 3 s. */
  unknownSenderWaitMs?: number
  log: Logger
}

/** How long relays from a nick this node's registry does not know yet wait for it, by default. */
const UNKNOWN_SENDER_WAIT_MS = 3000
/** ... and how often the queue may wait so, whoever sends. */
const UNKNOWN_SENDER_EVERY_MS = 30_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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
  // A nick registered a moment ago at another member may not be applied here yet: wait for it a
  // little, in a window opened at most once per UNKNOWN_SENDER_EVERY_MS, so nodes naming made-up
  // nicks cannot hold the queue (every user's messages wait behind it) more than a tenth of the
  // time. Relays handed over while a window is open wait in it too: a new user's first few
  // messages arrive together, and all of them are waited for, not only the first.
  let windowStart = Number.NEGATIVE_INFINITY
  const registered = async (nick: string): Promise<NickBinding | undefined> => {
    const now = Date.now()
    if (now - windowStart >= UNKNOWN_SENDER_EVERY_MS) windowStart = now
    while (Date.now() < windowStart + (o.unknownSenderWaitMs ?? UNKNOWN_SENDER_WAIT_MS)) {
      await sleep(50)
      const found = o.lattice.nick(nick)
      if (found !== undefined) return found
    }
    return undefined
  }
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
    // After a restart the registry may not be open yet: judged now, every sender would be
    // unknown and its relays dropped. Waited for; past the wait, the rejection leaves the relay
    // queued and the queue tries again after a backoff.
    await registryOpen(o.lattice, o.registryWaitMs)
    // A node speaks only for the nicks whose home it is: anything else would let one member
    // write in another user's name.
    if (!isValidNick(relay.fromNick))
      return drop('forged-sender', { from, nick: relay.fromNick.slice(0, 40) })
    const sender = o.lattice.nick(relay.fromNick) ?? (await registered(relay.fromNick))
    if (sender === undefined) return drop('unknown-sender', { from, nick: relay.fromNick })
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
    try {
      await o.delivery.deliver(stanza)
    } catch (err) {
      // Never deliverable (the server would close the stream): dropped, not retried forever.
      if (err instanceof StanzaTooLargeError) return drop('too-large', { from, err: err.message })
      throw err
    }
    stats.delivered++
  }
  const stop = o.lattice.consume(take)
  return { stop, stats: () => ({ delivered: stats.delivered, dropped: { ...stats.dropped } }) }
}
