/**
 * A chat with D itself: registration for clients that offer neither a XEP-0077 form nor ad-hoc
 * commands for a component (Conversations, Dino). The user writes a line; D answers in the chat.
 *
 *   register alice   -> "You are alice@D." once committed, or why not
 *   unregister       -> releases the nick
 *   whoami           -> the nick this JID holds
 *   help (anything else) -> the list above
 *
 * Messages without a body (chat states, receipts) get no answer.
 * References: RFC 6121 §5.2.2 (type chat), XEP-0085 (chat states carry no body).
 */
import { StanzaError } from '../errors.js'
import type { HandlerServices, MessageHandler } from '../handler.js'
import { type Element, xml } from '../xml.js'

const HELP = [
  'Commands:',
  '  register <nick>  take a nick: others reach you as <nick>@DOMAIN',
  '  unregister       give your nick up',
  '  whoami           show your nick',
].join('\n')

export const serviceChat: MessageHandler = {
  kind: 'message',
  targets: ['service'],
  feature: false,
  async handle({ stanza, from, services }) {
    // The stanza's own <body/> (the stream's namespace), not one of a foreign namespace.
    const body =
      stanza
        .getChildren('body')
        .find((b) => b.attrs.xmlns === undefined)
        ?.getText() ?? null
    if (body === null || body.trim() === '') return
    // Only a conversation is answered: never a headline, groupchat or error (no loops).
    const type = stanza.attrs.type ?? 'normal'
    if (type !== 'chat' && type !== 'normal') return
    const answer = await answerTo(body.trim().slice(0, 200), from.bare, services)
    await services.send(reply(stanza, services.domain, answer))
  },
}

async function answerTo(line: string, jid: string, services: HandlerServices): Promise<string> {
  const [command, ...args] = line.split(/\s+/)
  const d = services.domain
  try {
    switch (command.toLowerCase()) {
      case 'register': {
        if (args.length !== 1) return 'Usage: register <nick>'
        const account = await services.accounts.register(jid, args[0])
        return `You are ${account.nick}@${d}.`
      }
      case 'unregister': {
        const account = await services.accounts.unregister(jid)
        return `${account.nick}@${d} is released.`
      }
      case 'whoami': {
        const account = services.accounts.of(jid)
        return account === undefined
          ? 'You have no nick here. Send "register <nick>" to take one.'
          : `You are ${account.nick}@${d}.`
      }
      default:
        return HELP.replace('DOMAIN', d)
    }
  } catch (err) {
    if (err instanceof StanzaError) return `Not done: ${err.text ?? err.condition}.`
    throw err
  }
}

function reply(stanza: Element, domain: string, text: string): Element {
  const attrs: Record<string, string> = { from: domain, to: stanza.attrs.from, type: 'chat' }
  if (typeof stanza.attrs.id === 'string') attrs.id = `${stanza.attrs.id}-re`
  return xml('message', attrs, xml('body', {}, text))
}
