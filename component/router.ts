/**
 * The stanza router: validates each inbound stanza, picks its handler from the dispatch table,
 * awaits the payload and sends the reply. Every IQ of type get or set that has a sender gets
 * exactly one answer; IQ results and errors, and error messages, are never answered.
 *
 * Order of checks, first failure wins (each answer names its condition):
 *   1. no valid 'from' (RFC 7622)           -> dropped: there is nobody to answer
 *   2. 'from' under D                       -> dropped: only our own bounces come from D (loop guard)
 *   3. IQ result or error                   -> to the IQ caller, never answered (RFC 6120 §8.2.3)
 *   4. over the sender's rate               -> resource-constraint (IQ, message), dropped (presence)
 *   5. over the stanza size limit           -> policy-violation (RFC 6120 §13.12)
 *   6. 'to' no JID / not D's / no address   -> jid-malformed / item-not-found / item-not-found
 *   7. IQ without id, bad type, not 1 child -> bad-request (RFC 6120 §8.2.3)
 *   8. no handler                           -> service-unavailable (RFC 6120 §8.4)
 *   9. too many IQs in flight               -> resource-constraint
 *  10. handler throws StanzaError / other / times out -> its condition / internal-server-error /
 *      remote-server-timeout
 */
import type { Logger } from 'pino'
import { logger } from '../lib/log.js'
import { RateLimiter } from '../lib/rate-limit.js'
import { Address, type Target } from './address.js'
import { AddressError, HandlerTimeoutError, StanzaError } from './errors.js'
import {
  featureOf,
  type Handler,
  type HandlerServices,
  type IqHandler,
  type MessageHandler,
  type PresenceHandler,
} from './handler.js'
import { IqCaller } from './iq-caller.js'
import { Jid } from './jid.js'
import { truncation } from './parser.js'
import { errorReply, iqResult } from './stanza.js'
import { type Element, stanzaKind } from './xml.js'

export interface RouterOptions {
  handlers: readonly Handler[]
  services: Omit<HandlerServices, 'features' | 'send'>
  /** Sends a stanza; the connection forces its 'from' under D and may reject it. */
  send(el: Element): Promise<void>
  /** Per-sender (bare JID) token bucket for IQs and presence: default 20/s, burst 60. */
  rate?: { perSec: number; burst: number }
  /**
   * Per-sender bucket for messages; default DEFAULT_MESSAGE_RATE (or `rate` when only that is
   * given). A flood guard, not a policy: a person never reaches it, a runaway bot does.
   */
  messageRate?: { perSec: number; burst: number }
  /** IQs whose handler has not settled yet, all senders together; default 1000. */
  maxInFlight?: number
  /** A handler slower than this is answered remote-server-timeout; default 10 s. */
  handlerTimeoutMs?: number
  now?: () => number
  log?: Logger
}

/** Messages per sender (bare JID): 3,000/s, burst 6,000 (what two servers federated on loopback carry for one sender is ~2,000/s). */
export const DEFAULT_MESSAGE_RATE = { perSec: 3000, burst: 6000 }

export interface RouterStats {
  received: number
  results: number
  errors: number
  dropped: Record<string, number>
  inFlight: number
}

/** A stanza that passed validation; replyFrom is its to as written (valid, under D), or D. */
type Parsed = { from: Jid; to: Address; replyFrom: string }

export class Router {
  readonly iq: IqCaller
  readonly #table = new Map<string, Handler>()
  readonly #handlers: readonly Handler[]
  readonly #services: HandlerServices
  readonly #send: (el: Element) => Promise<void>
  readonly #limiter: RateLimiter
  readonly #messageLimiter: RateLimiter
  readonly #maxInFlight: number
  readonly #timeoutMs: number
  readonly #log: Logger
  readonly #stats: RouterStats = { received: 0, results: 0, errors: 0, dropped: {}, inFlight: 0 }

