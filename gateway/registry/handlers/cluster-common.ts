/**
 * Checks shared by RegisterCluster and UpdateClusterMembers: bounded decoding, freshness,
 * and that every listed member is a node this server certified, under its certified key.
 */
import { equalBytes, toHex } from '../../../lib/encoding.js'
import type { HandlerComponents } from '../components.js'
import { MAX_CLUSTER_MEMBERS, memberListProblem } from '../cluster-binding.js'
import { badRequest, RegistryError } from '../errors.js'
import { type ClusterMember, ErrorCode, SignedClusterRequest } from '../registry.pb.js'

/** Decodes a request's signature envelope; at most one signature per possible member. */
export function decodeSignedRequest(body: Uint8Array): SignedClusterRequest {
  try {
    return SignedClusterRequest.decode(body, { limits: { signatures: MAX_CLUSTER_MEMBERS } })
  } catch (err) {
    throw badRequest(`SignedClusterRequest is malformed: ${(err as Error).message}`)
  }
}

/** Decodes an inner body with protons' repeated-field limit on `members`. */
export function decodeBody<T>(
  what: string,
  decode: (bytes: Uint8Array, opts: { limits: { members: number } }) => T,
  bytes: Uint8Array,
): T {
  try {
    return decode(bytes, { limits: { members: MAX_CLUSTER_MEMBERS } })
  } catch (err) {
    throw badRequest(
      `${what} is malformed (at most ${MAX_CLUSTER_MEMBERS} members): ${(err as Error).message}`,
    )
  }
}

export function checkMemberList(members: readonly ClusterMember[]): void {
  const problem = memberListProblem(members)
  if (problem !== undefined) throw badRequest(problem)
}

export function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== 16) throw badRequest('nonce must be 16 bytes')
}

export function checkTimestamp(c: HandlerComponents, timestamp: bigint, now: number): void {
  const skew = Number(timestamp) - now
  if (Math.abs(skew) > c.limits.clockSkewMs) {
    throw new RegistryError(
      ErrorCode.STALE_TIMESTAMP,
      `timestamp is ${Math.round(skew / 1000)} s off the server clock (allowed ±${c.limits.clockSkewMs / 1000} s)`,
    )
  }
}

/** Every member must hold a NodeID certificate from this server, for exactly this key. */
export function checkCertified(c: HandlerComponents, members: readonly ClusterMember[]): void {
  for (const [i, m] of members.entries()) {
    const binding = c.table.byId(m.nodeId)
    const id = toHex(m.nodeId)
    if (binding === undefined) {
      throw new RegistryError(
        ErrorCode.NOT_REGISTERED,
        `member ${i} (NodeID ${id}) has no NodeID certificate from this server`,
      )
    }
    if (!equalBytes(binding.sigPublicKey, m.sigPublicKey)) {
      throw new RegistryError(
        ErrorCode.KEY_MISMATCH,
        `member ${i}: sigPublicKey is not the key certified for NodeID ${id}`,
      )
    }
  }
}

/** Members that already belong to a cluster other than `except`. */
export function checkFree(
  c: HandlerComponents,
  members: readonly ClusterMember[],
  except?: Uint8Array,
): void {
  for (const [i, m] of members.entries()) {
    const other = c.clusters.clusterOf(m.nodeId)
    if (other !== undefined && (except === undefined || !equalBytes(other.clusterId, except))) {
      throw new RegistryError(
        ErrorCode.CONFLICT,
        `member ${i} (NodeID ${toHex(m.nodeId)}) already belongs to cluster ${other.name}`,
      )
    }
  }
}
