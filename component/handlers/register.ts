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
import { fromB64u } from '../../lib/encoding.js'
import type { UserKey } from '../accounts.js'
import { buildForm, type FieldSpec, NS_DATA, parseForm, type SubmittedForm } from '../forms.js'
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
    const context = services.lattice.signingContext()
    const ownKey = context === undefined ? [] : ownKeyFields(context)
    return xml(
      'query',
      { xmlns: NS_REGISTER },
      xml('instructions', {}, instructions),
      xml('nick'),
      buildForm({
        type: 'form',
        formType: NS_REGISTER,
        title: `Register a nick at ${services.domain}`,
        instructions: context === undefined ? instructions : [instructions, OWN_KEY_INSTRUCTIONS],
        fields: [{ var: 'nick', type: 'text-single', label: 'Nick', required: true }, ...ownKey],
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
    if (payload.getChild('remove', NS_REGISTER) !== undefined) {
      await services.accounts.unregister(from.bare)
      return undefined
    }
    const { nick, key } = submittedRegistration(payload)
    await services.accounts.register(from.bare, nick, key)
    return undefined
  },
}

const OWN_KEY_INSTRUCTIONS =
  'Optional, to bind the nick to a key you hold: signing-key and agreement-key (your Ed25519 and X25519 ' +
  'public keys, base64url), seq (0 for a key never registered) and signature: Ed25519 by the signing key ' +
  'over "xlattice/cluster/nick/v1", a zero byte, then chain-id || u8 length || nick || signing-key || ' +
  'agreement-key || home || u32 seq (big-endian), with chain-id and home as given in this form.'

/** The fields of a registration with the user's own key, and what it is signed against. */
function ownKeyFields(context: { chainId: string; home: string }): FieldSpec[] {
  return [
    { var: 'signing-key', type: 'text-single', label: 'Your Ed25519 public key (optional)' },
    { var: 'agreement-key', type: 'text-single', label: 'Your X25519 public key (optional)' },
    { var: 'seq', type: 'text-single', label: 'Sequence (0 for a new key)', value: '0' },
    { var: 'signature', type: 'text-single', label: 'Your signature over the request' },
    { var: 'chain-id', type: 'hidden', value: context.chainId },
    { var: 'home', type: 'hidden', value: context.home },
  ]
}

/** The user's own key from a submitted form, when it names one; all of its fields or none. */
function submittedKey(form: SubmittedForm): UserKey | undefined {
  const given = ['signing-key', 'agreement-key', 'signature'].filter((f) => form.text(f) !== undefined)
  if (given.length === 0) return undefined
  if (given.length !== 3)
    throw new StanzaError(
      'not-acceptable',
      'a key of your own needs signing-key, agreement-key and signature',
    )
  const seqText = form.text('seq') ?? '0'
  const seq = Number(seqText)
  if (!/^\d{1,10}$/.test(seqText) || seq > 0xffff_ffff)
    throw new StanzaError('not-acceptable', 'seq is a whole number')
  return {
    signingKey: bytesOf(form.text('signing-key', { required: true }), 32, 'signing-key'),
    agreementKey: bytesOf(form.text('agreement-key', { required: true }), 32, 'agreement-key'),
    signature: bytesOf(form.text('signature', { required: true }), 64, 'signature'),
    seq,
  }
}

function bytesOf(text: string, length: number, field: string): Uint8Array {
  try {
    return fromB64u(text.trim(), length)
  } catch {
    throw new StanzaError('not-acceptable', `${field} is ${length} bytes in base64url`)
  }
}

/**
 * What a registration set asks for, its form read once: the nick (the form's `nick` field, else
 * the legacy <nick/> or <username/>) and, from the form, a key of the user's own.
 */
export function submittedRegistration(query: Element): { nick: string; key?: UserKey } {
  const x = query.getChild('x', NS_DATA)
  const form = x === undefined ? undefined : parseForm(x, { formType: NS_REGISTER, maxValueBytes: MAX_FIELD })
  let value: string | undefined
  if (form !== undefined) {
    value = form.text('nick') ?? form.text('username')
  } else {
    value = query.getChildText('nick') ?? query.getChildText('username') ?? undefined
    if (value !== undefined && value.length > MAX_FIELD)
      throw new StanzaError('not-acceptable', 'a nick has at most 32 characters')
  }
  if (value === undefined || value.trim() === '') throw new StanzaError('bad-request', 'no nick given')
  return { nick: value.trim(), key: form === undefined ? undefined : submittedKey(form) }
}
