/**
 * A node (seed rows 0.0.1-0.0.5): its identity, libp2p host (with kad-dht), LevelDB store and
 * registry life cycle (register with backoff, keep the verified NodeID certificate, heartbeat,
 * refresh the neighbour list, publish its DHT record), composing the services of
 * services.ts: keep-alives, the NodeID directory, messaging, the idle-connection trimmer; and
 * its cluster: formation, the registry replica, and the replacement of dead members.
 */
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Registry } from 'prom-client'
import { equalBytes, toB64u, toHex } from '../../lib/encoding.js'
import { identitySigner, libp2pPrivateKey, loadOrCreateIdentity, type Identity } from '../../lib/identity.js'
import { logger, type Logger } from '../../lib/log.js'
import { LevelStore, type Store } from '../../lib/store/index.js'
import { ClusterFormation, type FormationSettings } from '../cluster/formation-service.js'
import { obtainAssignment, serveAssignments } from '../cluster/referral.js'
import { ClusterReplacement } from '../cluster/replace-service.js'
import { Replica } from '../cluster/replica.js'
import type { ClusterBinding } from '../registry/registry.pb.js'
import type { SelfIdentity } from '../messaging/hello.js'
import type { Messaging } from '../messaging/service.js'
import { createHost, type Host } from '../p2p/host.js'
import { verifyCertificate } from '../registry/certificate.js'
import { Referred, RegistryClient } from '../registry/client.js'
import { sealPeerRecord } from '../registry/peer-record.js'
import type { NodeCertificate, SignedCertificate } from '../registry/registry.pb.js'
import type { UpdateChecker } from '../update/index.js'
import {
  currentVersion,
  defaultInstallDir,
  libp2pSource,
  packageName,
  startUpdateChecker,
} from '../update/index.js'
import { backoffDelay } from '../../lib/backoff.js'
import { loadCertificate, saveCertificate } from './certificate-file.js'
import type { Directory } from './directory.js'
import { nodeMetrics } from './metrics.js'
import type { Neighbours } from './neighbours.js'
import { nodeServices, type ServiceSettings } from './services.js'
import type { ConnectionTrimmer } from './trimmer.js'

export type { NeighbourStatus } from './neighbours.js'

export interface NodeOptions extends ServiceSettings {
  dataDir: string
  listen: string[]
  registry: string
  heartbeatSec: number
  neighbourRefreshSec: number
  registerRetryMaxSec: number
  /** Cluster formation (seed row 0.1.0); absent: clusters of 4, formed automatically. */
  cluster?: FormationSettings
  /** Signed software updates (seed row 0.0.0); no trusted keys means updates are off. */
  update?: { keys: Uint8Array[]; intervalHours: number; autoInstall: boolean; installDir?: string }
}

/** Default of cluster.replaceAfterSec: ten minutes. */
const DEFAULT_REPLACE_AFTER_MS = 600_000

function registryPeerOf(addr: string): string {
  const peer = multiaddr(addr)
    .getComponents()
    .find((c) => c.name === 'p2p')?.value
  if (peer === undefined) throw new TypeError(`registry address ${addr} lacks /p2p/<peerId>`)
  return peer
}

/** The registry's Ed25519 key, from the `/p2p/<peerId>` of its address: the certificate issuer. */
function registryKeyOf(addr: string): Uint8Array {
  const key = peerIdFromString(registryPeerOf(addr)).publicKey
  if (key === undefined || key.type !== 'Ed25519')
    throw new TypeError('registry peer ID is not an Ed25519 key')
  return key.raw
}

