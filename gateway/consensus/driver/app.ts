/**
 * The application interface the driver runs: a deterministic state machine over committed
 * blocks. The core's ConsensusApp hooks (stateRoot, validateBlock, nextValidatorSet) are part
 * of it; getOperations is the driver's mempool. `apply` returns the writes that persist the new
 * state, and the driver puts them in the same atomic, synced batch as the block, so the chain
 * and the application can never disagree after a crash.
 */
import type { BatchOp } from '../../../lib/store/index.js'
import type { ConsensusApp } from '../state.js'
import type { CommitRecord, Hash } from '../types.js'

export interface StateMachine extends Omit<ConsensusApp, 'getOperations'> {
  /** The last applied height (0 before the first block). */
  readonly height: number
  /** Reads the persisted state; called once before the driver starts. */
  load(): Promise<void>
  /** Application state root after `height` (the last applied height, or a recent one). */
  stateRoot(height: number): Hash
  /** Applies the next committed block; must be deterministic and total (never throws on content). */
  apply(commit: CommitRecord): BatchOp[]
  /** Whether an operation may enter the mempool (the same rule validateBlock applies to each op). */
  checkOperation(op: Uint8Array): boolean
}
