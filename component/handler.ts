/**
 * The shape of a handler file. Each file in handlers/ exports one Handler; handlers/index.ts lists
 * them all (the dispatch table); the router picks one per stanza by (kind, target, namespace,
 * element), awaits it and builds the reply envelope. Handlers return payloads or throw
 * StanzaError; they never send replies themselves.
 */
import type { Accounts } from './accounts.js'
import type { Address, Target } from './address.js'
import type { Jid } from './jid.js'
import type { Lattice } from './lattice.js'
import type { NickDirectory } from './nicks.js'
import type { PresenceService } from './presence.js'
import type { Element } from './xml.js'

/** What handlers may use. The composition root fills it; tests pass stubs. */
export interface HandlerServices {
  /** The component domain D. */
  readonly domain: string
  /** XEP-0092 software name and version. */
  readonly software: { readonly name: string; readonly version: string }
  readonly nicks: NickDirectory
  /** The node behind the component: cluster registry, neighbours, messaging. */
  readonly lattice: Lattice
  /** Who registered which nick at this node. */
  readonly accounts: Accounts
  /** Subscriptions to nicks and availability (presence.ts). */
  readonly presence: Pick<PresenceService, 'toNick' | 'toService'>
  /** The disco#info features of a target, generated from the dispatch table (sorted, unique). */
  features(target: Target): string[]
  /**
   * Sends a stanza of the handler's own making (a chat answer, a presence); replies to the
   * stanza being handled are the router's, never sent through this.
   */
  send(el: Element): Promise<void>
}

interface Context {
  /** The whole stanza as received. */
  readonly stanza: Element
  /** The sender, validated (RFC 7622). */
  readonly from: Jid
  /** The addressee, validated and mapped (address.ts). */
  readonly to: Address
  readonly services: HandlerServices
}

export interface IqContext extends Context {
  /** The IQ's one child element (RFC 6120 §8.2.3). */
  readonly payload: Element
}

export type MessageContext = Context
export type PresenceContext = Context

interface Keyed {
  /** Addressees this handler serves; a stanza for another target never reaches it. */
  readonly targets: readonly Target[]
  /** The disco#info feature it gives its targets; defaults to ns; false for none. */
  readonly feature?: string | false
}

export interface IqHandler extends Keyed {
  readonly kind: 'iq'
  readonly type: 'get' | 'set'
  /** Namespace and name of the IQ's child element. */
  readonly ns: string
  readonly element: string
  /** The result's child, or undefined for an empty result. Throw StanzaError for an error reply. */
  handle(ctx: IqContext): Promise<Element | undefined> | Element | undefined
}

export interface MessageHandler extends Keyed {
  readonly kind: 'message'
  /** A child this handler is for (e.g. a XEP-0085 chat state); both unset: any message to its targets. */
  readonly ns?: string
  readonly element?: string
  /** Messages get no reply unless this throws StanzaError (then an error message, RFC 6120 §8.3). */
  handle(ctx: MessageContext): Promise<void> | void
}

export interface PresenceHandler extends Keyed {
  readonly kind: 'presence'
  handle(ctx: PresenceContext): Promise<void> | void
}

export type Handler = IqHandler | MessageHandler | PresenceHandler

/** The feature a handler advertises, or undefined. */
export function featureOf(h: Handler): string | undefined {
  if (h.feature === false) return undefined
  if (h.feature !== undefined) return h.feature
  return h.kind === 'presence' ? undefined : h.ns
}
