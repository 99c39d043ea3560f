/**
 * The dispatch table: every stanza handler of the component, one per file. The router keys them by
 * (kind, target, namespace, element) and generates the disco#info features from this list, so a
 * handler added here is advertised without further edits.
 */
import type { Handler } from '../handler.js'
import { commands } from './commands.js'
import { discoInfo } from './disco-info.js'
import { discoItems } from './disco-items.js'
import { nickInfo } from './nick-info.js'
import { nickMessage } from './nick-message.js'
import { ping } from './ping.js'
import { nickPresence, servicePresence } from './presence.js'
import { registerGet, registerSet } from './register.js'
import { serviceChat } from './service-chat.js'
import { version } from './version.js'

export const HANDLERS: readonly Handler[] = [
  discoInfo,
  discoItems,
  ping,
  version,
  nickInfo,
  registerGet,
  registerSet,
  serviceChat,
  commands,
  nickMessage,
  nickPresence,
  servicePresence,
]
