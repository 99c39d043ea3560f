/**
 * "Register a nick": the XEP-0077 registration as an ad-hoc command, for clients that offer no
 * registration form for components (Conversations, Dino). Two stages:
 *
 *   not registered: a form asking for `nick` (prefilled with the JID's localpart when that is a
 *                   valid nick) -> accounts.register(bare JID, nick) -> "You are alice@D" and a
 *                   result form, or an error note (taken, invalid, no cluster yet...).
 *   registered:     a form saying "You are alice@D" with a boolean `unregister` (default off) ->
 *                   ticked: accounts.unregister(bare JID) -> "Released alice"; not ticked: "You
 *                   are still alice@D". Offering the release here is deliberate: for a mobile
 *                   user this command is the only way to give a nick back.
 *
 * The stage is decided again at complete() by the Accounts table (through register/unregister),
 * so a registration made meanwhile through XEP-0077 is answered correctly.
 * References: XEP-0050 §2.4.2 (multiple stages), §3.6 (failure: completed with an error note);
 * XEP-0077 §3.1 (the registration this mirrors).
 */
import { Address, isValidNick } from '../address.js'
import { buildForm } from '../forms.js'
import { type Command, info } from './command.js'

export const REGISTER_FORM = 'urn:xlattice:commands:register'

type State = { stage: 'register' } | { stage: 'release'; nick: string }

export const register: Command<State> = {
  node: 'register',
  name: 'Register a nick',

  execute({ from, services }) {
    const account = services.accounts.of(from.bare)
    if (account !== undefined) {
      const jid = Address.nick(services.domain, account.nick).toString()
      return {
        status: 'executing',
        state: { stage: 'release', nick: account.nick },
        form: buildForm({
          type: 'form',
          formType: REGISTER_FORM,
          title: 'Register a nick',
          instructions: `You are ${jid}. To give the nick up, tick the box and complete.`,
          fields: [{ var: 'unregister', type: 'boolean', label: `Release ${account.nick}`, value: false }],
        }),
      }
    }
    // Servers hand us nodeprepped (lower-case) localparts; anything else is simply not prefilled.
    const local = from.local
    return {
      status: 'executing',
      state: { stage: 'register' },
      form: buildForm({
        type: 'form',
        formType: REGISTER_FORM,
        title: 'Register a nick',
        instructions: `Choose the nick others reach you at, as nick@${services.domain}: 1 to 32 of a-z, 0-9, _ and -.`,
        fields: [
          {
            var: 'nick',
            type: 'text-single',
            label: 'Nick',
            required: true,
            value: local !== undefined && isValidNick(local) ? local : undefined,
          },
        ],
      }),
    }
  },

  async complete({ from, services }, form, state) {
    if (state.stage === 'release') {
      if (!form.boolean('unregister')) {
        const jid = Address.nick(services.domain, state.nick).toString()
        return { status: 'completed', notes: [info(`Nothing changed: you are still ${jid}.`)] }
      }
      const released = await services.accounts.unregister(from.bare)
      return {
        status: 'completed',
        notes: [info(`Released ${released.nick}; you can register another nick.`)],
      }
    }
    const nick = form.text('nick', { required: true })
    const account = await services.accounts.register(from.bare, nick)
    const jid = Address.nick(services.domain, account.nick).toString()
    return {
      status: 'completed',
      notes: [info(`You are ${jid}`)],
      form: buildForm({
        type: 'result',
        formType: REGISTER_FORM,
        title: 'Registered',
        fields: [
          { var: 'nick', type: 'text-single', label: 'Nick', value: account.nick },
          { var: 'jid', type: 'jid-single', label: 'Address', value: jid },
        ],
      }),
    }
  },
}
