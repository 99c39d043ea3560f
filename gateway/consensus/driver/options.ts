/** What a Driver is made of, and what it reports about its last commit. */
import type { Registry } from 'prom-client'
import type { Logger } from '../../../lib/log.js'
import type { Store } from '../../../lib/store/index.js'
import type { ConsensusSigner } from '../state.js'
import type { Hash, Limits, Timeouts, ValidatorSet } from '../types.js'
import type { VerifyFn } from '../verify.js'
import type { StateMachine } from './app.js'
import type { MempoolOptions } from './mempool.js'
import type { PeerInfo, Transport } from './transport.js'

export interface DriverOptions {
  chainId: Hash
  genesis: ValidatorSet
  signer: ConsensusSigner
  /** The driver's own key space (chain, records and the application's `a/` keys). */
  store: Store
  app: StateMachine
  transport: Transport
  /** Where a validator is reached: its peer ID and any addresses known up front. */
  peerOf(publicKey: Uint8Array): PeerInfo
  timeouts?: Partial<Timeouts>
  limits?: Partial<Limits>
  mempool?: Partial<MempoolOptions>
  emptyBlockIntervalMs?: number
  gossipIntervalMs?: number
  log: Logger
  metrics: Registry
  verify?: VerifyFn
  /** A storage failure or an internal error: the driver has halted and must not be restarted in-process. */
  onFatal?(err: Error): void
}

export interface CommitInfo {
  height: number
  round: number
  blockHash: string
  ops: number
  at: number
}
