/**
 * The node's side of /xlattice/reg/1.0.0. Every answer is checked before use: certificates
 * and neighbour lists must be signed by the registry key named in the registry's multiaddr
 * (`/p2p/<peerId>` embeds it), and each neighbour's peer record by that neighbour's own key.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { randomBytes, type Signer } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import type { Host } from '../p2p/host.js'
import { RpcStream } from '../p2p/rpc.js'
import { verifyCertificate, verifyNeighbourList } from './certificate.js'
import { openPeerRecord } from './peer-record.js'
import {
  ErrorCode,
  GetNeighbours,
  Heartbeat,
  type NodeCertificate,
  RegisterNode,
  RegisterResult,
  Request,
  RequestType,
  Response,
  type SignedCertificate,
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
  static registerRequest(keys: NodeKeys, peerRecord: Uint8Array, timestamp = Date.now()): Request {
    const body = RegisterNode.encode({
      sigPublicKey: keys.signer.publicKey,
      commsPublicKey: keys.commsPublicKey,
      peerRecord,
      timestamp: BigInt(timestamp),
      nonce: randomBytes(16),
    })
    return { type: RequestType.REGISTER_NODE, body, signature: keys.signer.sign(TAG_REGISTER, body) }
  }

  async register(keys: NodeKeys, peerRecord: Uint8Array): Promise<Registration> {
    const req = RegistryClient.registerRequest(keys, peerRecord)
    const res = await this.#call(req.type, req.body, req.signature)
    const result = RegisterResult.decode(res.body)
    if (result.certificate === undefined) {
      throw new RegistryRefusal(
        ErrorCode.UNSUPPORTED,
        'registry answered with a referral; clusters are not supported yet',
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

  async close(): Promise<void> {
    await this.#rpc?.close()
    this.#rpc = undefined
  }
}
