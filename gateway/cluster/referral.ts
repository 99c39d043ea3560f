/**
 * Referrals (seed rows 0.1.9, 0.1.10): a node the XLattice server refers to a cluster gets its
 * NodeID from that cluster. It asks one member to commit an assignment (an `assign node ID`
 * op carrying the node's own signature over its keys, so nobody assigns keys it does not
 * hold), then asks members to attest the assignment their registry holds; with attestations
 * from more than 2/3 of the cluster's current members it registers again, and the server
 * certifies the assigned NodeID. The node carries the cluster's report to the server, so
 * every member, the node and the server hold the same NodeID.
 *
 * Both sides live here: `serveAssignments` (a member) and `obtainAssignment` (a referred node).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { type Signer, sha256 } from '../../lib/crypto.js'
import { concatBytes, equalBytes, toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import { RpcStream, serveStream } from '../p2p/rpc.js'
import { clusterSignatures } from '../registry/cluster-binding.js'
import type { RegistryClient } from '../registry/client.js'
import { assignmentAttestation } from '../registry/handlers/register.js'
import { openPeerRecord } from '../registry/peer-record.js'
import type { ClusterAssignment, Referral } from '../registry/registry.pb.js'
import { TAG_CLUSTER_ASSIGNED } from '../registry/tags.js'
import { AssignError, AssignKind, AssignRequest, AssignResponse } from './cluster.pb.js'
import { assignedNodeId } from './entries.js'
import { assignNodeIdOp, TAG_NODE } from './ops.js'
import { clusterChainId, type Replica } from './replica.js'

export const ASSIGN_PROTOCOL = '/xlattice/cluster/assign/1.0.0'
const MAX_FRAME_BYTES = 4096
const TIMEOUT_MS = 35_000

export interface AssignmentHost {
  handle(protocol: string, handler: (s: Stream, c: Connection) => void, opts?: object): Promise<void>
  unhandle(protocol: string): Promise<void>
}

/** The member side: answers ASSIGN and ATTEST while this node runs a cluster replica. */
export async function serveAssignments(
  host: AssignmentHost,
  c: { replica(): Replica | undefined; signer: Signer; log: Logger },
): Promise<void> {
  await host.handle(
    ASSIGN_PROTOCOL,
    (stream) => {
      void serveStream(stream, {
        maxFrameBytes: MAX_FRAME_BYTES,
        idleMs: 60_000,
        log: c.log,
        oversize: () => AssignResponse.encode(fail(AssignError.ASSIGN_BAD_REQUEST, 'request over 4 KiB')),
        handle: async (frame) => AssignResponse.encode(await answer(frame, c)),
      })
    },
    { maxInboundStreams: 16 },
  )
}

function fail(error: AssignError, text: string): Partial<AssignResponse> {
  return { error, text }
}

async function answer(
  frame: Uint8Array,
  c: { replica(): Replica | undefined; signer: Signer; log: Logger },
): Promise<Partial<AssignResponse>> {
  let req: AssignRequest
  try {
    req = AssignRequest.decode(frame)
  } catch {
    return fail(AssignError.ASSIGN_BAD_REQUEST, 'request does not decode')
  }
  if (req.sigPublicKey.length !== 32 || req.agreementKey.length !== 32)
    return fail(AssignError.ASSIGN_BAD_REQUEST, 'keys must be 32 bytes')
  const replica = c.replica()
  if (replica === undefined) return fail(AssignError.NO_REPLICA, 'this node runs no cluster registry')
  if (req.kind === AssignKind.ASSIGN) {
    if (req.nodeSignature.length !== 64)
      return fail(AssignError.ASSIGN_BAD_REQUEST, 'nodeSignature must be 64 bytes')
    // The op carries the node's signature as made; the member only adds its envelope.
    const node = { publicKey: req.sigPublicKey, sign: () => req.nodeSignature }
    const op = assignNodeIdOp({
      chainId: replica.chainId,
      member: c.signer,
      node,
      agreementKey: req.agreementKey,
    })
    let height: number
    try {
      height = await replica.driver.submissions.submit(op)
    } catch (err) {
      return fail(AssignError.ASSIGN_REFUSED, (err as Error).message)
    }
    const receipt = await replica.app.receiptAt(height, sha256(op))
    if (receipt?.accepted !== true) return fail(AssignError.ASSIGN_REFUSED, receipt?.reason ?? 'no receipt')
  } else if (req.kind !== AssignKind.ATTEST) {
    return fail(AssignError.ASSIGN_BAD_REQUEST, `unknown kind ${req.kind}`)
  }
  const nodeId = assignedNodeId(replica.clusterId, req.sigPublicKey)
  const entry = replica.app.node(nodeId)
  if (entry === undefined || !equalBytes(entry.agreementKey, req.agreementKey))
    return fail(AssignError.NOT_ASSIGNED, 'no assignment for these keys in this member’s registry (yet)')
  const body = assignmentAttestation({
    clusterId: replica.clusterId,
    nodeId,
    sigPublicKey: req.sigPublicKey,
    commsPublicKey: req.agreementKey,
  })
  return {
    error: AssignError.ASSIGN_OK,
    nodeId,
    clusterId: replica.clusterId,
    signature: c.signer.sign(TAG_CLUSTER_ASSIGNED, body),
  }
}

