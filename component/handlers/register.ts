/**
 * In-band registration of a nick at D (XEP-0077; seed rows 0.1.1, 0.1.2). The form asks for
 * one field, the nick; the result is sent only after the cluster committed the binding, so a
 * client that sees success can be found by everyone in the cluster at once.
 *
 *   get                     -> the form, or <registered/> with the nick held
 *   set <nick/> or a form   -> empty result once committed; conflict (taken, or the JID holds
 *                              another nick), not-acceptable (invalid nick, with why),
 *                              remote-server-not-found (no cluster yet), bad-request (no nick)
 *   set <remove/>           -> the nick released; item-not-found when the JID holds none
 *
 * The nick is bound to the sender's bare JID at this node only (accounts.ts).
 * References: XEP-0077 §3.1 (registration, <registered/>), §3.2 (<remove/>), §3.4 (a form with
 * FORM_TYPE jabber:iq:register in place of the legacy fields), §3.1 error table; XEP-0004 §3.
 */
import { StanzaError } from '../errors.js'
import type { IqHandler } from '../handler.js'
import { buildForm, NS_DATA, parseForm } from '../forms.js'
import { type Element, xml } from '../xml.js'

export const NS_REGISTER = 'jabber:iq:register'
/** A nick field value longer than this is refused before any parsing of it. */
const MAX_FIELD = 256

export const registerGet: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_REGISTER,
  element: 'query',
  targets: ['service'],
  handle({ from, services }) {
    const account = services.accounts.of(from.bare)
    if (account !== undefined) {
      return xml(
        'query',
        { xmlns: NS_REGISTER },
        xml('registered'),
        xml('username', {}, account.nick),
        xml('nick', {}, account.nick),
      )
    }
    const instructions = `Choose a nick: others reach you as nick@${services.domain}. 1 to 32 of a-z, 0-9, _ and -.`
    return xml(
      'query',
      { xmlns: NS_REGISTER },
      xml('instructions', {}, instructions),
      xml('nick'),
      buildForm({
        type: 'form',
        formType: NS_REGISTER,
        title: `Register a nick at ${services.domain}`,
        instructions,
        fields: [{ var: 'nick', type: 'text-single', label: 'Nick', required: true }],
      }),
    )
  },
}

export const registerSet: IqHandler = {
  kind: 'iq',
  type: 'set',
  ns: NS_REGISTER,
  element: 'query',
  targets: ['service'],
  async handle({ payload, from, services }) {
    if (payload.getChild('remove') !== undefined) {
      await services.accounts.unregister(from.bare)
      return undefined
    }
    await services.accounts.register(from.bare, submittedNick(payload))
    return undefined
  },
}

/** The nick of a registration set: the form's `nick` field, else the legacy <nick/> or <username/>. */
export function submittedNick(query: Element): string {
  const x = query.getChild('x', NS_DATA)
  let value: string | undefined
  if (x !== undefined) {
    const form = parseForm(x, { formType: NS_REGISTER, maxValueBytes: MAX_FIELD })
    value = form.text('nick') ?? form.text('username')
  } else {
    value = query.getChildText('nick') ?? query.getChildText('username') ?? undefined
    if (value !== undefined && value.length > MAX_FIELD)
      throw new StanzaError('not-acceptable', 'a nick has at most 32 characters')
  }
  if (value === undefined || value.trim() === '') throw new StanzaError('bad-request', 'no nick given')
  return value.trim()
}
