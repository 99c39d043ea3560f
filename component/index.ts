/**
 * The XMPP side's composition root: one connection (connection.ts) to the operator's Prosody or
 * ejabberd as component domain D, one router (router.ts) over the dispatch table (handlers/).
 *
 *     const c = await startComponent({ domain: 'lattice.example.org', host: '127.0.0.1', port: 5347,
 *                                      secret, version: '0.1.0' })
 *     c.status()     // connection state, reconnects, last error, stanza counts, features
 *     await c.stop()
 */
import type { Logger } from 'pino'
import { logger } from '../lib/log.js'
import { MemoryStore, type Store } from '../lib/store/index.js'
import type { Accounts } from './accounts.js'
import { StoredAccounts } from './accounts-store.js'
import type { BackoffOptions } from './backoff.js'
import { Connection, type ConnectionStatus } from './connection.js'
import { Delivery } from './delivery.js'
import { NotConnectedError } from './errors.js'
import type { Handler } from './handler.js'
import { HANDLERS } from './handlers/index.js'
import { detachedLattice, type Lattice, latticeNicks } from './lattice.js'
import { emptyNickDirectory, type NickDirectory } from './nicks.js'
import { PresenceService } from './presence.js'
import { type RelayInboundStats, startRelayInbound } from './relay-inbound.js'
import { Router, type RouterStats } from './router.js'
import type { Element } from './xml.js'

export { Address, type AddressKind, type Target } from './address.js'
export { AddressError, StanzaError } from './errors.js'
export type { Handler, HandlerServices } from './handler.js'
export { HANDLERS } from './handlers/index.js'
export { Jid, escapeLocal, unescapeLocal } from './jid.js'
export type { Account, Accounts } from './accounts.js'
export { StoredAccounts } from './accounts-store.js'
export { detachedLattice, type Lattice, type NickBinding, type NickOutcome } from './lattice.js'
export { emptyNickDirectory, type NickDirectory, type NickRecord, staticNickDirectory } from './nicks.js'

/** 256 KiB, Prosody's c2s_stanza_size_limit: what a client can send us through the server anyway. */
export const DEFAULT_MAX_STANZA_BYTES = 256 * 1024

export interface ComponentOptions {
  /** The component domain D; one per node (Prosody allows one connection per component domain). */
  domain: string
  /** The XMPP server's component listener. */
  host: string
  port: number
  secret: string
  /** Software version for XEP-0092. */
  version: string
  /** Software name for XEP-0092; default "XLattice Chat". */
  name?: string
  /** Nick bindings; default: none (every nick@D is item-not-found). */
  nicks?: NickDirectory
  /** The node behind D; default: none (no cluster, registration answers "not in a cluster yet"). */
  lattice?: Lattice
  /** Who registered which nick here; default: an in-memory table over `lattice`. */
  accounts?: Accounts
  /** Where subscriptions to nicks are kept (the node's `xmpp` sublevel); default: in memory. */
  store?: Store
  maxStanzaBytes?: number
  /** Per-sender rate of IQs and presence; default 20/s, burst 60. */
  rate?: { perSec: number; burst: number }
  /** Per-sender rate of messages; default 3,000/s, burst 6,000 (router.ts DEFAULT_MESSAGE_RATE). */
  messageRate?: { perSec: number; burst: number }
  maxInFlight?: number
  handlerTimeoutMs?: number
  backoff?: BackoffOptions & { conflictMs?: number; stableMs?: number }
  timeoutMs?: number
  /** The dispatch table; default HANDLERS. */
  handlers?: readonly Handler[]
  /** Resolve only once online, failing after this many ms; default: resolve at once. */
  waitOnlineMs?: number
  log?: Logger
}

