/**
 * The XLattice server process (`xlattice registry`): its identity, libp2p host, LevelDB store
 * and the registry protocol: nodes (NodeIDs, neighbours) and clusters (IDs, names, members).
 */
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { identitySigner, libp2pPrivateKey, loadOrCreateIdentity, type Identity } from '../../lib/identity.js'
import { logger } from '../../lib/log.js'
import { LevelStore } from '../../lib/store/index.js'
import { createHost, type Host } from '../p2p/host.js'
import { RegistryServer } from './server.js'
import { ReleaseStore, registerUpdateProtocol, startPublicHttp } from '../update/index.js'

export interface RegistryOptions {
  dataDir: string
  listen: string[]
  heartbeatTtlSec: number
  neighbourK: number
  maxMessageBytes: number
  clockSkewSec: number
  nonceRetentionSec: number
  /** Refer new nodes to clusters once clusters exist (seed row 0.1.10). */
  referrals?: boolean
  rateLimit: { requestsPerSec: number; burst: number }
  /** `HOST:PORT` of the read-only public HTTP listener for releases; none when undefined. */
  publicListen?: { host: string; port: number }
  releaseMaxBytes?: number
}

export interface RunningRegistry {
  identity: Identity
  host: Host
  server: RegistryServer
  store: LevelStore
  metrics: Registry
  releases: ReleaseStore
  /** `HOST:PORT` of the public release listener, when one was asked for. */
  publicAddress?: string
  status(): Promise<object>
  stop(): Promise<void>
}

export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const log = logger('gateway:registry')
  const { identity } = await loadOrCreateIdentity(opts.dataDir)
  const store = await LevelStore.open(join(opts.dataDir, 'store'))
  const metrics = new Registry()
  let host: Host | undefined
  try {
    host = await createHost({ privateKey: await libp2pPrivateKey(identity), listen: opts.listen })
    const server = new RegistryServer(
      { host, store, signer: identitySigner(identity), log, metrics },
      {
        heartbeatTtlMs: opts.heartbeatTtlSec * 1000,
        neighbourK: opts.neighbourK,
        clockSkewMs: opts.clockSkewSec * 1000,
        nonceRetentionMs: opts.nonceRetentionSec * 1000,
        referrals: opts.referrals ?? false,
        maxMessageBytes: opts.maxMessageBytes,
        rateLimit: opts.rateLimit,
      },
    )
    await server.start()
    // Seed row 0.0.0: the server also distributes signed releases, over libp2p to nodes and
    // over plain HTTP to newcomers who have no node yet.
    const releases = new ReleaseStore(store.sublevel('releases'), { maxSize: opts.releaseMaxBytes })
    const updates = await registerUpdateProtocol(host, releases)
    const publicHttp =
      opts.publicListen === undefined ? undefined : await startPublicHttp({ ...opts.publicListen, releases })
    const running: RunningRegistry = {
      identity,
      host,
      server,
      store,
      metrics,
      releases,
      publicAddress: publicHttp?.address,
      status: async () => ({
        role: 'registry',
        peerId: host!.peerId.toString(),
        listen: host!.getMultiaddrs().map((a) => a.toString()),
        public: publicHttp?.address ?? null,
        latestRelease: (await releases.latest())?.manifest.version ?? null,
        ...server.status(),
      }),
      stop: async () => {
        await publicHttp?.close()
        await updates.stop()
        await server.stop()
        await host!.stop()
        await store.close()
      },
    }
    log.info({ peerId: host.peerId.toString(), nodes: server.status().nodes }, 'registry started')
    return running
  } catch (err) {
    await host?.stop()
    await store.close()
    throw err
  }
}

export { RegistryServer } from './server.js'
export {
  RegistryClient,
  RegistryRefusal,
  type VerifiedCluster,
  type ClusterLookup,
} from './client.js'
export {
  clusterRegistrationBody,
  clusterUpdateBody,
  signClusterRegistration,
  signClusterUpdate,
  clusterSignatures,
  clusterIdOf,
  derivedClusterName,
  clusterNameProblem,
  sortMembers,
  checkClusterQuorum,
  verifyClusterBinding,
  verifyClusterHistory,
  issueClusterBinding,
  ClusterBindingError,
  MAX_CLUSTER_MEMBERS,
  type ClusterApproval,
  type ClusterRegistrationFields,
  type ClusterUpdateFields,
} from './cluster-binding.js'
export { ClusterTable, type Cluster } from './clusters.js'
export { verifyCertificate, verifyNeighbourList, issueCertificate, CertificateError } from './certificate.js'
export { sealPeerRecord, openPeerRecord } from './peer-record.js'
export * as wire from './registry.pb.js'
export {
  REGISTRY_PROTOCOL,
  TAG_REGISTER,
  TAG_NODE_CERT,
  TAG_NEIGHBOURS,
  TAG_CLUSTER,
  TAG_CLUSTER_REGISTER,
  TAG_CLUSTER_UPDATE,
  MAX_MESSAGE_BYTES,
} from './tags.js'
