/**
 * A message from a user of this server to `nick@D` (seed rows 0.1.3, 0.1.4): relayed through
 * the lattice to the nick's home node, which hands it to the nick's real JID from
 * `sender@D_home`. The sender must hold a nick here (it is the address replies come back to).
 *
 * The message counts as accepted once it is in this node's outbox on disk (Lattice.send);
 * delivery, retries across restarts and acknowledgements are the node's. Everything
 * synchronous up to Lattice.send, so messages from one sender are queued in arrival order.
 *
 * Errors (RFC 6120 §8.3.3): no nick for the sender -> registration-required; no such nick in
 * this cluster, or another cluster's qualified nick -> item-not-found; the registry still
 * opening after a restart -> recipient-unavailable (wait); over the lattice's
 * payload size -> policy-violation (modify); the outbox is full -> resource-constraint (wait).
 * References: RFC 6121 §5 (message exchange), §8.5.2 (a message to a bare or full JID).
 */
import { StanzaError } from '../errors.js'
import type { MessageHandler } from '../handler.js'
import { PayloadTooLargeError } from '../lattice.js'
import { encodeRelay } from '../relay.js'

export const nickMessage: MessageHandler = {
  kind: 'message',
  targets: ['nick', 'nick/resource'],
  feature: false,
  handle({ stanza, from, to, services }) {
    const sender = services.accounts.of(from.bare)
    if (sender === undefined) {
      throw new StanzaError(
        'registration-required',
        `register a nick first: send "register <nick>" to ${services.domain}`,
      )
    }
    // The cluster's name only for a qualified nick (cluster() builds the member list).
    if (to.cluster !== undefined && to.cluster !== services.lattice.cluster()?.name)
      throw new StanzaError('item-not-found', `no cluster ${to.cluster} is reachable from here yet`)
    // Not item-not-found while the registry cannot say yet (a node that just restarted).
    if (services.lattice.registryOpening())
      throw new StanzaError(
        'recipient-unavailable',
        'the lattice is starting; send it again in a few seconds',
      )
    const binding = services.lattice.nick(to.name)
    if (binding === undefined) throw new StanzaError('item-not-found', `no nick ${to.name} in this lattice`)
    return services.lattice
      .send(binding.home, encodeRelay(stanza, sender.nick, binding.nick))
      .catch((err) => {
        if (err instanceof PayloadTooLargeError) {
          // RFC 6120 §8.3.3.12: refused for its size, so a client must not retry it as it is.
          throw new StanzaError('policy-violation', `too large for the lattice (${err.limit} bytes)`, {
            type: 'modify',
          })
        }
        throw new StanzaError('resource-constraint', `not queued: ${(err as Error).message}`, {
          type: 'wait',
          cause: err,
        })
      })
  },
}
