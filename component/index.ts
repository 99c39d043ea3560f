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
import type { BackoffOptions } from './backoff.js'
import { Connection, type ConnectionStatus } from './connection.js'
import { NotConnectedError } from './errors.js'
import type { Handler } from './handler.js'
import { HANDLERS } from './handlers/index.js'
import { emptyNickDirectory, type NickDirectory } from './nicks.js'
import { Router, type RouterStats } from './router.js'
import type { Element } from './xml.js'

export { Address, type AddressKind, type Target } from './address.js'
export { AddressError, StanzaError } from './errors.js'
export type { Handler, HandlerServices } from './handler.js'
export { HANDLERS } from './handlers/index.js'
export { Jid, escapeLocal, unescapeLocal } from './jid.js'
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
  maxStanzaBytes?: number
  /** Per-sender stanza rate; default 20/s, burst 60. */
  rate?: { perSec: number; burst: number }
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
  const router = new Router({
    handlers: opts.handlers ?? HANDLERS,
    services: {
      domain: connection.domain,
      software: { name: opts.name ?? 'XLattice Chat', version: opts.version },
      nicks: opts.nicks ?? emptyNickDirectory,
    },
    send: (el) => connection.send(el),
    rate: opts.rate,
    maxInFlight: opts.maxInFlight,
    handlerTimeoutMs: opts.handlerTimeoutMs,
    log: opts.log ?? logger('component:router'),
  })

  const onStanza = (el: Element) => void router.handle(el)
  const onOffline = () => router.iq.close(new NotConnectedError('the connection closed before the reply'))
  connection.on('stanza', onStanza)
  connection.on('offline', onOffline)
  connection.start()
  try {
    if (opts.waitOnlineMs !== undefined) await connection.waitOnline(opts.waitOnlineMs)
  } catch (err) {
    await connection.stop()
    throw err
  }

  return {
    domain: connection.domain,
    status: () => ({ ...connection.status(), router: router.stats(), features: router.features('service') }),
    waitOnline: (ms) => connection.waitOnline(ms),
    request: (iq, ms) => router.iq.request(iq, ms),
    async stop() {
      connection.off('stanza', onStanza)
      connection.off('offline', onOffline)
      router.iq.close(new NotConnectedError('the component is stopping'))
      await connection.stop()
    },
  }
}
