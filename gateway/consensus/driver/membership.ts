/**
 * Membership changes as committed operations. A change names the set it replaces (by hash) and
 * the next set, and carries approvals (signatures under `xlattice/bft/membership/v1` over
 * `chainId || currentSetHash || nextSetHash`) from members of the current set holding a quorum
 * of its weight: anyone who can submit an operation could otherwise replace the validators.
 * The block that commits it is certified by the current set and names the next set in its
 * header (`nextValidatorsHash`), so an outsider holding the genesis set can follow the chain of
 * sets (verifyCertificateChain). A change takes effect at the next height.
 *
 * Op: `0x02 || u8 version(1) || currentSetHash(32) || u32 len || validator list || u16 count ||
 * count x (u16 index || signature(64))`, indices strictly increasing into the current set.
 */
import { verifySignature } from '../../../lib/crypto.js'
import { concatBytes, equalBytes } from '../../../lib/encoding.js'
import { Malformed, Reader, Writer } from '../bytes.js'
import { hasQuorum } from '../quorum.js'
import type { ConsensusSigner } from '../state.js'
import { HASH_LENGTH, type Limits, SIGNATURE_LENGTH, type ValidatorSet } from '../types.js'
import { decodeValidatorSet, encodeValidatorSet, indexOfKey } from '../validators.js'
import type { VerifyFn } from '../verify.js'

export const OP_MEMBERSHIP = 0x02
export const TAG_MEMBERSHIP = 'xlattice/bft/membership/v1'
const VERSION = 1

export interface Approval {
  publicKey: Uint8Array
  signature: Uint8Array
}

export interface MembershipChange {
  currentHash: Uint8Array
  next: ValidatorSet
  approvals: { index: number; signature: Uint8Array }[]
}

export function membershipSignBytes(
  chainId: Uint8Array,
  currentHash: Uint8Array,
  nextHash: Uint8Array,
): Uint8Array {
  return concatBytes(chainId, currentHash, nextHash)
}

/** This validator's approval of replacing `current` by `next`. */
export function approveMembership(
  signer: ConsensusSigner,
  chainId: Uint8Array,
  current: ValidatorSet,
  next: ValidatorSet,
): Approval {
  const signature = signer.sign(TAG_MEMBERSHIP, membershipSignBytes(chainId, current.hash, next.hash))
  return { publicKey: signer.publicKey, signature }
}

/** Approvals from keys outside `current` are left out; the rest are ordered by index. */
export function encodeMembershipOp(
  current: ValidatorSet,
  next: ValidatorSet,
  approvals: readonly Approval[],
): Uint8Array {
  const byIndex = new Map<number, Uint8Array>()
  for (const a of approvals) {
    const index = indexOfKey(current, a.publicKey)
    if (index >= 0 && a.signature.length === SIGNATURE_LENGTH) byIndex.set(index, a.signature)
  }
  const list = encodeValidatorSet(next)
  const w = new Writer(64 + list.length + 66 * byIndex.size).u8(OP_MEMBERSHIP).u8(VERSION).raw(current.hash)
  w.varBytes(list).u16(byIndex.size)
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) w.u16(index).raw(byIndex.get(index)!)
  return w.finish()
}

export function decodeMembershipOp(op: Uint8Array, limits: Limits): MembershipChange | null {
  if (op[0] !== OP_MEMBERSHIP) return null
  try {
    const r = new Reader(op)
    r.u8()
    if (r.u8() !== VERSION) return null
    const currentHash = r.fixed(HASH_LENGTH)
    const next = decodeValidatorSet(r.varBytes(2 + 40 * limits.maxValidators), limits)
    if (!next.ok) return null
    const count = r.u16()
    const approvals: MembershipChange['approvals'] = []
    let last = -1
    for (let i = 0; i < count; i++) {
      const index = r.u16()
      if (index <= last) throw new Malformed('approvals not in strictly increasing index order')
      last = index
      approvals.push({ index, signature: r.fixed(SIGNATURE_LENGTH) })
    }
    r.end()
    return { currentHash, next: next.value, approvals }
  } catch {
    return null
  }
}

/**
 * The set a membership op installs, if it is well formed, replaces exactly `current` and is
 * approved by a quorum of `current`'s weight; null otherwise (the op is then committed as
 * rejected, with no effect).
 */
export function membershipNextSet(
  chainId: Uint8Array,
  current: ValidatorSet,
  op: Uint8Array,
  limits: Limits,
  verify: VerifyFn = verifySignature,
): ValidatorSet | null {
  const change = decodeMembershipOp(op, limits)
  if (change === null || !equalBytes(change.currentHash, current.hash)) return null
  const bytes = membershipSignBytes(chainId, current.hash, change.next.hash)
  let weight = 0n
  for (const { index, signature } of change.approvals) {
    const v = current.validators[index]
    if (v === undefined || !verify(TAG_MEMBERSHIP, bytes, signature, v.publicKey)) return null
    weight += v.weight
  }
  return hasQuorum(weight, current.totalWeight) ? change.next : null
}
