// The XMPP-server test harness: private Prosody and ejabberd instances, and xmpp.js clients and
// components tuned for loopback tests. docs/testing.md explains how it works.
import { type Client, client } from '@xmpp/client'
import { type Component, component } from '@xmpp/component'
import { type EjabberdServer, startEjabberd } from './ejabberd.js'
import type { UserSpec } from './ports.js'
import { type ProsodyDomain, type ProsodyServer, startProsody } from './prosody.js'

export * from './certs.js'
export * from './ejabberd.js'
export * from './ports.js'
export * from './prosody.js'

export type ServerKind = 'prosody' | 'ejabberd'
export const SERVER_KINDS: readonly ServerKind[] = ['prosody', 'ejabberd']
export type XmppServer = ProsodyServer | EjabberdServer

/** What both servers accept; each domain's components are external components (XEP-0114). */
export interface ServerOptions {
  domains: ProsodyDomain[]
  users?: UserSpec[]
  websocket?: boolean
  /** Store messages for offline users (Prosody mod_offline, ejabberd mod_offline). */
  offline?: boolean
  readyTimeoutMs?: number
}

export function startServer(kind: ServerKind, opts: ServerOptions): Promise<XmppServer> {
  if (kind === 'prosody') return startProsody({ ...opts, modules: opts.offline ? ['offline'] : undefined })
  return startEjabberd({
    hosts: opts.domains.map((d) => d.host),
    components: opts.domains.flatMap((d) => d.components ?? []),
    users: opts.users,
    websocket: opts.websocket,
    modules: opts.offline ? { mod_offline: {} } : undefined,
    readyTimeoutMs: opts.readyTimeoutMs,
  })
}

/** Nagle plus delayed ACKs cost ~40 ms per round trip on loopback (ejabberd with stream management). */
export function setNoDelay(entity: Client | Component): void {
  entity.on('connect', () => entity.socket?.setNoDelay?.(true))
}

interface EntityOptions<E> {
  /** Keep xmpp.js's reconnect-after-1-s. Off by default: a test decides when to reconnect. */
  reconnect?: boolean
  /** Runs before start(), to register handlers that must see the very first stanza. */
  setup?: (entity: E) => void
}

function prepare<E extends Client | Component>(entity: E, opts: EntityOptions<E>): E {
  setNoDelay(entity)
  if (!opts.reconnect) entity.reconnect.stop()
  // start() already rejects with connection and authentication errors. Later 'error' events (the
  // server going away during teardown) must not crash mocha; tests that care add their own listener.
  entity.on('error', () => {})
  opts.setup?.(entity)
  return entity
}

export interface XmppClientOptions extends EntityOptions<Client> {
  /** `xmpp://127.0.0.1:<port>` (server.c2sService) or a ws:// URL (needs node --experimental-websocket). */
  service: string
  domain: string
  username: string
  password: string
  resource?: string
}

/** A logged-in @xmpp/client using SASL PLAIN (SCRAM-SHA-1 costs ~1 s per login in pure JS). */
export async function xmppClient(opts: XmppClientOptions): Promise<Client> {
  const { service, domain, username, password, resource } = opts
  const xmpp = client({
    service,
    domain,
    resource,
    // A credentials function makes xmpp.js use the mechanism we name; left alone it refuses PLAIN
    // on an unencrypted stream and falls back to SCRAM.
    credentials: async (authenticate, mechanisms) => {
      if (!mechanisms.includes('PLAIN')) {
        throw new Error(`${domain} offers no SASL PLAIN (offered: ${mechanisms.join(', ')})`)
      }
      await authenticate({ username, password }, 'PLAIN')
    },
  })
  // xmpp.js resolves start() before stream management (XEP-0198) is enabled, and counts the
  // stanzas that arrive with the server's <enabled/> before zeroing its count: a burst right
  // after login makes its acknowledgements go backwards, and Prosody closes the session.
  // Logged in means enabled here.
  let offered = false
  xmpp.on('element', (el) => {
    if (el.is('features', 'http://etherx.jabber.org/streams') && el.getChild('sm', 'urn:xmpp:sm:3'))
      offered = true
  })
  const c = await started(prepare(xmpp, opts))
  for (const until = Date.now() + 5000; offered && !c.streamManagement.enabled && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 2))
  return c
}

export interface ComponentClientOptions extends EntityOptions<Component> {
  /** `xmpp://127.0.0.1:<port>` (server.componentService). */
  service: string
  domain: string
  password: string
}

/** A connected, authenticated @xmpp/component (XEP-0114). */
export async function componentClient(opts: ComponentClientOptions): Promise<Component> {
  const entity = component({ service: opts.service, domain: opts.domain, password: opts.password })
  return started(prepare(entity, opts))
}

/** Starts an entity; on failure closes its socket too, so a failed login leaves no connection behind. */
async function started<E extends Client | Component>(entity: E): Promise<E> {
  try {
    await entity.start()
    return entity
  } catch (err) {
    await entity.stop().catch(() => {})
    throw err
  }
}
