/**
 * Software version of the service D. The operating system is left out on purpose.
 * References: XEP-0092 §3 (result with name and version), §5 (revealing the OS is optional).
 */
import type { IqHandler } from '../handler.js'
import { xml } from '../xml.js'

export const NS_VERSION = 'jabber:iq:version'

export const version: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_VERSION,
  element: 'query',
  targets: ['service'],
  handle({ services }) {
    const { name, version } = services.software
    return xml('query', { xmlns: NS_VERSION }, xml('name', {}, name), xml('version', {}, version))
  },
}