  constructor(opts: RouterOptions) {
    this.#handlers = opts.handlers
    for (const h of opts.handlers) {
      for (const key of keysOf(h)) {
        if (this.#table.has(key)) throw new Error(`dispatch table: two handlers for ${key}`)
        this.#table.set(key, h)
      }
    }
    this.#send = opts.send
    this.#services = { ...opts.services, features: (t) => this.features(t), send: (el) => this.#send(el) }
    const rate = opts.rate ?? { perSec: 20, burst: 60 }
    this.#limiter = new RateLimiter(rate.perSec, rate.burst, opts.now)
    const messages = opts.messageRate ?? opts.rate ?? DEFAULT_MESSAGE_RATE
    this.#messageLimiter = new RateLimiter(messages.perSec, messages.burst, opts.now)
    this.#maxInFlight = opts.maxInFlight ?? 1000
    this.#timeoutMs = opts.handlerTimeoutMs ?? 10_000
    this.#log = opts.log ?? logger('component:router')
    this.iq = new IqCaller((el) => this.#send(el))
  }

  /** disco#info features of a target: the dispatch table's namespaces for it, sorted and unique. */
  features(target: Target): string[] {
    const out = new Set<string>()
    for (const h of this.#handlers) {
      const f = featureOf(h)
      if (f !== undefined && h.targets.includes(target)) out.add(f)
    }
    return [...out].sort()
  }

  stats(): RouterStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped }, inFlight: this.#stats.inFlight }
  }

  /** Handles one inbound stanza. Never throws; resolves once any reply has been handed to send(). */
  async handle(stanza: Element): Promise<void> {
    this.#stats.received++
    try {
      await this.#route(stanza)
    } catch (err) {
      // Only a bug gets here (every expected failure is answered above); keep serving.
      this.#log.error({ err }, 'router failure')
    }
  }