export interface ReferredNode {
  host: {
    dialProtocol(addr: ReturnType<typeof multiaddr>[], protocol: string, opts?: object): Promise<Stream>
  }
  registry: Pick<RegistryClient, 'getCluster'>
  signer: Signer
  commsPublicKey: Uint8Array
  log: Logger
}

/** The node side: from a referral to an attested assignment the server will certify. */
export async function obtainAssignment(n: ReferredNode, referral: Referral): Promise<ClusterAssignment> {
  const cluster = await n.registry.getCluster({ clusterId: referral.clusterId })
  const chainId = clusterChainId(cluster.genesis)
  const keys = { sigPublicKey: n.signer.publicKey, agreementKey: n.commsPublicKey }
  const nodeSignature = n.signer.sign(TAG_NODE, concatBytes(chainId, keys.sigPublicKey, keys.agreementKey))
  const members: { key: Uint8Array; addrs: ReturnType<typeof multiaddr>[] }[] = []
  // Each record must be signed by a current member (records by anyone else are ignored).
  for (const record of referral.members) {
    for (const m of cluster.members) {
      const r = await openPeerRecord(record, m.sigPublicKey).catch(() => undefined)
      if (r === undefined) continue
      members.push({ key: m.sigPublicKey, addrs: r.addrs.map((a) => multiaddr(`${a}/p2p/${r.peerId}`)) })
      break
    }
  }
  if (members.length === 0) throw new Error('the referral names no reachable member of the cluster')
  const ask = async (m: (typeof members)[number], kind: AssignKind) => {
    const stream = await n.host.dialProtocol(m.addrs, ASSIGN_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const rpc = new RpcStream(stream, MAX_FRAME_BYTES)
    try {
      const req = AssignRequest.encode({
        kind,
        ...keys,
        nodeSignature: kind === AssignKind.ASSIGN ? nodeSignature : new Uint8Array(),
      })
      return AssignResponse.decode(await rpc.request(req, TIMEOUT_MS))
    } finally {
      await rpc.close()
    }
  }
  const approvals: { publicKey: Uint8Array; signature: Uint8Array }[] = []
  let nodeId: Uint8Array | undefined
  let assigned = false
  const errors: string[] = []
  // One member commits the assignment; then every member is asked to attest, a few rounds
  // apart, since a member may apply the block a little later than the one that answered.
  for (let round = 0; round < 10 && approvals.length * 3 <= cluster.members.length * 2; round++) {
    for (const m of members) {
      if (approvals.some((a) => equalBytes(a.publicKey, m.key))) continue
      try {
        const res = await ask(m, assigned ? AssignKind.ATTEST : AssignKind.ASSIGN)
        if (res.error !== AssignError.ASSIGN_OK) {
          errors.push(`${res.error}: ${res.text}`)
          continue
        }
        assigned = true
        nodeId ??= res.nodeId
        if (!equalBytes(res.nodeId, nodeId) || !equalBytes(res.clusterId, referral.clusterId)) continue
        approvals.push({ publicKey: m.key, signature: res.signature })
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    if (approvals.length * 3 <= cluster.members.length * 2)
      await new Promise((r) => setTimeout(r, 300 * (round + 1)))
  }
  if (nodeId === undefined || approvals.length * 3 <= cluster.members.length * 2) {
    throw new Error(
      `cluster ${toHex(referral.clusterId).slice(0, 16)} did not attest an assignment: ${errors.slice(-3).join('; ')}`,
    )
  }
  return { clusterId: referral.clusterId, nodeId, signatures: clusterSignatures(cluster.members, approvals) }
}
