/**
 * JID syntax (RFC 7622) and localpart escaping (XEP-0106), strict enough to refuse what a server
 * would refuse. Not a full PRECIS implementation: localparts are checked against the characters
 * RFC 7622 §3.3.1 forbids plus whitespace and controls, domains against a hostname or IP-literal
 * shape, resources against controls; every part is at most 1023 bytes (RFC 7622 §3.1).
 */
import { AddressError } from './errors.js'

const MAX_PART_BYTES = 1023
// References: RFC 7622 §3.3.1 (characters a localpart must not contain).
const LOCAL_FORBIDDEN = /["&'/:<>@\s\p{Cc}]/u
const DOMAIN_LABEL = /^[\p{L}\p{N}\p{M}_-]{1,63}$/u
const IP_LITERAL = /^\[[0-9a-f:.]+\]$/i
const RESOURCE_FORBIDDEN = /\p{Cc}/u

/** An XMPP address split into its parts; the domain is lower-cased. */
export class Jid {
  private constructor(
    readonly local: string | undefined,
    readonly domain: string,
    readonly resource: string | undefined,
  ) {}

  /** Parses and validates; throws AddressError('malformed'). References: RFC 7622 §3.2. */
  static parse(s: string): Jid {
    if (typeof s !== 'string' || s.length === 0) throw malformed(s, 'empty')
    const slash = s.indexOf('/')
    const bare = slash === -1 ? s : s.slice(0, slash)
    const resource = slash === -1 ? undefined : s.slice(slash + 1)
    const at = bare.indexOf('@')
    const local = at === -1 ? undefined : bare.slice(0, at)
    let domain = at === -1 ? bare : bare.slice(at + 1)
    if (domain.endsWith('.')) domain = domain.slice(0, -1) // RFC 7622 §3.2: a trailing dot is ignored
    checkDomain(s, domain)
    if (local !== undefined) {
      if (local === '') throw malformed(s, 'empty localpart')
      if (LOCAL_FORBIDDEN.test(local)) throw malformed(s, 'forbidden character in localpart')
      if (bytes(local) > MAX_PART_BYTES) throw malformed(s, 'localpart too long')
    }
    if (resource !== undefined) {
      if (resource === '') throw malformed(s, 'empty resourcepart')
      if (RESOURCE_FORBIDDEN.test(resource)) throw malformed(s, 'control character in resourcepart')
      if (bytes(resource) > MAX_PART_BYTES) throw malformed(s, 'resourcepart too long')
    }
    return new Jid(local, domain.toLowerCase(), resource)
  }

  /** undefined instead of a throw, for attributes that may hold anything. */
  static tryParse(s: unknown): Jid | undefined {
    if (typeof s !== 'string') return undefined
    try {
      return Jid.parse(s)
    } catch {
      return undefined
    }
  }

  /** The bare JID (no resource) as a string. */
  get bare(): string {
    return this.local === undefined ? this.domain : `${this.local}@${this.domain}`
  }

  toString(): string {
    return this.resource === undefined ? this.bare : `${this.bare}/${this.resource}`
  }
}

/**
 * Domains that passed checkDomain. A component sees a handful of domains in every stanza's
 * `from` and `to`, and the Unicode label test was ~1% of a relaying node's time; bounded, so
 * a flood of made-up domains costs the checks it would have cost anyway.
 */
const checkedDomains = new Set<string>()
const MAX_CHECKED_DOMAINS = 4096

function checkDomain(s: string, domain: string): void {
  if (checkedDomains.has(domain)) return
  if (domain === '') throw malformed(s, 'empty domainpart')
  if (bytes(domain) > MAX_PART_BYTES) throw malformed(s, 'domainpart too long')
  if (!IP_LITERAL.test(domain)) {
    for (const label of domain.split('.')) {
      if (!DOMAIN_LABEL.test(label)) throw malformed(s, 'invalid domainpart')
    }
  }
  if (checkedDomains.size >= MAX_CHECKED_DOMAINS) checkedDomains.clear()
  checkedDomains.add(domain)
}

function malformed(s: unknown, why: string): AddressError {
  const shown = typeof s === 'string' ? JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s) : String(s)
  return new AddressError('malformed', `${shown} is not a JID: ${why}`)
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

// References: XEP-0106 §4.2 (the ten escapable characters and their sequences).
const ESCAPES: Record<string, string> = {
  ' ': '\\20',
  '"': '\\22',
  '&': '\\26',
  "'": '\\27',
  '/': '\\2f',
  ':': '\\3a',
  '<': '\\3c',
  '>': '\\3e',
  '@': '\\40',
  '\\': '\\5c',
}
const UNESCAPES = new Map(Object.entries(ESCAPES).map(([c, seq]) => [seq, c]))
const SEQUENCE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/g

/**
 * XEP-0106 escaping of a localpart. A backslash is escaped only where it would otherwise start
 * an escape sequence (XEP-0106 §4.2); leading or trailing spaces are not allowed (§4.3).
 *
 *     escapeLocal("rock&roll")  === "rock\\26roll"
 *     escapeLocal("c:\\5c")     === "c\\3a\\5c5c"
 */
export function escapeLocal(s: string): string {
  if (s.startsWith(' ') || s.endsWith(' ')) {
    throw new AddressError('malformed', 'a localpart cannot begin or end with a space (XEP-0106 §4.3)')
  }
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') out += UNESCAPES.has(s.slice(i, i + 3)) ? '\\5c' : '\\'
    else out += ESCAPES[c] ?? c
  }
  return out
}

/** Inverse of escapeLocal: `rock\26roll` -> `rock&roll`. Sequences outside the table stay as they are. */
export function unescapeLocal(s: string): string {
  return s.replace(SEQUENCE, (seq) => UNESCAPES.get(seq)!)
}
