/**
 * The users of this node's component: which real JID registered which nick here. The replicated
 * registry holds a nick's keys and home node, never the real JID; this table is the home node's
 * own, in its LevelDB, and is the only place a nick meets a real JID.
 */
import type { UserSignedNick } from './lattice.js'

/** One registration: a bare JID at the operator's XMPP server and the nick it holds. */
export interface Account {
  nick: string
  /** The user's bare JID (RFC 7622 canonical), e.g. `alice@a.example`. */
  jid: string
  /** The user's NodeID in the lattice (hex). */
  userNodeId: string
  /** ISO time of registration. */
  since: string
  /** Registered with a key the user holds (then only that key can release it). */
  ownKey?: boolean
}

/** A key pair the user holds, with the user's signature over the registration request. */
export type UserKey = Omit<UserSignedNick, 'nick'>

export interface Accounts {
  /** The account of a bare JID, or undefined. */
  of(jid: string): Account | undefined
  /** Every account of this node. */
  list(): Iterable<Account>
  /** The account holding a nick at this node, or undefined. */
  byNick(nick: string): Account | undefined
  /**
   * Registers `nick` for `jid` through the cluster; resolves once committed and stored.
   * Throws StanzaError: `not-acceptable` (invalid nick, with a text saying why), `conflict`
   * (taken, or this JID already holds another nick), `remote-server-not-found` (no cluster yet).
   * Registering the nick the JID already holds resolves with the existing account. With `key`,
   * the nick is bound to the user's own key (the request the user signed) instead of a key pair
   * the node makes and keeps.
   */
  register(jid: string, nick: string, key?: UserKey): Promise<Account>
  /** Releases the JID's nick through the cluster. Throws StanzaError `item-not-found` when none. */
  unregister(jid: string): Promise<Account>
}
