/**
 * What service discovery says about the ad-hoc commands at D: the items of the commands node
 * (for disco#items) and the identity and features of each command node (for disco#info).
 * handlers/disco-items.ts and handlers/disco-info.ts call these for those nodes.
 *
 * References: XEP-0050 §2.2 (the node 'http://jabber.org/protocol/commands' lists one item per
 * command, with jid, node and name; a command node's info has identity automation/command-node,
 * feature http://jabber.org/protocol/commands and SHOULD have jabber:x:data), §7.2 (the identity
 * automation/command-list, valid only for the commands node).
 */
import { type Command, NS_COMMANDS } from '../commands/command.js'
import { COMMANDS } from '../commands/index.js'
import { NS_DATA } from '../forms.js'
import type { HandlerServices } from '../handler.js'
import { type Element, xml } from '../xml.js'

const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'

export interface NodeInfo {
  identities: { category: string; type: string; name: string }[]
  features: string[]
}

/** The <item/>s of disco#items at D on node NS_COMMANDS, one per command. */
export function commandItems(
  services: Pick<HandlerServices, 'domain'>,
  commands: readonly Command[] = COMMANDS,
): Element[] {
  return commands.map((c) => xml('item', { jid: services.domain, node: c.node, name: c.name }))
}

/** disco#info of `node` at D when it is the commands node or a command; else undefined. */
export function commandNodeInfo(node: string, commands: readonly Command[] = COMMANDS): NodeInfo | undefined {
  if (node === NS_COMMANDS) {
    return {
      identities: [{ category: 'automation', type: 'command-list', name: 'Commands' }],
      features: [NS_DISCO_INFO, 'http://jabber.org/protocol/disco#items'],
    }
  }
  const command = commands.find((c) => c.node === node)
  if (command === undefined) return undefined
  return {
    identities: [{ category: 'automation', type: 'command-node', name: command.name }],
    features: [NS_COMMANDS, NS_DATA],
  }
}