export interface ComponentStatus extends ConnectionStatus {
  router: RouterStats
  /** The disco#info features of D. */
  features: string[]
  /**
   * Relayed stanzas delivered to the server and acknowledged, dropped by reason, failed
   * attempts, and the pings that acknowledged them (one covers many under load).
   */
  relay: RelayInboundStats & { acknowledged: number; failed: number; pings: number }
  presence: ReturnType<PresenceService['status']>
}

export interface RunningComponent {
  readonly domain: string
  status(): ComponentStatus
  waitOnline(timeoutMs?: number): Promise<void>
  /** Sends an IQ from the component and awaits its result (rejects with StanzaError). */
  request(iq: Element, timeoutMs?: number): Promise<Element>
  stop(): Promise<void>
}

export async function startComponent(opts: ComponentOptions): Promise<RunningComponent> {
  const lattice = opts.lattice ?? detachedLattice
  const accounts = opts.accounts ?? StoredAccounts.inMemory(lattice)
  const maxStanzaBytes = opts.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES
  const connection = new Connection({
    domain: opts.domain,
    host: opts.host,
    port: opts.port,
    secret: opts.secret,
    maxStanzaBytes,
    backoff: opts.backoff,
    timeoutMs: opts.timeoutMs,
    log: opts.log ?? logger('component:connection'),
  })
  const sendFromD = (el: Element) => connection.send(el)
  const presence = await PresenceService.open({
    domain: connection.domain,
    lattice,
    accounts,
    store: opts.store ?? new MemoryStore(),
    send: sendFromD,
    log: opts.log ?? logger('component:presence'),
  })
  if (accounts instanceof StoredAccounts) accounts.onRegistered = (a) => presence.registered(a.jid)
  const router = new Router({
    handlers: opts.handlers ?? HANDLERS,
    services: {
      domain: connection.domain,
      software: { name: opts.name ?? 'XLattice Chat', version: opts.version },
      nicks: opts.nicks ?? (opts.lattice === undefined ? emptyNickDirectory : latticeNicks(lattice)),
      lattice,
      accounts,
      presence,
    },
    send: sendFromD,
    rate: opts.rate,
    messageRate: opts.messageRate,
    maxInFlight: opts.maxInFlight,
    handlerTimeoutMs: opts.handlerTimeoutMs,
    log: opts.log ?? logger('component:router'),
  })

  const delivery = new Delivery({ connection, request: (iq, ms) => router.iq.request(iq, ms) })
  const inbound =
    opts.lattice === undefined
      ? undefined
      : startRelayInbound({
          domain: connection.domain,
          lattice,
          accounts,
          delivery,
          maxStanzaBytes,
          presence: (relay, from) => presence.relayed(relay, from),
          log: opts.log ?? logger('component:relay'),
        })

  const onStanza = (el: Element) => void router.handle(el)
  const onOnline = () => void presence.resume().catch(() => {})
  const onOffline = () => router.iq.close(new NotConnectedError('the connection closed before the reply'))
  connection.on('stanza', onStanza)
  connection.on('offline', onOffline)
  connection.on('online', onOnline)
  connection.start()
  try {
    if (opts.waitOnlineMs !== undefined) await connection.waitOnline(opts.waitOnlineMs)
  } catch (err) {
    await connection.stop()
    throw err
  }

  return {
    domain: connection.domain,
    status: () => ({
      ...connection.status(),
      router: router.stats(),
      features: router.features('service'),
      presence: presence.status(),
      relay: {
        ...(inbound?.stats() ?? { delivered: 0, dropped: {} }),
        acknowledged: delivery.delivered,
        failed: delivery.failed,
        pings: delivery.pings,
      },
    }),
    waitOnline: (ms) => connection.waitOnline(ms),
    request: (iq, ms) => router.iq.request(iq, ms),
    async stop() {
      inbound?.stop()
      connection.off('stanza', onStanza)
      connection.off('offline', onOffline)
      connection.off('online', onOnline)
      router.iq.close(new NotConnectedError('the component is stopping'))
      await connection.stop()
    },
  }
}
