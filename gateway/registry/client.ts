/**
 * The node's side of /xlattice/reg/1.0.0. Every answer is checked before use: certificates
 * and neighbour lists must be signed by the registry key named in the registry's multiaddr
 * (`/p2p/<peerId>` embeds it), and each neighbour's peer record by that neighbour's own key;
 * cluster bindings must be signed by that key and match the request they answer.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { randomBytes, type Signer } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import type { Host } from '../p2p/host.js'
import { RpcStream } from '../p2p/rpc.js'
import { verifyCertificate, verifyNeighbourList } from './certificate.js'
import {
  type ClusterApproval,
  ClusterBindingError,
  clusterIdOf,
  clusterSignatures,
  MAX_CLUSTER_MEMBERS,
  sameMembers,
  verifyClusterBinding,
} from './cluster-binding.js'
import { openPeerRecord } from './peer-record.js'
import {
  type ClusterAssignment,
  ClusterInfo,
  type ClusterMember,
  type ClusterSignature,
  type ClusterVersion,
  ErrorCode,
  GetCluster,
  GetNeighbours,
  Heartbeat,
  type NodeCertificate,
  RegisterCluster,
  RegisterNode,
  type Referral,
  RegisterResult,
  Request,
  RequestType,
  Response,
  type SignedCertificate,
  type SignedClusterBinding,
  SignedClusterRequest,
  UpdateClusterMembers,
} from './registry.pb.js'
import { MAX_MESSAGE_BYTES, REGISTRY_PROTOCOL, TAG_REGISTER } from './tags.js'

export class RegistryRefusal extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, text: string) {
    super(`registry refused (${code}): ${text}`)
    this.code = code
    this.name = 'RegistryRefusal'
  }
}

/** The registry referred this new node to a cluster (seed row 0.1.10): ask it for a NodeID. */
export class Referred extends RegistryRefusal {
  readonly referral: Referral
  constructor(referral: Referral) {
    super(ErrorCode.OK, 'referred to a cluster for a NodeID')
    this.referral = referral
    this.name = 'Referred'
  }
}

export interface Registration {
  certificate: SignedCertificate
  cert: NodeCertificate
}

export interface VerifiedNeighbour {
  nodeId: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  peerId: string
  addrs: string[]
  peerRecord: Uint8Array
  lastSeen: number
}

export interface NodeKeys {
  signer: Signer
  commsPublicKey: Uint8Array
}

/** A cluster binding whose server signature verified, with numbers instead of bigints. */
export interface VerifiedCluster {
  clusterId: Uint8Array
  name: string
  genesis: ClusterMember[]
  registeredAt: number
  version: number
  members: ClusterMember[]
  updatedAt: number
  /** The server-signed binding as received: what members show to others. */
  signed: SignedClusterBinding
}

export interface ClusterLookup {
  history: ClusterVersion[]
  /** The history was cut short (size cap): ask again from the version after the last one. */
  more: boolean
}

export class RegistryClient {
  readonly address: Multiaddr
  readonly registryKey: Uint8Array
  readonly #host: Host
  #rpc?: RpcStream

  constructor(host: Host, registryAddr: string) {
    this.address = multiaddr(registryAddr)
    const peer = this.address.getComponents().find((c) => c.name === 'p2p')?.value
    if (peer === undefined) throw new TypeError(`registry address ${registryAddr} lacks /p2p/<peerId>`)
    const key = peerIdFromString(peer).publicKey
    if (key === undefined || key.type !== 'Ed25519')
      throw new TypeError('registry peer ID is not an Ed25519 key')
    this.registryKey = key.raw
    this.#host = host
  }

