/**
 * Authentication clusters: the public surface (so far the authenticated registry map and
 * binding proofs, seed row 0.1.2). The gateway's index.ts re-exports from here.
 */
export {
  decodeMerkleProof,
  EMPTY_ROOT,
  encodeMerkleProof,
  MAX_MERKLE_PROOF_BYTES,
  MerkleMap,
  type MerkleProof,
  verifyMerkleProof,
} from './merkle.js'
export {
  type BindingProof,
  type BindingResult,
  type BindingVerifyOptions,
  type ClusterAnchor,
  decodeBindingProof,
  encodeBindingProof,
  entryKey,
  entryValueHash,
  MAX_BINDING_PROOF_BYTES,
  makeBindingProof,
  verifyBindingProof,
} from './proof.js'
export { ClusterFormation, CLUSTER_PROTOCOL, type FormationSettings } from './formation-service.js'
export { beats, Formation, plan, type Proposal } from './formation.js'
export { normalizeNick } from './nick.js'
export { ClusterReplacement, ReplaceRefused, type ReplaceResult } from './replace-service.js'
export { RegistryApp, type RegistryAppOptions } from './registry-app.js'
export { Replica, type NickRegistration } from './replica.js'
