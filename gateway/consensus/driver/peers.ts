/**
 * Who the driver talks to at a height: it sends to this height's validators (keeping a link to
 * each) and accepts consensus input from them and from the last height's (whose late
 * precommits may still matter to a peer finishing that height).
 */
import { toHex } from '../../../lib/encoding.js'
import type { CoreState } from '../state.js'
import type { ValidatorSet } from '../types.js'
import type { PeerInfo } from './transport.js'

export interface ValidatorPeers {
  /** Changes exactly when either set does. */
  key: string
  links: PeerInfo[]
  allowed: string[]
}

export function validatorPeers(
  core: Readonly<CoreState>,
  self: Uint8Array,
  peerOf: (publicKey: Uint8Array) => PeerInfo,
): ValidatorPeers {
  const me = toHex(self)
  const others = (set: ValidatorSet | null) =>
    (set?.validators ?? []).filter((v) => toHex(v.publicKey) !== me).map((v) => peerOf(v.publicKey))
  const links = others(core.validators)
  const last = others(core.lastValidators)
  return {
    key: `${toHex(core.validators.hash)}/${core.lastValidators === null ? '' : toHex(core.lastValidators.hash)}`,
    links,
    allowed: [...links, ...last].map((p) => p.peerId),
  }
}
