/**
 * Presence to nick@D (subscriptions, probes) and to D itself (this server's users' availability,
 * once they approved D's subscription): presence.ts does the work; these route to it.
 * References: RFC 6121 §3-4.
 */
import type { PresenceHandler } from '../handler.js'

export const nickPresence: PresenceHandler = {
  kind: 'presence',
  targets: ['nick', 'nick/resource'],
  async handle({ stanza, from, to, services }) {
    // A qualified nick of another cluster: nobody here to subscribe to.
    if (to.cluster !== undefined && to.cluster !== services.lattice.cluster()?.name) return
    await services.presence.toNick(stanza, from, to.name)
  },
}

export const servicePresence: PresenceHandler = {
  kind: 'presence',
  targets: ['service', 'service/resource'],
  async handle({ stanza, from, services }) {
    await services.presence.toService(stanza, from)
  },
}
