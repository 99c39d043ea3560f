/**
 * Each operation's signatures are checked once per validator: at mempool admission
 * (checkOperation), and the proposal check (validateBlock) and apply find the result here, by
 * the operation's hash. Only successes are kept: the key is the hash of the whole operation, so
 * a forged one can never pass for a good one, and junk cannot evict good entries. apply takes
 * an entry out (the operation is committed); the bound exceeds the mempool's, so an operation
 * waiting in a full mempool is still known when it is proposed. Like the consensus driver's
 * VerifyCache for votes (gateway/consensus/driver/verify-cache.ts).
 */
import { verifySignature } from '../../lib/crypto.js'
import { concatBytes } from '../../lib/encoding.js'
import type { VerifyFn } from '../consensus/verify.js'
import type { RegistryOp, SignedPart } from './ops.js'
import type { RejectReason } from './receipts.js'

export const MAX_VERIFIED_OPS = 131_072

export class VerifiedOps {
  readonly #ok = new Set<string>()
  readonly #chainId: Uint8Array
  readonly #verify: VerifyFn
  readonly #max: number

  constructor(chainId: Uint8Array, verify: VerifyFn = verifySignature, max = MAX_VERIFIED_OPS) {
    this.#chainId = chainId
    this.#verify = verify
    this.#max = max
  }

  get size(): number {
    return this.#ok.size
  }

  /** Why the signatures of `op` (with hash `key`) fail, or null when both hold. */
  check(key: string, op: RegistryOp): RejectReason | null {
    if (this.#ok.has(key)) return null
    if (!this.#holds(op.outer)) return 'bad-signature'
    if (!this.#holds(op.inner)) return innerReason(op)
    this.#remember(key)
    return null
  }

  /**
   * As check, for an operation this process has just sealed: its envelope signature is known
   * good (the driver's VerifyCache takes its own votes the same way), so only the user's (or
   * node's) proof is checked. Saves one of the two verifications at the submitting member.
   */
  checkOwn(key: string, op: RegistryOp): RejectReason | null {
    if (this.#ok.has(key)) return null
    if (!this.#holds(op.inner)) return innerReason(op)
    this.#remember(key)
    return null
  }

  /** As check, for apply: the entry is no longer needed once the operation is committed. */
  take(key: string, op: RegistryOp): RejectReason | null {
    if (this.#ok.delete(key)) return null
    if (!this.#holds(op.outer)) return 'bad-signature'
    return this.#holds(op.inner) ? null : innerReason(op)
  }

  #remember(key: string): void {
    if (this.#ok.size >= this.#max) this.#ok.delete(this.#ok.values().next().value!)
    this.#ok.add(key)
  }

  #holds(s: SignedPart): boolean {
    const bytes = s.bare === true ? s.signed : concatBytes(this.#chainId, s.signed)
    return this.#verify(s.tag, bytes, s.signature, s.publicKey)
  }
}

/** The second signature is the user's, the node's, or (0x13) the server's on a certificate. */
const innerReason = (op: RegistryOp): RejectReason =>
  op.kind === 'memberNodeId' ? 'bad-certificate' : 'bad-user-signature'
