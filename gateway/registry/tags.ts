/** Signature domains of /xlattice/reg/1.0.0: every signature covers `tag || 0x00 || bytes`. */
export const TAG_REGISTER = 'xlattice/reg/v1'
export const TAG_NODE_CERT = 'xlattice/nodecert/v1'
export const TAG_NEIGHBOURS = 'xlattice/neighbours/v1'

export const REGISTRY_PROTOCOL = '/xlattice/reg/1.0.0'
export const MAX_MESSAGE_BYTES = 64 * 1024

/** Cluster registry (seed rows 0.1.7, 0.1.8). */
export const TAG_CLUSTER_REGISTER = 'xlattice/cluster/register/v1'
export const TAG_CLUSTER_UPDATE = 'xlattice/cluster/update/v1'
export const TAG_CLUSTER = 'xlattice/cluster/v1'
/** Members attesting the NodeID their cluster assigned to a referred node (0.1.10). */
export const TAG_CLUSTER_ASSIGNED = 'xlattice/cluster/assigned/v1'
/** Not a signature domain: the prefix of the hash that makes a cluster ID. */
export const TAG_CLUSTER_ID = 'xlattice/cluster/id/v1'
