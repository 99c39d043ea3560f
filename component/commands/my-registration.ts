/**
 * "My registration": the nick the requester's bare JID holds at this node, its lattice address,
 * the user's NodeID and since when; or a note pointing at "Register a nick". Single stage.
 * References: XEP-0050 §2.4.1 (simple execution).
 */
import { Address } from '../address.js'
import { buildForm } from '../forms.js'
import { type Command, done, info } from './command.js'

export const MY_REGISTRATION_FORM = 'urn:xlattice:commands:my-registration'

export const myRegistration: Command<never> = {
  node: 'my-registration',
  name: 'My registration',

  execute({ from, services }) {
    const account = services.accounts.of(from.bare)
    if (account === undefined) {
      return done(info('You have not registered a nick; use Register a nick.'))
    }
    const jid = Address.nick(services.domain, account.nick).toString()
    return {
      status: 'completed',
      notes: [info(`You are ${jid}`)],
      form: buildForm({
        type: 'result',
        formType: MY_REGISTRATION_FORM,
        title: 'My registration',
        fields: [
          { var: 'nick', type: 'text-single', label: 'Nick', value: account.nick },
          { var: 'jid', type: 'jid-single', label: 'Address', value: jid },
          { var: 'userNodeId', type: 'text-single', label: 'User node ID', value: account.userNodeId },
          { var: 'since', type: 'text-single', label: 'Registered since', value: account.since },
        ],
      }),
    }
  },
}
