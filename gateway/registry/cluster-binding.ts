/**
 * Cluster registry messages (seed rows 0.1.7, 0.1.8), as pure functions shared by the server,
 * the members that sign and anyone who checks a binding:
 *
 * - every member signs the same body bytes, built once by `clusterRegistrationBody` or
 *   `clusterUpdateBody` (members in canonical order, sorted by signing key as a consensus
 *   validator set is, so signature indices mean the same thing everywhere);
 * - a request counts when more than 2/3 of the member list it refers to signed it
 *   (`checkClusterQuorum`, weights 1: `3·signed > 2·members`, as in consensus/quorum.ts);
 * - the server answers with a binding it signs (`xlattice/cluster/v1`), which members show
 *   to others; `verifyClusterBinding` checks one, `verifyClusterHistory` the chain of
 *   recorded requests from the genesis members to the current ones.
 */
import { randomBytes, type Signer, sha256, verifySignature } from '../../lib/crypto.js'
import { compareBytes, equalBytes, toHex } from '../../lib/encoding.js'
import { hasQuorum } from '../consensus/quorum.js'
import { RegistryError } from './errors.js'
import {
  ClusterBinding,
  type ClusterMember,
  type ClusterSignature,
  type ClusterVersion,
  ErrorCode,
  RegisterCluster,
  type SignedClusterBinding,
  type SignedClusterRequest,
  UpdateClusterMembers,
} from './registry.pb.js'
import { TAG_CLUSTER, TAG_CLUSTER_ID, TAG_CLUSTER_REGISTER, TAG_CLUSTER_UPDATE } from './tags.js'

export const MAX_CLUSTER_MEMBERS = 64
export const MAX_CLUSTER_NAME_BYTES = 32
const NAME = /^[a-z0-9-]{1,32}$/
/** The shape of derived names; reserved, so an explicit name never looks like another's ID. */
const DERIVED = /^c-[0-9a-f]{8,30}$/

export interface ClusterApproval {
  publicKey: Uint8Array
  signature: Uint8Array
}

export interface ClusterRegistrationFields {
  /** Empty or absent: the server derives one from the cluster ID. */
  name?: string
  members: ClusterMember[]
  timestamp?: number
  nonce?: Uint8Array
}

export interface ClusterUpdateFields {
  clusterId: Uint8Array
  previousVersion: number
  members: ClusterMember[]
  timestamp?: number
  nonce?: Uint8Array
}

/** Members in canonical order: by signing key, ascending. */
export function sortMembers(members: readonly ClusterMember[]): ClusterMember[] {
  return [...members].sort((a, b) => compareBytes(a.sigPublicKey, b.sigPublicKey))
}

/** The RegisterCluster bytes every founding member signs. */
export function clusterRegistrationBody(fields: ClusterRegistrationFields): Uint8Array {
  return RegisterCluster.encode({
    name: fields.name ?? '',
    members: sortMembers(fields.members),
    timestamp: BigInt(fields.timestamp ?? Date.now()),
    nonce: fields.nonce ?? randomBytes(16),
  })
}

/** The UpdateClusterMembers bytes every current member signs. */
export function clusterUpdateBody(fields: ClusterUpdateFields): Uint8Array {
  return UpdateClusterMembers.encode({
    clusterId: fields.clusterId,
    previousVersion: BigInt(fields.previousVersion),
    members: sortMembers(fields.members),
    timestamp: BigInt(fields.timestamp ?? Date.now()),
    nonce: fields.nonce ?? randomBytes(16),
  })
}

export function signClusterRegistration(signer: Signer, body: Uint8Array): ClusterApproval {
  return { publicKey: signer.publicKey, signature: signer.sign(TAG_CLUSTER_REGISTER, body) }
}

export function signClusterUpdate(signer: Signer, body: Uint8Array): ClusterApproval {
  return { publicKey: signer.publicKey, signature: signer.sign(TAG_CLUSTER_UPDATE, body) }
}

/**
 * Indexes approvals into `members` (the list the signatures refer to). Approvals by keys
 * outside the list cannot be expressed on the wire and are left out; so is a second approval
 * by one key.
 */
export function clusterSignatures(
  members: readonly ClusterMember[],
  approvals: readonly ClusterApproval[],
): ClusterSignature[] {
  const byIndex = new Map<number, Uint8Array>()
  for (const a of approvals) {
    const index = members.findIndex((m) => equalBytes(m.sigPublicKey, a.publicKey))
    if (index >= 0 && !byIndex.has(index)) byIndex.set(index, a.signature)
  }
  return [...byIndex].sort((x, y) => x[0] - y[0]).map(([index, signature]) => ({ index, signature }))
}

