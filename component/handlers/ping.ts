/**
 * XMPP Ping at the service D: an empty result while the component is alive.
 * References: XEP-0199 §4.2 (ping to a server or service; the answer is an empty IQ result).
 */
import type { IqHandler } from '../handler.js'

export const NS_PING = 'urn:xmpp:ping'

export const ping: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_PING,
  element: 'ping',
  targets: ['service'],
  handle: () => undefined,
}
