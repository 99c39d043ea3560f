/**
 * disco#items at the service D. Channels will be listed here once the cluster layer exists (a
 * later part); until then the list is empty, which XEP-0030 allows.
 * References: XEP-0030 §4.1 (items query and result, unknown node: item-not-found).
 */
import { StanzaError } from '../errors.js'
import type { IqHandler } from '../handler.js'
import { xml } from '../xml.js'

export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items'

export const discoItems: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_DISCO_ITEMS,
  element: 'query',
  targets: ['service'],
  handle({ payload }) {
    if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node')
    return xml('query', { xmlns: NS_DISCO_ITEMS })
  },
}