/**
 * `SHA-256("xlattice/cluster/id/v1" || 0x00 || key_1 || ... || key_n || nonce)` over the
 * genesis signing keys in canonical order: the founders can compute it before registering, and
 * nobody can aim it at an existing ID (that would take a SHA-256 preimage).
 */
export function clusterIdOf(members: readonly ClusterMember[], nonce: Uint8Array): Uint8Array {
  const tag = new TextEncoder().encode(TAG_CLUSTER_ID)
  return sha256(tag, new Uint8Array([0]), ...sortMembers(members).map((m) => m.sigPublicKey), nonce)
}

/** `c-` and the first `hexDigits` hex digits of the ID (8 unless those are taken). */
export function derivedClusterName(clusterId: Uint8Array, hexDigits = 8): string {
  return `c-${toHex(clusterId).slice(0, hexDigits)}`
}

/** Why `name` cannot be chosen by founders, or undefined when it can. */
export function clusterNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `name ${JSON.stringify(name.slice(0, 40))} does not match [a-z0-9-]{1,32}`
  if (DERIVED.test(name))
    return `name ${name} is reserved: c- followed by hex digits is how names are derived`
  return undefined
}

/** The first member-list problem found (lengths, size, canonical order), or undefined. */
export function memberListProblem(members: readonly ClusterMember[]): string | undefined {
  if (members.length === 0 || members.length > MAX_CLUSTER_MEMBERS) {
    return `a cluster has 1..${MAX_CLUSTER_MEMBERS} members, not ${members.length}`
  }
  for (const [i, m] of members.entries()) {
    if (m.nodeId.length !== 32) return `member ${i}: nodeId must be 32 bytes`
    if (m.sigPublicKey.length !== 32) return `member ${i}: sigPublicKey must be 32 bytes (Ed25519)`
    if (i > 0 && compareBytes(members[i - 1].sigPublicKey, m.sigPublicKey) >= 0) {
      return 'members must be sorted by sigPublicKey, strictly increasing (no duplicates)'
    }
  }
  const ids = new Set(members.map((m) => toHex(m.nodeId)))
  if (ids.size !== members.length) return 'a NodeID appears twice in the member list'
  return undefined
}

/**
 * Checks that `signatures` over `tag || 0x00 || body` come from more than 2/3 of `members`
 * (by count). Throws RegistryError: NOT_A_MEMBER for an index outside the list, BAD_REQUEST
 * for a repeated index, INSUFFICIENT_SIGNATURES below the quorum, BAD_SIGNATURE when one does
 * not verify with the key at its index (a non-member's signature, or a forged one). Counting
 * comes before verifying, so a sub-quorum request costs no signature check.
 */
export function checkClusterQuorum(
  tag: string,
  body: Uint8Array,
  signatures: readonly ClusterSignature[],
  members: readonly ClusterMember[],
): void {
  const seen = new Set<number>()
  for (const s of signatures) {
    if (s.index >= members.length) {
      throw new RegistryError(
        ErrorCode.NOT_A_MEMBER,
        `signature index ${s.index} is not a member (the list has ${members.length})`,
      )
    }
    if (seen.has(s.index)) throw new RegistryError(ErrorCode.BAD_REQUEST, `member ${s.index} signed twice`)
    seen.add(s.index)
  }
  if (!hasQuorum(BigInt(seen.size), BigInt(members.length))) {
    const need = Math.floor((2 * members.length) / 3) + 1
    throw new RegistryError(
      ErrorCode.INSUFFICIENT_SIGNATURES,
      `signed by ${seen.size} of ${members.length} members; more than 2/3 (${need}) must sign`,
    )
  }
  for (const s of signatures) {
    if (!verifySignature(tag, body, s.signature, members[s.index].sigPublicKey)) {
      throw new RegistryError(
        ErrorCode.BAD_SIGNATURE,
        `signature by member ${s.index} does not verify with that member's key`,
      )
    }
  }
}

export interface ClusterBindingFields {
  clusterId: Uint8Array
  name: string
  genesis: ClusterMember[]
  registeredAt: number
  version: number
  members: ClusterMember[]
  updatedAt: number
}

