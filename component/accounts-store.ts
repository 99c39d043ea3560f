/**
 * The Accounts table (accounts.ts) in the node's LevelDB, loaded into memory at start (one entry
 * per user of this node's XMPP server). Keys, in the component's `xmpp` sublevel:
 *
 *   a!<bare jid>  -> JSON Account
 *
 * The nick index is rebuilt in memory. Registration goes to the cluster first and is stored
 * here only once committed (synced): a crash between the two leaves a committed nick that no
 * JID holds here; the node keeps its user keys (`<data>/users/`), so an operator can release it.
 */
import { MemoryStore, type Store } from '../lib/store/index.js'
import type { Account, Accounts, UserKey } from './accounts.js'
import { normalizeNick } from './address.js'
import { AddressError, StanzaError } from './errors.js'
import type { Lattice, NickOutcome } from './lattice.js'

const PREFIX = 'a!'
const utf8 = new TextEncoder()
const text = new TextDecoder()

export class StoredAccounts implements Accounts {
  readonly #store: Store
  readonly #lattice: Lattice
  readonly #byJid = new Map<string, Account>()
  readonly #byNick = new Map<string, Account>()
  /** Called once a new registration is stored (presence asks to see the user's availability). */
  onRegistered?: (account: Account) => Promise<void>
  /** Registrations in progress, by nick and by JID: a second request waits for the first. */
  readonly #pending = new Map<string, Promise<Account>>()

  private constructor(store: Store, lattice: Lattice) {
    this.#store = store
    this.#lattice = lattice
  }

  static async open(store: Store, lattice: Lattice): Promise<StoredAccounts> {
    const accounts = new StoredAccounts(store, lattice)
    for await (const [, value] of store.entries({ gte: PREFIX, lt: `${PREFIX}~` })) {
      const a = JSON.parse(text.decode(value)) as Account
      accounts.#index(a)
    }
    return accounts
  }

  /** An empty table in memory (a component without a node, and tests). */
  static inMemory(lattice: Lattice): StoredAccounts {
    return new StoredAccounts(new MemoryStore(), lattice)
  }

  get size(): number {
    return this.#byJid.size
  }

  of(jid: string): Account | undefined {
    return this.#byJid.get(jid)
  }

  list(): Iterable<Account> {
    return this.#byJid.values()
  }

  byNick(nick: string): Account | undefined {
    return this.#byNick.get(nick)
  }

  register(jid: string, input: string, key?: UserKey): Promise<Account> {
    let nick: string
    try {
      nick = normalizeNick(input)
    } catch (err) {
      if (!(err instanceof AddressError)) throw err
      return Promise.reject(
        new StanzaError(
          'not-acceptable',
          `"${input.slice(0, 40)}" is not a valid nick: 1 to 32 of a-z, 0-9, _ and -`,
        ),
      )
    }
    const existing = this.#byJid.get(jid)
    if (existing !== undefined) {
      if (existing.nick === nick) return Promise.resolve(existing)
      return Promise.reject(
        new StanzaError('conflict', `you are registered as ${existing.nick}; unregister it first`),
      )
    }
    const holder = this.#byNick.get(nick)
    if (holder !== undefined) return Promise.reject(taken(nick))
    const waiting = this.#pending.get(nick) ?? this.#pending.get(jid)
    if (waiting !== undefined) return waiting.then(() => this.register(jid, input, key))
    const work = this.#register(jid, nick, key).finally(() => {
      this.#pending.delete(nick)
      this.#pending.delete(jid)
    })
    this.#pending.set(nick, work)
    this.#pending.set(jid, work)
    return work
  }

  async #register(jid: string, nick: string, key?: UserKey): Promise<Account> {
    const outcome =
      key === undefined
        ? await this.#lattice.registerNick(nick)
        : await this.#lattice.registerSigned({ nick, ...key })
    if (!outcome.accepted) throw refusal(outcome)
    const account: Account = {
      nick,
      jid,
      userNodeId: outcome.userNodeId ?? '',
      since: new Date().toISOString(),
      ...(key === undefined ? {} : { ownKey: true }),
    }
    await this.#store.put(`${PREFIX}${jid}`, utf8.encode(JSON.stringify(account)), { sync: true })
    this.#index(account)
    await this.onRegistered?.(account).catch(() => {})
    return account
  }

  async unregister(jid: string): Promise<Account> {
    const account = this.#byJid.get(jid)
    if (account === undefined) throw new StanzaError('item-not-found', 'you have no nick registered here')
    if (account.ownKey === true) {
      // The node cannot sign a release for a key it does not hold.
      throw new StanzaError('not-allowed', 'this nick is bound to your own key: release it with that key')
    }
    const outcome = await this.#lattice.releaseNick(account.nick)
    // Released now, or gone from the registry already: either way this JID no longer holds it.
    if (!outcome.accepted && outcome.reason !== 'unknown-nick') throw refusal(outcome)
    await this.#store.del(`${PREFIX}${jid}`, { sync: true })
    this.#byJid.delete(jid)
    if (this.#byNick.get(account.nick) === account) this.#byNick.delete(account.nick)
    return account
  }

  #index(a: Account): void {
    this.#byJid.set(a.jid, a)
    this.#byNick.set(a.nick, a)
  }
}

function taken(nick: string): StanzaError {
  return new StanzaError('conflict', `the nick ${nick} is taken`)
}

/** The stanza error for a refused registration or release (receipt reasons: receipts.ts). */
function refusal(o: NickOutcome): StanzaError {
  switch (o.reason) {
    case 'nick-taken':
      return taken(o.nick)
    case 'bad-nick':
      return new StanzaError('not-acceptable', `"${o.nick}" is not a valid nick`)
    case 'no-cluster':
      return new StanzaError(
        'remote-server-not-found',
        'this node is not in a cluster yet; try again in a minute',
        { type: 'wait' },
      )
    case 'bad-user-signature':
      return new StanzaError('not-acceptable', 'the signature does not verify under the key given')
    case 'stale-sequence':
      return new StanzaError('not-acceptable', "seq is not the key's current count of registrations")
    case 'key-in-use':
      return new StanzaError('conflict', 'this key already holds a nick')
    case 'mempool-full':
      return new StanzaError('resource-constraint', 'the cluster is busy; try again', { type: 'wait' })
    default:
      return new StanzaError('internal-server-error', `the cluster refused it: ${o.reason ?? 'unknown'}`)
  }
}
