/**
 * disco#items at the service D: the ad-hoc commands under their node (XEP-0050 §2.2). Channels
 * will be listed at the root once they exist; until then it is empty, which XEP-0030 allows.
 * References: XEP-0030 §4.1 (items query and result, unknown node: item-not-found).
 */
import { StanzaError } from '../errors.js'
import type { IqHandler } from '../handler.js'
import { NS_COMMANDS } from '../commands/command.js'
import { xml } from '../xml.js'
import { commandItems } from './commands-items.js'

export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items'

export const discoItems: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_DISCO_ITEMS,
  element: 'query',
  targets: ['service'],
  handle({ payload, services }) {
    // XEP-0050 §2.2: the commands node lists the ad-hoc commands.
    if (payload.attrs.node === NS_COMMANDS)
      return xml('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS }, ...commandItems(services))
    if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node')
    return xml('query', { xmlns: NS_DISCO_ITEMS })
  },
}
