/**
 * disco#info at the service D: who we are and what we answer.
 * References: XEP-0030 §3.1 (info query and result; nodes: none published yet).
 */
import { StanzaError } from '../errors.js'
import type { IqHandler } from '../handler.js'
import { type Element, xml } from '../xml.js'
import { commandNodeInfo } from './commands-items.js'

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'

/** DESIGN.md "XMPP mapping": D is a channel service (MUC, XEP-0045) and the lattice's gateway. */
export const SERVICE_IDENTITIES = [
  { category: 'conference', type: 'text', name: 'XLattice channels' },
  { category: 'gateway', type: 'xlattice', name: 'XLattice Chat' },
] as const

/** The <query/> of a disco#info result: identities, then features. */
export function infoQuery(
  identities: readonly { category: string; type: string; name?: string }[],
  features: readonly string[],
): Element {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO },
    ...identities.map((i) => xml('identity', { ...i })),
    ...features.map((f) => xml('feature', { var: f })),
  )
}

export const discoInfo: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_DISCO_INFO,
  element: 'query',
  targets: ['service'],
  handle({ payload, services }) {
    const node = payload.attrs.node
    if (node) {
      // XEP-0050 §2.3: a command node describes itself; any other node does not exist (XEP-0030 §3.1).
      const info = commandNodeInfo(node)
      if (info === undefined) throw new StanzaError('item-not-found', 'no such node')
      const query = infoQuery(info.identities, info.features)
      query.attrs.node = node
      return query
    }
    return infoQuery(SERVICE_IDENTITIES, services.features('service'))
  },
}
