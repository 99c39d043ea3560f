/**
 * The simulated application: a hash-chain state machine over opaque operations. Operations are
 * `0x01 || text` (a transaction), `0x02 || validator set` (a membership change, effective at the
 * next height) or, from Byzantine proposers only, `0xff` (invalid: must never be committed).
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import {
  type Block,
  type CommitRecord,
  type ConsensusApp,
  DEFAULT_LIMITS,
  decodeValidatorSet,
  encodeValidatorSet,
  type Hash,
  type ValidatorSet,
} from '../../gateway/consensus/index.js'

export const OP_TX = 0x01
export const OP_VALSET = 0x02
export const OP_BAD = 0xff
export const GENESIS_ROOT = sha256(new TextEncoder().encode('xlattice/sim/genesis'))

export function txOp(text: string): Uint8Array {
  const body = new TextEncoder().encode(text)
  const op = new Uint8Array(body.length + 1)
  op[0] = OP_TX
  op.set(body, 1)
  return op
}

export function valsetOp(set: ValidatorSet): Uint8Array {
  const body = encodeValidatorSet(set)
  const op = new Uint8Array(body.length + 1)
  op[0] = OP_VALSET
  op.set(body, 1)
  return op
}

function opSet(op: Uint8Array): ValidatorSet | null {
  if (op[0] !== OP_VALSET) return null
  const d = decodeValidatorSet(op.subarray(1), DEFAULT_LIMITS)
  return d.ok ? d.value : null
}

export function opValid(op: Uint8Array): boolean {
  if (op.length === 0) return false
  if (op[0] === OP_TX) return op.length <= 128
  return op[0] === OP_VALSET && opSet(op) !== null
}

/** The membership change of a scenario: proposers include it from `fromHeight` until committed. */
export interface Membership {
  fromHeight: number
  op: Uint8Array
}

/** Deterministic next set: the last membership operation in the block, if any. */
export function nextSet(current: ValidatorSet, operations: readonly Uint8Array[]): ValidatorSet {
  let next = current
  for (const op of operations) next = opSet(op) ?? next
  return next
}

export class SimApp implements ConsensusApp {
  readonly roots: Hash[] = [GENESIS_ROOT]
  #changed = false
  #counter = 0

  constructor(
    readonly tag: string,
    readonly membership: Membership | null,
  ) {}

  getOperations(height: number): Uint8Array[] {
    const ops = [txOp(`${this.tag}:${height}:${this.#counter++}`)]
    if (this.membership !== null && !this.#changed && height >= this.membership.fromHeight)
      ops.push(this.membership.op)
    return ops
  }

  stateRoot(height: number): Hash {
    const root = this.roots[height]
    if (root === undefined) throw new Error(`state root ${height} not applied yet`)
    return root
  }

  validateBlock(block: Block): boolean {
    const root = this.roots[block.header.height - 1]
    return root !== undefined && equalBytes(root, block.header.stateRoot) && block.operations.every(opValid)
  }

  nextValidatorSet(_height: number, current: ValidatorSet, operations: readonly Uint8Array[]): ValidatorSet {
    return nextSet(current, operations)
  }

  apply(commit: CommitRecord): void {
    if (commit.height !== this.roots.length)
      throw new Error(`applying ${commit.height} after ${this.roots.length - 1}`)
    this.roots.push(sha256(this.roots[commit.height - 1], commit.block.header.operationsHash))
    if (
      this.membership !== null &&
      commit.block.operations.some((op) => equalBytes(op, this.membership!.op))
    ) {
      this.#changed = true
    }
  }
}
