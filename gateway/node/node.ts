/**
 * A node (seed rows 0.0.1-0.0.3): its identity, libp2p host and the registry life cycle:
 * register (retrying with backoff while the registry is down), keep the verified NodeID
 * certificate, heartbeat, and refresh the neighbour list.
 */
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Gauge, Registry } from 'prom-client'
import { toB64u, toHex } from '../../lib/encoding.js'
import { identitySigner, libp2pPrivateKey, loadOrCreateIdentity, type Identity } from '../../lib/identity.js'
import { logger, type Logger } from '../../lib/log.js'
import { LevelStore, type Store } from '../../lib/store/index.js'
import { createHost, type Host } from '../p2p/host.js'
import { verifyCertificate } from '../registry/certificate.js'
import { RegistryClient, type VerifiedNeighbour } from '../registry/client.js'
import { sealPeerRecord } from '../registry/peer-record.js'
import type { NodeCertificate } from '../registry/registry.pb.js'
import { backoffDelay } from './backoff.js'
import {
  currentVersion,
  defaultInstallDir,
  libp2pSource,
  packageName,
  startUpdateChecker,
  type UpdateChecker,
} from '../update/index.js'
import { loadCertificate, saveCertificate } from './certificate-file.js'

export interface NodeOptions {
  dataDir: string
  listen: string[]
  registry: string
  heartbeatSec: number
  neighbourRefreshSec: number
  registerRetryMaxSec: number
  /** Signed software updates (seed row 0.0.0); no trusted keys means updates are off. */
  update?: { keys: Uint8Array[]; intervalHours: number; autoInstall: boolean; installDir?: string }
}

export interface NeighbourStatus {
  nodeId: string
  peerId: string
  addrs: string[]
  alive: boolean
  rttMs: number | null
  lastSeen: string | null
}

export class XLatticeNode {
  readonly identity: Identity
  readonly host: Host
  readonly store: Store
  readonly metrics = new Registry()
  readonly #opts: NodeOptions
  readonly #log: Logger
  readonly #registry: RegistryClient
  #cert?: NodeCertificate
  #neighbours: (VerifiedNeighbour & { rttMs: number | null; alive: boolean; pingedAt: number | null })[] = []
  #registryState = {
    registered: false,
    lastHeartbeat: null as string | null,
    lastError: null as string | null,
  }
  #timers: NodeJS.Timeout[] = []
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
    const self = this
    new Gauge({
      name: 'xlattice_node_neighbours',
      help: 'Neighbours in the current list',
      registers: [this.metrics],
      collect() {
        this.set(self.#neighbours.length)
      },
    })
  }

  static async start(opts: NodeOptions): Promise<XLatticeNode> {
    const { identity, created } = await loadOrCreateIdentity(opts.dataDir)
    const store = await LevelStore.open(join(opts.dataDir, 'store'))
    let host: Host
    try {
      host = await createHost({ privateKey: await libp2pPrivateKey(identity), listen: opts.listen })
    } catch (err) {
      await store.close()
      throw err
    }
    const node = new XLatticeNode(identity, host, store, opts)
    if (created) node.#log.info({ peerId: host.peerId.toString() }, 'created a new identity')
    await node.#loadSavedCertificate()
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

  get nodeId(): string | null {
    return this.#cert === undefined ? null : toHex(this.#cert.nodeId)
  }

  async #loadSavedCertificate(): Promise<void> {
    const saved = await loadCertificate(this.#opts.dataDir)
    if (saved === undefined) return
    try {
      this.#cert = verifyCertificate(saved, [this.#registry.registryKey])
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
        const t = setTimeout(() => this.#registerLoop(attempt + 1), delay)
        this.#timers.push(t)
      })
  }

  async #register(): Promise<void> {
    const record = await sealPeerRecord(await libp2pPrivateKey(this.identity), this.#addrs())
    const { certificate, cert } = await this.#registry.register(
      { signer: identitySigner(this.identity), commsPublicKey: this.identity.commsPublicKey },
      record,
    )
    const previous = this.nodeId
    this.#cert = cert
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

  /** Fetches the verified neighbour list and measures each neighbour's RTT with a libp2p ping. */
  async refreshNeighbours(): Promise<void> {
    const list = await this.#registry.neighbours()
    const measured = await Promise.all(
      list.map(async (n) => {
        try {
          const addrs = n.addrs.map((a) => multiaddr(`${a}/p2p/${n.peerId}`))
          const rttMs = await this.host.services.ping.ping(addrs, { signal: AbortSignal.timeout(5000) })
          return { ...n, rttMs: Number(rttMs), alive: true, pingedAt: Date.now() }
        } catch {
          return { ...n, rttMs: null, alive: false, pingedAt: Date.now() }
        }
      }),
    )
    this.#neighbours = measured
  }

  status(): object {
    return {
      role: 'node',
      nodeId: this.nodeId,
      peerId: this.host.peerId.toString(),
      sigPublicKey: toB64u(this.identity.sigPublicKey),
      commsPublicKey: toB64u(this.identity.commsPublicKey),
      listen: this.host.getMultiaddrs().map((a) => a.toString()),
      registry: { address: this.#registry.address.toString(), ...this.#registryState },
      update: this.#updates?.status() ?? null,
      neighbours: this.#neighbours.map(
        (n): NeighbourStatus => ({
          nodeId: toHex(n.nodeId),
          peerId: n.peerId,
          addrs: n.addrs,
          alive: n.alive,
          rttMs: n.rttMs,
          lastSeen: n.pingedAt === null ? null : new Date(n.pingedAt).toISOString(),
        }),
      ),
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    for (const t of this.#timers) clearTimeout(t)
    this.#updates?.stop()
    await this.#registry.close().catch(() => {})
    await this.host.stop()
    await this.store.close()
  }
}
