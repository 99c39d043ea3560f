/**
 * Command sessions: what a multi-stage command keeps between its stages, per requester.
 *
 * A sessionid is `<nonce>.<mac>`, the MAC (HMAC-SHA256 under a key this table draws at start)
 * binding it to the requester's full JID and the command node. The table so tells apart, with
 * nothing stored for ended sessions:
 *   - live:    open, for this requester and node;
 *   - ended:   minted here for this requester and node, but completed, canceled, timed out or
 *              pushed out (XEP-0050 §4.4 session-expired);
 *   - foreign: anything else: another JID's session, another node's, garbage (bad-sessionid).
 *
 * Bounded: at most `max` sessions in all and `maxPerRequester` per bare JID (the oldest gives way,
 * so one JID cannot push out everyone else's), each for `ttlMs` after its first stage. Expiry is
 * lazy (on open and take); there is no timer.
 *
 * References: XEP-0050 §3.3 (a session is valid only between one requester/responder pair, ends
 * when completed or canceled, and its sessionid is not used again; the responder decides its
 * lifetime), §4.1 (sessionid is not empty).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Jid } from '../jid.js'

export interface SessionOptions {
  /** Sessions open at once, all requesters together; default 1000. */
  max?: number
  /** Sessions open at once per bare JID; default 10. */
  maxPerRequester?: number
  /** How long a session stays open after its first stage; default 5 minutes. */
  ttlMs?: number
  now?: () => number
}

export interface Session {
  /** The requester's full JID. */
  readonly requester: string
  readonly bare: string
  readonly node: string
  /** What the command's first stage kept for complete(). */
  readonly state: unknown
  /** The FORM_TYPE of the form the requester was sent, expected back. */
  readonly formType: string | undefined
  readonly expires: number
}

export type Lookup = { kind: 'live'; session: Session } | { kind: 'ended' } | { kind: 'foreign' }

const MAX_SESSIONID = 64

export class Sessions {
  readonly #entries = new Map<string, Session>() // by sessionid, oldest first
  readonly #perBare = new Map<string, number>()
  readonly #key = randomBytes(32)
  readonly #max: number
  readonly #maxPer: number
  readonly #ttlMs: number
  readonly #now: () => number

  constructor(opts: SessionOptions = {}) {
    this.#max = opts.max ?? 1000
    this.#maxPer = opts.maxPerRequester ?? 10
    this.#ttlMs = opts.ttlMs ?? 5 * 60_000
    this.#now = opts.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  /** A fresh sessionid for (requester, node), stored nowhere: for a command that completes at once. */
  mint(from: Jid, node: string): string {
    const nonce = randomBytes(9).toString('base64url')
    return `${nonce}.${this.#mac(from.toString(), node, nonce)}`
  }

  /**
   * Opens a session for a command's next stage and returns its sessionid; with `sid` (a session
   * just taken, going on to a further stage) keeps that sessionid (XEP-0050 §4.1) and renews it.
   */
  open(from: Jid, node: string, state: unknown, formType: string | undefined, sid?: string): string {
    const now = this.#now()
    this.#sweep(now)
    const bare = from.bare
    if ((this.#perBare.get(bare) ?? 0) >= this.#maxPer) {
      for (const [sid, s] of this.#entries) {
        if (s.bare === bare) {
          this.#delete(sid)
          break
        }
      }
    }
    if (this.#entries.size >= this.#max) this.#delete(this.#entries.keys().next().value!)
    const id = sid ?? this.mint(from, node)
    this.#put(id, { requester: from.toString(), bare, node, state, formType, expires: now + this.#ttlMs })
    return id
  }

  /** Removes and returns the live session `sid` of this requester and node, or says why there is none. */
  take(from: Jid, node: string, sid: string): Lookup {
    const requester = from.toString()
    const s = this.#entries.get(sid)
    if (s !== undefined && s.requester === requester && s.node === node) {
      this.#delete(sid)
      if (s.expires > this.#now()) return { kind: 'live', session: s }
    }
    return this.#authentic(requester, node, sid) ? { kind: 'ended' } : { kind: 'foreign' }
  }

  /** Puts back a session take() returned (same sessionid and expiry), for another try at its stage. */
  restore(sid: string, s: Session): void {
    if (s.expires <= this.#now() || this.#entries.has(sid)) return
    if ((this.#perBare.get(s.bare) ?? 0) >= this.#maxPer || this.#entries.size >= this.#max) return
    this.#put(sid, s)
  }

  #authentic(requester: string, node: string, sid: string): boolean {
    if (sid.length > MAX_SESSIONID) return false
    const dot = sid.indexOf('.')
    if (dot <= 0) return false
    const want = Buffer.from(this.#mac(requester, node, sid.slice(0, dot)))
    const got = Buffer.from(sid.slice(dot + 1))
    return want.length === got.length && timingSafeEqual(want, got)
  }

  #mac(requester: string, node: string, nonce: string): string {
    // No JID holds a newline (RFC 7622 forbids controls) and nodes are ours: the parts stay apart.
    return createHmac('sha256', this.#key)
      .update(`${requester}\n${node}\n${nonce}`)
      .digest()
      .subarray(0, 12)
      .toString('base64url')
  }

  /** Drops expired sessions from the old end (sessions are inserted in expiry order but for restore()). */
  #sweep(now: number): void {
    for (const [sid, s] of this.#entries) {
      if (s.expires > now) return
      this.#delete(sid)
    }
  }

  #put(sid: string, s: Session): void {
    this.#entries.set(sid, s)
    this.#perBare.set(s.bare, (this.#perBare.get(s.bare) ?? 0) + 1)
  }

  #delete(sid: string): void {
    const s = this.#entries.get(sid)
    if (s === undefined) return
    this.#entries.delete(sid)
    const n = (this.#perBare.get(s.bare) ?? 1) - 1
    if (n <= 0) this.#perBare.delete(s.bare)
    else this.#perBare.set(s.bare, n)
  }
}
