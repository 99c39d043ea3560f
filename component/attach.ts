/**
 * Attaches a running node to its XMPP server as component domain D: the Lattice (lattice.ts)
 * over the node, the Accounts table in the node's store, the connection and the router.
 * `xlattice start --component-domain ...` calls this once the node is up.
 */
import type { XLatticeNode } from '../gateway/index.js'
import type { RunningComponent } from './index.js'

export interface AttachOptions {
  /** The component domain D, as configured on the server. */
  domain: string
  /** The server's component listener. */
  host: string
  port: number
  secret: string
  /** Messages between home nodes go signed but not encrypted; default false (encrypted). */
  plaintext?: boolean
  /** Software version for XEP-0092. */
  version: string
}

export async function attachComponent(node: XLatticeNode, opts: AttachOptions): Promise<RunningComponent> {
  void node
  void opts
  throw new Error('attachComponent: being written')
}