export function issueClusterBinding(issuer: Signer, fields: ClusterBindingFields): SignedClusterBinding {
  const binding = ClusterBinding.encode({
    clusterId: fields.clusterId,
    name: fields.name,
    genesis: fields.genesis,
    registeredAt: BigInt(fields.registeredAt),
    version: BigInt(fields.version),
    members: fields.members,
    updatedAt: BigInt(fields.updatedAt),
    issuer: issuer.publicKey,
  })
  return { binding, signature: issuer.sign(TAG_CLUSTER, binding) }
}

export class ClusterBindingError extends Error {
  override name = 'ClusterBindingError'
}

const LIMITS = { limits: { genesis: MAX_CLUSTER_MEMBERS, members: MAX_CLUSTER_MEMBERS } }

/** Checks a binding's signature against the trusted issuer key(s); returns its contents. */
export function verifyClusterBinding(
  signed: SignedClusterBinding,
  trustedIssuers: readonly Uint8Array[],
): ClusterBinding {
  let b: ClusterBinding
  try {
    b = ClusterBinding.decode(signed.binding, LIMITS)
  } catch (err) {
    throw new ClusterBindingError(`cluster binding is malformed: ${(err as Error).message}`)
  }
  if (!trustedIssuers.some((k) => equalBytes(k, b.issuer))) {
    throw new ClusterBindingError('cluster binding issuer is not trusted')
  }
  if (!verifySignature(TAG_CLUSTER, signed.binding, signed.signature, b.issuer)) {
    throw new ClusterBindingError('cluster binding signature does not verify')
  }
  const problem =
    b.clusterId.length !== 32
      ? 'clusterId must be 32 bytes'
      : (memberListProblem(b.genesis) ?? memberListProblem(b.members))
  if (problem !== undefined) throw new ClusterBindingError(`cluster binding is invalid: ${problem}`)
  return b
}

/** Same members, same order. */
export const sameMembers = (a: readonly ClusterMember[], b: readonly ClusterMember[]): boolean =>
  a.length === b.length &&
  a.every((m, i) => equalBytes(m.nodeId, b[i].nodeId) && equalBytes(m.sigPublicKey, b[i].sigPublicKey))

/**
 * Follows a cluster's recorded history from version 0 without trusting the server for more
 * than what it signed: each version's request must be signed by more than 2/3 of the members
 * before it (the genesis members for the registration) and name exactly the members the
 * server's binding shows. Returns the last verified binding.
 */
export function verifyClusterHistory(
  history: readonly ClusterVersion[],
  trustedIssuers: readonly Uint8Array[],
): ClusterBinding {
  let previous: ClusterBinding | undefined
  for (const [v, entry] of history.entries()) {
    if (entry.binding === undefined || entry.request === undefined) {
      throw new ClusterBindingError(`version ${v}: binding or request missing`)
    }
    const b = verifyClusterBinding(entry.binding, trustedIssuers)
    const req: SignedClusterRequest = entry.request
    if (b.version !== BigInt(v)) throw new ClusterBindingError(`entry ${v} holds version ${b.version}`)
    let members: ClusterMember[]
    try {
      if (v === 0) {
        const reg = RegisterCluster.decode(req.body, { limits: { members: MAX_CLUSTER_MEMBERS } })
        members = reg.members
        if (!equalBytes(clusterIdOf(members, reg.nonce), b.clusterId)) {
          throw new ClusterBindingError('cluster ID does not derive from the registration')
        }
        checkClusterQuorum(TAG_CLUSTER_REGISTER, req.body, req.signatures, members)
      } else {
        const upd = UpdateClusterMembers.decode(req.body, { limits: { members: MAX_CLUSTER_MEMBERS } })
        members = upd.members
        const sameCluster =
          equalBytes(upd.clusterId, b.clusterId) && equalBytes(b.clusterId, previous!.clusterId)
        if (!sameCluster || upd.previousVersion !== BigInt(v - 1)) {
          throw new ClusterBindingError(`version ${v}: the request is for another cluster or version`)
        }
        checkClusterQuorum(TAG_CLUSTER_UPDATE, req.body, req.signatures, previous!.members)
      }
    } catch (err) {
      if (err instanceof ClusterBindingError) throw err
      throw new ClusterBindingError(`version ${v}: ${(err as Error).message}`)
    }
    if (!sameMembers(members, b.members) || !sameMembers(b.genesis, v === 0 ? members : previous!.genesis)) {
      throw new ClusterBindingError(`version ${v}: the binding's members differ from the signed request`)
    }
    previous = b
  }
  if (previous === undefined) throw new ClusterBindingError('empty history')
  return previous
}
