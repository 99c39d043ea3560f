/**
 * The gateway's public surface: the only gateway module `component/` and `bin/` may import.
 */
export { startRegistry, type RegistryOptions, type RunningRegistry } from './registry/index.js'
export {
  RegistryClient,
  RegistryRefusal,
  verifyCertificate,
  verifyNeighbourList,
  sealPeerRecord,
  wire as registryWire,
  REGISTRY_PROTOCOL,
} from './registry/index.js'
export { XLatticeNode, type NodeOptions, type NeighbourStatus } from './node/node.js'
export { nodeAdminRoutes } from './node/admin.js'
export {
  MAX_PAYLOAD_BYTES,
  MSG_PROTOCOL,
  type Messaging,
  type ReceivedMessage,
  type Sent,
  type Sealer,
} from './messaging/index.js'
export { loadCertificate } from './node/certificate-file.js'
export { createHost, type Host } from './p2p/host.js'
export {
  releaseAdminRoutes,
  ReleaseStore,
  startUpdateChecker,
  libp2pSource,
  httpSource,
  currentVersion,
  parsePublicKey,
  type UpdateStatus,
} from './update/index.js'
export {
  verifyCommitCertificate,
  verifyCertificateChain,
} from './consensus/index.js'
export * as cluster from './cluster/index.js'
