import type { Signer } from '../../lib/crypto.js'
import type { Logger } from '../../lib/log.js'
import type { Request, Response } from './registry.pb.js'
import type { ClusterTable } from './clusters.js'
import type { NodeTable } from './state.js'

export interface RegistryLimits {
  heartbeatTtlMs: number
  neighbourK: number
  clockSkewMs: number
  nonceRetentionMs: number
  /** Refer new nodes to clusters (seed row 0.1.10) once clusters exist. */
  referrals?: boolean
}

/** What a request handler may use: narrow on purpose, so handlers are testable alone. */
export interface HandlerComponents {
  table: NodeTable
  clusters: ClusterTable
  signer: Signer
  limits: RegistryLimits
  log: Logger
  now(): number
}

export interface RequestContext {
  /** The Ed25519 key Noise authenticated for the remote end of the connection. */
  remoteKey: Uint8Array
  remotePeer: string
}

export type Handler = (c: HandlerComponents, req: Request, ctx: RequestContext) => Promise<Response>