  async #call(
    type: RequestType,
    body: Uint8Array,
    signature: Uint8Array = new Uint8Array(),
  ): Promise<Response> {
    if (this.#rpc === undefined || !this.#rpc.open) {
      const stream = await this.#host.dialProtocol(this.address, REGISTRY_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      })
      this.#rpc = new RpcStream(stream, MAX_MESSAGE_BYTES)
    }
    const rpc = this.#rpc
    let res: Response
    try {
      res = Response.decode(await rpc.request(Request.encode({ type, body, signature })))
    } catch (err) {
      this.#rpc = undefined
      await rpc.close()
      throw err
    }
    if (res.error !== ErrorCode.OK) throw new RegistryRefusal(res.error, res.errorText)
    return res
  }

  /** Builds the signed RegisterNode body; exported for tests and benchmarks that forge variants. */
  static registerRequest(
    keys: NodeKeys,
    peerRecord: Uint8Array,
    timestamp = Date.now(),
    assignment?: ClusterAssignment,
  ): Request {
    const body = RegisterNode.encode({
      sigPublicKey: keys.signer.publicKey,
      commsPublicKey: keys.commsPublicKey,
      peerRecord,
      timestamp: BigInt(timestamp),
      nonce: randomBytes(16),
      assignment,
    })
    return { type: RequestType.REGISTER_NODE, body, signature: keys.signer.sign(TAG_REGISTER, body) }
  }

  /**
   * Registers (or re-registers) the node. A new node may be referred to a cluster instead: that
   * throws Referred; register again with the `assignment` the cluster's members attested.
   */
  async register(
    keys: NodeKeys,
    peerRecord: Uint8Array,
    assignment?: ClusterAssignment,
  ): Promise<Registration> {
    const req = RegistryClient.registerRequest(keys, peerRecord, Date.now(), assignment)
    const res = await this.#call(req.type, req.body, req.signature)
    const result = RegisterResult.decode(res.body)
    if (result.certificate === undefined) {
      if (result.referral !== undefined) throw new Referred(result.referral)
      throw new RegistryRefusal(
        ErrorCode.INTERNAL,
        'registry answered with neither a certificate nor a referral',
      )
    }
    const cert = verifyCertificate(result.certificate, [this.registryKey])
    if (!equalBytes(cert.sigPublicKey, keys.signer.publicKey)) {
      throw new RegistryRefusal(ErrorCode.INTERNAL, 'registry issued a certificate for a different key')
    }
    return { certificate: result.certificate, cert }
  }

  async heartbeat(peerRecord?: Uint8Array): Promise<void> {
    await this.#call(RequestType.HEARTBEAT, Heartbeat.encode({ timestamp: BigInt(Date.now()), peerRecord }))
  }

  async neighbours(k = 0): Promise<VerifiedNeighbour[]> {
    const res = await this.#call(RequestType.GET_NEIGHBOURS, GetNeighbours.encode({ k }))
    const list = verifyNeighbourList(res.body, res.signature, this.registryKey)
    const out: VerifiedNeighbour[] = []
    for (const n of list.neighbours) {
      const record = await openPeerRecord(n.peerRecord, n.sigPublicKey)
      out.push({
        nodeId: n.nodeId,
        sigPublicKey: n.sigPublicKey,
        commsPublicKey: n.commsPublicKey,
        peerId: record.peerId,
        addrs: record.addrs,
        peerRecord: n.peerRecord,
        lastSeen: Number(n.lastSeen),
      })
    }
    return out
  }

  /** A REGISTER_CLUSTER or UPDATE_CLUSTER_MEMBERS request; exported for tests that forge variants. */
  static clusterRequest(
    type: RequestType.REGISTER_CLUSTER | RequestType.UPDATE_CLUSTER_MEMBERS,
    body: Uint8Array,
    signatures: ClusterSignature[],
  ): Request {
    return { type, body: SignedClusterRequest.encode({ body, signatures }), signature: new Uint8Array() }
  }

  /**
   * Registers a cluster (seed row 0.1.8): `body` from clusterRegistrationBody, `approvals`
   * from signClusterRegistration by more than 2/3 of its members. Resolves to the binding the
   * server signed, checked to be for exactly these genesis members and this ID.
   */
  async registerCluster(body: Uint8Array, approvals: readonly ClusterApproval[]): Promise<VerifiedCluster> {
    const reg = RegisterCluster.decode(body, { limits: { members: MAX_CLUSTER_MEMBERS } })
    const req = RegistryClient.clusterRequest(
      RequestType.REGISTER_CLUSTER,
      body,
      clusterSignatures(reg.members, approvals),
    )
    const cluster = this.#clusterInfo(await this.#call(req.type, req.body)).cluster
    if (
      !equalBytes(cluster.clusterId, clusterIdOf(reg.members, reg.nonce)) ||
      !sameMembers(cluster.genesis, reg.members) ||
      cluster.version !== 0
    ) {
      throw new ClusterBindingError('the registry bound a different cluster than the one registered')
    }
    return cluster
  }

  /**
   * Records a membership change (seed row 0.1.7): `body` from clusterUpdateBody, `approvals`
   * from signClusterUpdate by more than 2/3 of the current members, which are fetched from the
   * server unless given (signature indices refer to them).
   */
  async updateClusterMembers(
    body: Uint8Array,
    approvals: readonly ClusterApproval[],
    currentMembers?: readonly ClusterMember[],
  ): Promise<VerifiedCluster> {
    const upd = UpdateClusterMembers.decode(body, { limits: { members: MAX_CLUSTER_MEMBERS } })
    const current = currentMembers ?? (await this.getCluster({ clusterId: upd.clusterId })).members
    const req = RegistryClient.clusterRequest(
      RequestType.UPDATE_CLUSTER_MEMBERS,
      body,
      clusterSignatures(current, approvals),
    )
    const cluster = this.#clusterInfo(await this.#call(req.type, req.body)).cluster
    if (
      !equalBytes(cluster.clusterId, upd.clusterId) ||
      !sameMembers(cluster.members, upd.members) ||
      BigInt(cluster.version) !== upd.previousVersion + 1n
    ) {
      throw new ClusterBindingError('the registry recorded a different change than the one sent')
    }
    return cluster
  }

  /** A cluster's current binding by ID or name; with `history`, its recorded versions too. */
  async getCluster(
    query: { clusterId: Uint8Array } | { name: string },
    opts: { history?: boolean; fromVersion?: number } = {},
  ): Promise<VerifiedCluster & ClusterLookup> {
    const res = await this.#call(
      RequestType.GET_CLUSTER,
      GetCluster.encode({
        clusterId: 'clusterId' in query ? query.clusterId : new Uint8Array(),
        name: 'name' in query ? query.name : '',
        history: opts.history ?? false,
        fromVersion: BigInt(opts.fromVersion ?? 0),
      }),
    )
    const { cluster, info } = this.#clusterInfo(res)
    const matches =
      'clusterId' in query ? equalBytes(cluster.clusterId, query.clusterId) : cluster.name === query.name
    if (!matches) throw new ClusterBindingError('the registry answered with another cluster')
    return { ...cluster, history: info.history, more: info.more }
  }

  #clusterInfo(res: Response): { cluster: VerifiedCluster; info: ClusterInfo } {
    let info: ClusterInfo
    try {
      info = ClusterInfo.decode(res.body)
    } catch (err) {
      throw new ClusterBindingError(`cluster answer is malformed: ${(err as Error).message}`)
    }
    if (info.binding === undefined) throw new ClusterBindingError('cluster answer holds no binding')
    const b = verifyClusterBinding(info.binding, [this.registryKey])
    const cluster: VerifiedCluster = {
      clusterId: b.clusterId,
      name: b.name,
      genesis: b.genesis,
      registeredAt: Number(b.registeredAt),
      version: Number(b.version),
      members: b.members,
      updatedAt: Number(b.updatedAt),
      signed: info.binding,
    }
    return { cluster, info }
  }

  async close(): Promise<void> {
    await this.#rpc?.close()
    this.#rpc = undefined
  }
}
