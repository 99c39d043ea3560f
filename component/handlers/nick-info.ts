/**
 * disco#info on a nick, nick@D or cluster.nick@D: a registered account, or item-not-found when the
 * nick directory knows no such binding.
 * References: XEP-0030 §3.1 (item-not-found for an entity that does not exist), XEP-0030 registry
 * of identities (account/registered).
 */
import { StanzaError } from '../errors.js'
import type { IqHandler } from '../handler.js'
import { infoQuery, NS_DISCO_INFO } from './disco-info.js'

export const nickInfo: IqHandler = {
  kind: 'iq',
  type: 'get',
  ns: NS_DISCO_INFO,
  element: 'query',
  targets: ['nick'],
  async handle({ payload, to, services }) {
    const record = await services.nicks.lookup(to.name, to.cluster)
    if (!record) throw new StanzaError('item-not-found', `no nick ${to.localpart} in this lattice`)
    if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node')
    return infoQuery(
      [{ category: 'account', type: 'registered', name: to.localpart }],
      services.features('nick'),
    )
  },
}