export class XLatticeNode {
  readonly identity: Identity
  readonly host: Host
  readonly store: Store
  readonly metrics = new Registry()
  readonly neighbours: Neighbours
  readonly directory: Directory
  readonly messaging: Messaging
  readonly cluster: ClusterFormation
  /** Replacement of dead members of this node's cluster (issue 5 part 6). */
  readonly replacement: ClusterReplacement
  /** The cluster registry replica, once this node is in a cluster. */
  replica?: Replica
  #replicaStarting?: Promise<void>
  readonly #opts: NodeOptions
  readonly #log: Logger
  readonly #registry: RegistryClient
  readonly #trimmer: ConnectionTrimmer
  #cert?: NodeCertificate
  #signed?: SignedCertificate
  #registryState = {
    registered: false,
    lastHeartbeat: null as string | null,
    lastError: null as string | null,
  }
  #timers: NodeJS.Timeout[] = []
  /** The cluster that assigned this node's NodeID, when the server referred it to one. */
  #referredBy: string | null = null
  #stopping = false
  #sendRecord = true
  #updates?: UpdateChecker

  private constructor(identity: Identity, host: Host, store: Store, opts: NodeOptions) {
    this.identity = identity
    this.host = host
    this.store = store
    this.#opts = opts
    this.#log = logger('gateway:node')
    this.#registry = new RegistryClient(host, opts.registry)
    const services = nodeServices(
      {
        host,
        store,
        identity,
        issuers: [this.#registry.registryKey],
        registryPeer: registryPeerOf(opts.registry),
        self: () => this.#self(),
      },
      opts,
    )
    this.neighbours = services.neighbours
    this.directory = services.directory
    this.messaging = services.messaging
    this.#trimmer = services.trimmer
    const settings = opts.cluster ?? { size: 4, intervalMs: 2000, lockMs: 20_000 }
    this.cluster = new ClusterFormation(
      {
        host,
        nodeId: () => this.nodeId ?? undefined,
        certificate: () => this.#signed,
        signer: identitySigner(identity),
        registry: this.#registry,
        neighbours: () => this.neighbours.live(),
        dataDir: opts.dataDir,
        log: logger('gateway:cluster'),
        joined: (binding) => this.#startReplica(binding),
        left: () => this.#leaveCluster(),
      },
      settings,
    )
    this.replacement = new ClusterReplacement(
      {
        formation: this.cluster,
        replica: () => this.replica,
        nodeId: () => this.nodeId ?? undefined,
        signer: identitySigner(identity),
        registry: this.#registry,
        neighbours: () => this.neighbours.live(),
        neighbourAlive: (nodeId) => this.neighbours.byNodeId(nodeId)?.alive,
        log: logger('gateway:cluster:replace'),
      },
      {
        replaceAfterMs: settings.replaceAfterMs ?? DEFAULT_REPLACE_AFTER_MS,
        intervalMs: settings.intervalMs,
        holdMs: settings.lockMs,
      },
    )
    nodeMetrics(this.metrics, services)
  }

  static async start(opts: NodeOptions): Promise<XLatticeNode> {
    const { identity, created } = await loadOrCreateIdentity(opts.dataDir)
    const store = await LevelStore.open(join(opts.dataDir, 'store'))
    let host: Host
    try {
      host = await createHost({
        privateKey: await libp2pPrivateKey(identity),
        listen: opts.listen,
        certificateIssuers: [registryKeyOf(opts.registry)],
      })
    } catch (err) {
      await store.close()
      throw err
    }
    const node = new XLatticeNode(identity, host, store, opts)
    if (created) node.#log.info({ peerId: host.peerId.toString() }, 'created a new identity')
    try {
      await node.#loadSavedCertificate()
      await node.messaging.start()
      await node.cluster.start()
      await serveAssignments(host, {
        replica: () => node.replica,
        signer: identitySigner(identity),
        log: logger('gateway:cluster:assign'),
      })
    } catch (err) {
      await host.stop()
      await store.close()
      throw err
    }
    node.replacement.start()
    node.neighbours.start()
    node.#trimmer.start()
    node.#registerLoop()
    node.#startUpdateChecker()
    return node
  }

  #startUpdateChecker(): void {
    const u = this.#opts.update ?? { keys: [], intervalHours: 6, autoInstall: false }
    this.#updates = startUpdateChecker({
      trustedKeys: u.keys,
      currentVersion: currentVersion(),
      name: packageName(),
      intervalHours: u.intervalHours,
      source: libp2pSource(this.host, this.#registry.address),
      autoInstall: u.autoInstall,
      installDir: u.installDir ?? defaultInstallDir(),
      onResult: (s) => {
        if (s.updateAvailable)
          this.#log.info({ latest: s.latestVersion }, 'a newer verified release is available')
        else if (s.error) this.#log.warn({ err: s.error }, 'update check failed')
      },
    })
  }

  /** Starts the cluster registry replica once (its failures are logged, the node keeps running). */
  #startReplica(binding: ClusterBinding): void {
    if (this.#replicaStarting !== undefined || this.#stopping) return
    const self =
      this.#cert?.nodeId ??
      binding.genesis.find((m) => equalBytes(m.sigPublicKey, this.identity.sigPublicKey))?.nodeId
    if (self === undefined) return
    this.#replicaStarting = Replica.start(
      {
        host: this.host,
        store: this.store,
        signer: identitySigner(this.identity),
        dataDir: this.#opts.dataDir,
        log: logger('gateway:cluster:replica'),
        metrics: this.metrics,
        issuers: [this.#registry.registryKey],
        certificate: () => this.#signed,
      },
      binding,
      self,
    ).then(
      (replica) => {
        this.replica = replica
      },
      (err: Error) => this.#log.error({ err: err.message }, 'could not start the cluster replica'),
    )
  }

  /**
   * The node is no longer in its cluster (replaced while it was unreachable): its replica stops
   * and its chain is deleted, so it is free to join another cluster, whose chain starts afresh.
   */
  async #leaveCluster(): Promise<void> {
    await this.#replicaStarting
    const replica = this.replica
    this.replica = undefined
    this.#replicaStarting = undefined
    await replica?.stop()
    await Replica.forget(this.store)
    // The next replica registers the driver's metrics again.
    for (const m of this.metrics.getMetricsAsArray())
      if (m.name.startsWith('xlattice_bft_')) this.metrics.removeSingleMetric(m.name)
  }

  get nodeId(): string | null {
    return this.#cert === undefined ? null : toHex(this.#cert.nodeId)
  }

  #self(): SelfIdentity | undefined {
    if (this.#cert === undefined || this.#signed === undefined) return undefined
    return { nodeId: toHex(this.#cert.nodeId), nodeIdBytes: this.#cert.nodeId, certificate: this.#signed }
  }

  async #loadSavedCertificate(): Promise<void> {
    const saved = await loadCertificate(this.#opts.dataDir)
    if (saved === undefined) return
    try {
      this.#cert = verifyCertificate(saved, [this.#registry.registryKey])
      this.#signed = saved
    } catch (err) {
      this.#log.warn(
        { err: (err as Error).message },
        'saved certificate is not from this registry; re-registering',
      )
    }
  }

  /** Registers until it succeeds, backing off while the registry is unreachable. */
  #registerLoop(attempt = 0): void {
    if (this.#stopping) return
    this.#register()
      .then(() => {
        this.#registryState.registered = true
        this.#registryState.lastError = null
        this.#every(this.#opts.heartbeatSec, () => this.#heartbeat())
        this.#every(this.#opts.neighbourRefreshSec, () => this.refreshNeighbours())
        return this.refreshNeighbours()
      })
      .catch((err: Error) => {
        this.#registryState.lastError = err.message
        const delay = backoffDelay(attempt, 500, this.#opts.registerRetryMaxSec * 1000)
        this.#log.warn({ err: err.message, retryInMs: delay }, 'registration failed')
        this.#timers.push(setTimeout(() => this.#registerLoop(attempt + 1), delay))
      })
  }

  async #register(): Promise<void> {
    const record = await sealPeerRecord(await libp2pPrivateKey(this.identity), this.#addrs())
    const keys = { signer: identitySigner(this.identity), commsPublicKey: this.identity.commsPublicKey }
    let registration: Awaited<ReturnType<RegistryClient['register']>>
    try {
      registration = await this.#registry.register(keys, record)
    } catch (err) {
      if (!(err instanceof Referred)) throw err
      // Seed row 0.1.10: the server referred this new node to a cluster for its NodeID.
      this.#log.info({ clusterId: toHex(err.referral.clusterId) }, 'referred to a cluster for a NodeID')
      const assignment = await obtainAssignment(
        {
          host: this.host,
          registry: this.#registry,
          signer: keys.signer,
          commsPublicKey: keys.commsPublicKey,
          log: this.#log,
        },
        err.referral,
      )
      registration = await this.#registry.register(keys, record, assignment)
      this.#referredBy = toHex(assignment.clusterId)
    }
    const { certificate, cert } = registration
    const previous = this.nodeId
    this.#cert = cert
    this.#signed = certificate
    await saveCertificate(this.#opts.dataDir, certificate)
    this.#sendRecord = false
    this.#log.info(
      { nodeId: this.nodeId, changed: previous !== null && previous !== this.nodeId },
      'registered',
    )
  }

  #addrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.decapsulateCode(421).toString())
  }

  #every(seconds: number, fn: () => Promise<void>): void {
    const t = setInterval(() => {
      fn().catch((err: Error) => this.#log.debug({ err: err.message }, 'periodic task failed'))
    }, seconds * 1000)
    this.#timers.push(t)
  }

  async #heartbeat(): Promise<void> {
    try {
      const record = this.#sendRecord
        ? await sealPeerRecord(await libp2pPrivateKey(this.identity), this.#addrs())
        : undefined
      await this.#registry.heartbeat(record)
      this.#sendRecord = false
      this.#registryState.lastHeartbeat = new Date().toISOString()
      this.#registryState.lastError = null
    } catch (err) {
      // After a registry restart or a dropped connection, resend addresses with the next beat.
      this.#sendRecord = true
      this.#registryState.lastError = (err as Error).message
      throw err
    }
  }

  /** Fetches the verified neighbour list into the keep-alive table; republishes the DHT record when due. */
  async refreshNeighbours(): Promise<void> {
    const list = await this.#registry.neighbours()
    await this.neighbours.update(list)
    void this.#publishRecord()
  }

  async #publishRecord(): Promise<void> {
    const self = this.#self()
    if (self === undefined) return
    const addrs = this.#addrs()
    await this.directory.publishWhenDue(self.nodeId, self.certificate, addrs, async () =>
      sealPeerRecord(await libp2pPrivateKey(this.identity), addrs),
    )
  }

  /** libp2p ping to a node by NodeID (neighbour, Hello cache, DHT, peer routing). */
  async pingNode(nodeId: string): Promise<{ rttMs: number; peerId: string; via: string }> {
    const signal = AbortSignal.timeout(10_000)
    return this.directory.reach(nodeId, { signal }, async (route) => {
      const rttMs = await this.host.services.ping.ping(route.peerId, { signal })
      return { rttMs, peerId: route.peerId.toString(), via: route.via }
    })
  }

  status(): object {
    const dht = this.host.services.dht as unknown as { getMode(): string; routingTable?: { size: number } }
    const peers = new Set(this.host.getConnections().map((c) => c.remotePeer.toString()))
    return {
      role: 'node',
      nodeId: this.nodeId,
      peerId: this.host.peerId.toString(),
      sigPublicKey: toB64u(this.identity.sigPublicKey),
      commsPublicKey: toB64u(this.identity.commsPublicKey),
      listen: this.host.getMultiaddrs().map((a) => a.toString()),
      registry: {
        address: this.#registry.address.toString(),
        ...this.#registryState,
        referredBy: this.#referredBy,
      },
      update: this.#updates?.status() ?? null,
      neighbours: this.neighbours.status(),
      messages: this.messaging.status(),
      cluster: {
        ...this.cluster.status(),
        replica: this.replica?.status() ?? null,
        replacement: this.replacement.status(),
      },
      dht: {
        mode: dht?.getMode() ?? 'off',
        routingTable: dht?.routingTable?.size ?? 0,
        ...this.directory.status(),
      },
      connections: { count: this.host.getConnections().length, peers: [...peers] },
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    for (const t of this.#timers) clearTimeout(t)
    this.neighbours.stop()
    this.#trimmer.stop()
    this.#updates?.stop()
    this.replacement.stop()
    await this.cluster.stop()
    await this.#replicaStarting
    await this.replica?.stop()
    await this.messaging.stop()
    await this.#registry.close().catch(() => {})
    await this.host.stop()
    await this.store.close()
  }
}
