/** Signature domains of /xlattice/reg/1.0.0: every signature covers `tag || 0x00 || bytes`. */
export const TAG_REGISTER = 'xlattice/reg/v1'
export const TAG_NODE_CERT = 'xlattice/nodecert/v1'
export const TAG_NEIGHBOURS = 'xlattice/neighbours/v1'

export const REGISTRY_PROTOCOL = '/xlattice/reg/1.0.0'
export const MAX_MESSAGE_BYTES = 64 * 1024
