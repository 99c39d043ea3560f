/**
 * Lattice addresses: the one mapping between JIDs under the component domain D and nicks,
 * qualified nicks and channels. Handlers never take JIDs apart themselves.
 *
 * Rules (DESIGN.md "Identities", "XMPP mapping"):
 * - a nick is `[a-z0-9_-]{1,32}` after lower-casing;
 * - `.` is reserved for qualified nicks, `cluster.nick`, the cluster following the nick rule;
 * - `#` is reserved for channels, `#name`, the name `[a-z0-9_.+&'-]{1,64}` after lower-casing;
 * - localparts are case-insensitive (as Prosody's and ejabberd's nodeprep make them) and carry
 *   XEP-0106 escapes for characters JIDs forbid there: `&` is `\26` and `'` is `\27`;
 * - the resource of a nick is the user's client, the resource of a channel the occupant's room nick.
 *
 * Worked examples, D = lattice.example.org:
 *
 *     lattice.example.org                  service
 *     lattice.example.org/admin            service, resource "admin"
 *     alice@lattice.example.org            nick "alice"
 *     Alice@lattice.example.org            nick "alice" (formatted back lower-case)
 *     alice@lattice.example.org/phone      nick "alice", resource "phone"
 *     berlin.alice@lattice.example.org     nick "alice" of cluster "berlin" (qualified)
 *     #rust@lattice.example.org            channel "rust"
 *     #rust@lattice.example.org/alice      channel "rust", occupant "alice"
 *     #rock\26roll@lattice.example.org     channel "rock&roll" (XEP-0106)
 *
 * Refused, with AddressError.problem:
 *
 *     alice@other.example                  foreign        (not under D)
 *     al ice@lattice.example.org           malformed      (RFC 7622 forbids spaces in localparts)
 *     alice\20smith@lattice.example.org    invalid-local  (unescapes to "alice smith": no nick)
 *     a.b.c@, .alice@, alice.@, #@ ...     invalid-local  (at most one dot, no empty parts)
 *     thirty-three-characters-long-nick@   invalid-local  (nicks have 1 to 32 characters)
 */
import { AddressError } from './errors.js'
import { escapeLocal, Jid, unescapeLocal } from './jid.js'

export type AddressKind = 'service' | 'nick' | 'channel'

/** What a stanza is addressed to, as the dispatch table keys it. */
export type Target =
  | 'service'
  | 'service/resource'
  | 'nick'
  | 'nick/resource'
  | 'channel'
  | 'channel/occupant'

export const TARGETS: readonly Target[] = [
  'service',
  'service/resource',
  'nick',
  'nick/resource',
  'channel',
  'channel/occupant',
]

const NICK = /^[a-z0-9_-]{1,32}$/
const CHANNEL = /^[a-z0-9_.+&'-]{1,64}$/

export const isValidNick = (s: string): boolean => NICK.test(s)
export const isValidChannel = (s: string): boolean => CHANNEL.test(s)

/** Lower-cases and checks a nick; throws AddressError('invalid-local'). */
export function normalizeNick(s: string): string {
  // Checked before folding: JavaScript lower-cases the Kelvin sign U+212A to "k", a lookalike.
  const nick = /^[A-Za-z0-9_-]{1,32}$/.test(s) ? s.toLowerCase() : ''
  if (!NICK.test(nick)) throw invalid(`${JSON.stringify(s)} is not a nick: [a-z0-9_-]{1,32}`)
  return nick
}

export function normalizeChannel(s: string): string {
  const name = s.toLowerCase()
  if (!CHANNEL.test(name)) throw invalid(`${JSON.stringify(s)} is not a channel name: [a-z0-9_.+&'-]{1,64}`)
  return name
}

export class Address {
  private constructor(
    /** The component domain D, lower-case. */
    readonly domain: string,
    readonly kind: AddressKind,
    /** The nick or channel name, unescaped and lower-case; '' for the service. */
    readonly name: string,
    /** The cluster of a qualified nick. */
    readonly cluster: string | undefined,
    /** The client of a nick, the occupant of a channel, or a resource of the service. */
    readonly resource: string | undefined,
  ) {}

  static service(domain: string, resource?: string): Address {
    return new Address(serviceDomain(domain), 'service', '', undefined, checkResource(resource))
  }

  static nick(domain: string, nick: string, opts: { cluster?: string; resource?: string } = {}): Address {
    const cluster = opts.cluster === undefined ? undefined : normalizeNick(opts.cluster)
    return new Address(
      serviceDomain(domain),
      'nick',
      normalizeNick(nick),
      cluster,
      checkResource(opts.resource),
    )
  }

  static channel(domain: string, channel: string, occupant?: string): Address {
    return new Address(
      serviceDomain(domain),
      'channel',
      normalizeChannel(channel),
      undefined,
      checkResource(occupant),
    )
  }

  /** Parses a JID string under `domain`; throws AddressError ('malformed', 'foreign', 'invalid-local'). */
  static parse(jid: string, domain: string): Address {
    return Address.fromJid(Jid.parse(jid), domain)
  }

  static fromJid(jid: Jid, domain: string): Address {
    const d = serviceDomain(domain)
    if (jid.domain !== d) throw new AddressError('foreign', `${jid} is not under ${d}`)
    if (jid.local === undefined) return new Address(d, 'service', '', undefined, jid.resource)
    const local = unescapeLocal(jid.local.toLowerCase())
    if (local.startsWith('#')) return Address.channel(d, local.slice(1), jid.resource)
    const dot = local.indexOf('.')
    if (dot === -1) return Address.nick(d, local, { resource: jid.resource })
    return Address.nick(d, local.slice(dot + 1), { cluster: local.slice(0, dot), resource: jid.resource })
  }

  get target(): Target {
    return this.resource === undefined
      ? this.kind
      : (`${this.kind}/${this.kind === 'channel' ? 'occupant' : 'resource'}` as Target)
  }

  /** The escaped localpart as it appears in the JID; undefined for the service. */
  get localpart(): string | undefined {
    if (this.kind === 'service') return undefined
    if (this.kind === 'channel') return `#${escapeLocal(this.name)}`
    return this.cluster === undefined ? this.name : `${this.cluster}.${this.name}`
  }

  /** The same address without a resource. */
  bare(): Address {
    return this.resource === undefined
      ? this
      : new Address(this.domain, this.kind, this.name, this.cluster, undefined)
  }

  withResource(resource: string): Address {
    return new Address(this.domain, this.kind, this.name, this.cluster, checkResource(resource))
  }

  equals(other: Address): boolean {
    return this.toString() === other.toString()
  }

  toString(): string {
    const local = this.localpart
    const bare = local === undefined ? this.domain : `${local}@${this.domain}`
    return this.resource === undefined ? bare : `${bare}/${this.resource}`
  }
}

function invalid(message: string): AddressError {
  return new AddressError('invalid-local', message)
}

function serviceDomain(domain: string): string {
  const jid = Jid.parse(domain)
  if (jid.local !== undefined || jid.resource !== undefined) {
    throw new AddressError('malformed', `${domain} is a JID, not a domain`)
  }
  return jid.domain
}

function checkResource(resource: string | undefined): string | undefined {
  if (resource !== undefined) Jid.parse(`x/${resource}`) // the same resourcepart rules
  return resource
}
