/** The consensus driver: the core over libp2p, with storage, mempool, catch-up and an application. */
export type { StateMachine } from './app.js'
export { BFT_PROTOCOL, driverTimeouts } from './constants.js'
export { Driver } from './driver.js'
export type { CommitInfo, DriverOptions } from './options.js'
export { ChainMismatch, CorruptStore, InvalidOperation, MempoolFull } from './errors.js'
export { decodePut, KvApp, OP_PUT, putOp } from './kv-app.js'
export {
  type Approval,
  approveMembership,
  encodeMembershipOp,
  membershipNextSet,
  OP_MEMBERSHIP,
} from './membership.js'
export { Mempool, opKey } from './mempool.js'
export { Libp2pTransport, type PeerInfo, type Transport, type TransportHandler } from './transport.js'
export { validatorAdminRoutes } from './admin.js'
export {
  chainIdOf,
  genesisFrom,
  peerIdOfKey,
  type RunningValidator,
  startValidator,
  type ValidatorEntry,
} from './validator.js'
