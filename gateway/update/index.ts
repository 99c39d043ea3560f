/**
 * Signed software distribution and update (seed row 0.0.0): release manifests and keys, the
 * registry's release store, its libp2p protocol and public HTTP listener, the admin upload
 * handler, verified installation with rollback, and the periodic checker of a running node.
 */
export * from './admin.js'
export * from './checker.js'
export * from './errors.js'
export * from './http.js'
export * from './install.js'
export * from './keys.js'
export * from './manifest.js'
export * from './protocol.js'
export * from './releases.js'
export * from './semver.js'
export * from './source.js'
export * from './tarball.js'
export * from './version.js'