  async #route(stanza: Element): Promise<void> {
    const kind = stanzaKind(stanza)
    if (!kind) return this.#drop('not-a-stanza')
    const from = Jid.tryParse(stanza.attrs.from)
    if (!from) return this.#drop('bad-from')
    if (from.domain === this.#services.domain) return this.#drop('from-own-domain')
    const type = stanza.attrs.type
    if (kind === 'iq' && (type === 'result' || type === 'error')) {
      if (!this.iq.receive(stanza)) this.#drop('unmatched-iq-reply')
      return
    }
    const answers = kind === 'iq' || (kind === 'message' && type !== 'error' && type !== 'headline')
    const fail = async (err: StanzaError, from = this.#services.domain): Promise<void> => {
      if (answers) return this.#reply(errorReply(stanza, from, err))
      this.#drop(err.condition)
    }

    const limiter = kind === 'message' ? this.#messageLimiter : this.#limiter
    if (!limiter.take(from.bare)) {
      this.#drop('rate-limited')
      // A message is answered too (a chat message must not vanish unnoticed); presence is not.
      if (kind === 'presence') return
      return fail(new StanzaError('resource-constraint', 'too many stanzas, slow down', { type: 'wait' }))
    }
    const cut = truncation(stanza)
    if (cut) return fail(new StanzaError('policy-violation', cut))
    let to: Address
    try {
      to =
        stanza.attrs.to === undefined
          ? Address.service(this.#services.domain)
          : this.#address(stanza.attrs.to)
    } catch (err) {
      return fail(addressFailure(err))
    }
    const parsed = { from, to, replyFrom: stanza.attrs.to ?? this.#services.domain }
    if (kind === 'iq') return this.#iq(stanza, parsed)
    if (kind === 'message') return this.#message(stanza, parsed, fail)
    return this.#presence(stanza, parsed)
  }

  #address(to: unknown): Address {
    if (typeof to !== 'string') throw new AddressError('malformed', 'no to')
    return Address.parse(to, this.#services.domain)
  }

  async #iq(stanza: Element, p: Parsed): Promise<void> {
    const fail = (err: StanzaError) => this.#reply(errorReply(stanza, p.replyFrom, err))
    const { type, id } = stanza.attrs
    if (type !== 'get' && type !== 'set')
      return fail(new StanzaError('bad-request', 'IQ type must be get or set'))
    if (typeof id !== 'string' || id === '') return fail(new StanzaError('bad-request', 'IQ without id'))
    const children = stanza.getChildElements()
    if (children.length !== 1)
      return fail(new StanzaError('bad-request', 'an IQ get or set has exactly one child'))
    const [payload] = children
    const handler = this.#table.get(iqKey(type, p.to.target, payload.attrs.xmlns, payload.name)) as IqHandler
    if (!handler) return fail(new StanzaError('service-unavailable'))
    if (this.#stats.inFlight >= this.#maxInFlight) return fail(new StanzaError('resource-constraint', 'busy'))
    this.#stats.inFlight++
    let result: Element | undefined
    try {
      result = await this.#deadline(
        handler.handle({ stanza, payload, from: p.from, to: p.to, services: this.#services }),
      )
    } catch (err) {
      return fail(this.#failure(err, stanza))
    } finally {
      this.#stats.inFlight--
    }
    return this.#reply(iqResult(stanza, p.replyFrom, result ?? undefined))
  }

  async #message(
    stanza: Element,
    p: Parsed,
    fail: (e: StanzaError, from?: string) => Promise<void>,
  ): Promise<void> {
    const handler = this.#payloadHandler('message', stanza, p.to.target) as MessageHandler | undefined
    if (!handler) {
      // RFC 6121 §8.5.2.1.1 / §8.5.3.2.1: a message nobody here takes is answered service-unavailable
      // (headline and error messages are dropped).
      return fail(new StanzaError('service-unavailable'), p.replyFrom)
    }
    try {
      await this.#deadline(handler.handle({ stanza, from: p.from, to: p.to, services: this.#services }))
    } catch (err) {
      return fail(this.#failure(err, stanza), p.replyFrom)
    }
  }

  async #presence(stanza: Element, p: Parsed): Promise<void> {
    const handler = this.#table.get(`presence|${p.to.target}`) as PresenceHandler | undefined
    // RFC 6121 §8.5.2.1.2 / §8.5.3.2.2: presence for nobody is silently ignored.
    if (!handler || stanza.attrs.type === 'error') return this.#drop('presence-unhandled')
    try {
      await this.#deadline(handler.handle({ stanza, from: p.from, to: p.to, services: this.#services }))
    } catch (err) {
      this.#failure(err, stanza)
    }
  }

  /** The handler for a message's first child with a dedicated handler, else the target's catch-all. */
  #payloadHandler(kind: 'message', stanza: Element, target: Target): Handler | undefined {
    for (const child of stanza.getChildElements()) {
      const h = this.#table.get(`${kind}|${target}|${child.attrs.xmlns}|${child.name}`)
      if (h) return h
    }
    return this.#table.get(`${kind}|${target}|*`)
  }

  #deadline<T>(work: Promise<T> | T): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeoutError(this.#timeoutMs)), this.#timeoutMs)
    })
    return Promise.race([Promise.resolve(work), timeout]).finally(() => clearTimeout(timer))
  }

  /** Maps a handler's throw to the condition sent; logs what is not a deliberate StanzaError. */
  #failure(err: unknown, stanza: Element): StanzaError {
    if (err instanceof StanzaError) return err
    if (err instanceof HandlerTimeoutError) {
      this.#log.warn({ id: stanza.attrs.id, from: stanza.attrs.from }, err.message)
      return new StanzaError('remote-server-timeout', 'the lattice did not answer in time')
    }
    this.#log.error({ err, id: stanza.attrs.id, from: stanza.attrs.from }, 'handler threw')
    return new StanzaError('internal-server-error')
  }

  async #reply(el: Element): Promise<void> {
    if (el.attrs.type === 'error') this.#stats.errors++
    else this.#stats.results++
    try {
      await this.#send(el)
    } catch (err) {
      this.#drop('send-failed')
      this.#log.debug({ err }, 'reply not sent')
    }
  }

  #drop(reason: string): void {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1
  }
}

function addressFailure(err: unknown): StanzaError {
  if (!(err instanceof AddressError)) throw err
  // RFC 6120 §8.3.3.8: syntax errors are jid-malformed; §8.3.3.7: a well-formed JID we do not serve,
  // or a localpart that is no nick or channel, is an entity that does not exist here.
  if (err.problem === 'malformed') return new StanzaError('jid-malformed', err.message)
  return new StanzaError('item-not-found', err.problem === 'foreign' ? 'not served here' : err.message)
}

const iqKey = (type: string, target: Target, ns: unknown, name: string) =>
  `iq|${type}|${target}|${ns}|${name}`

function keysOf(h: Handler): string[] {
  return h.targets.map((t) => {
    if (h.kind === 'iq') return iqKey(h.type, t, h.ns, h.element)
    if (h.kind === 'presence') return `presence|${t}`
    return h.ns === undefined ? `message|${t}|*` : `message|${t}|${h.ns}|${h.element}`
  })
}
