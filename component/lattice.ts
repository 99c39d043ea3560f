/**
 * What the component needs from its node, as one narrow interface: the node's cluster registry
 * (nick bindings, registration), its cluster and neighbours (for the ad-hoc commands), and its
 * messaging (durable delivery to another home node). attach.ts builds the real one over an
 * XLatticeNode; unit tests of handlers pass stubs.
 */
import type { NickDirectory } from './nicks.js'

/** A nick's binding in the local cluster's replicated registry. */
export interface NickBinding {
  nick: string
  /** The user's home node (hex NodeID): the node whose component knows the user's real JID. */
  home: string
  /** The user's NodeID in the lattice (hex). */
  userNodeId: string
  /** Height of the block that bound it. */
  since: number
}

/** A registration the user signed with its own key (gateway cluster ops: NickRequest). */
export interface UserSignedNick {
  nick: string
  /** Ed25519 public key, 32 bytes. */
  signingKey: Uint8Array
  /** X25519 public key, 32 bytes. */
  agreementKey: Uint8Array
  /** The key's count of accepted registrations and releases (0 for a new key). */
  seq: number
  /** 64 bytes, over the request (tag xlattice/cluster/nick/v1). */
  signature: Uint8Array
}

/** The committed outcome of a registration or release. */
export interface NickOutcome {
  nick: string
  accepted: boolean
  /** Why it was refused: a receipt reason (`nick-taken`, `bad-nick`, ...) or `no-cluster`. */
  reason: string | null
  userNodeId: string | null
}

export interface ClusterMemberView {
  nodeId: string
  peerId: string
  /** Addresses this node knows for it (may be empty). */
  addrs: string[]
}

export interface ClusterView {
  clusterId: string
  name: string
  members: ClusterMemberView[]
  /** Committed height of this node's replica; null when the replica is not running. */
  height: number | null
  nicks: number | null
}

export interface NeighbourView {
  nodeId: string
  peerId: string
  addrs: string[]
  alive: boolean
  rttMs: number | null
}

/** A message another home node sent for a user of this node (or this node for itself). */
export interface InboundPayload {
  /** Sender node (hex NodeID). */
  from: string
  payload: Uint8Array
}

export interface Lattice {
  /** This node's NodeID (hex), or undefined while it has none. */
  nodeId(): string | undefined
  /** The local cluster's binding of a nick (normalized lower case), or undefined. */
  nick(nick: string): NickBinding | undefined
  /**
   * Whether this node is in a cluster whose registry has not opened yet: after a restart the
   * replica starts once the server confirmed the cluster (seconds, when the server is slow).
   * Until then nick() knows no one, so an answer built on it would be wrong, not only late.
   */
  registryOpening(): boolean
  /** Registers a nick for a fresh user key pair with this node as home; resolves once committed. */
  registerNick(nick: string): Promise<NickOutcome>
  /**
   * Registers a nick for a key pair the user holds, with this node as home: `signature` is the
   * user's over the request (docs/xmpp.md "Your own key"); resolves once committed.
   */
  registerSigned(request: UserSignedNick): Promise<NickOutcome>
  /** What a user signs a registration against: the cluster's chain id and this node's NodeID (hex). */
  signingContext(): { chainId: string; home: string } | undefined
  /** Releases a nick this node registered (it holds the user's keys); resolves once committed. */
  releaseNick(nick: string): Promise<NickOutcome>
  /** The cluster this node is a member of, or undefined. */
  cluster(): ClusterView | undefined
  neighbours(): NeighbourView[]
  /**
   * Queues a payload for the home node `to` (this node's own NodeID included), durably: it
   * resolves once the payload is on disk; delivery and retries are the node's. Rejects with
   * PayloadTooLargeError for a payload the lattice never carries; other rejections are passing
   * (the outbox is full).
   */
  send(to: string, payload: Uint8Array, opts?: { plaintext?: boolean }): Promise<void>
  /**
   * Takes delivered payloads in arrival order, each until `fn` resolves (then it is deleted);
   * payloads not yet taken survive restarts. Returns a function that stops consuming.
   */
  consume(fn: (m: InboundPayload) => Promise<void>): () => void
}

/** A component without a node (tests of the XMPP side alone): no cluster, no nicks, no delivery. */
export const detachedLattice: Lattice = {
  nodeId: () => undefined,
  nick: () => undefined,
  registryOpening: () => false,
  registerNick: async (nick) => ({ nick, accepted: false, reason: 'no-cluster', userNodeId: null }),
  registerSigned: async ({ nick }) => ({ nick, accepted: false, reason: 'no-cluster', userNodeId: null }),
  signingContext: () => undefined,
  releaseNick: async (nick) => ({ nick, accepted: false, reason: 'no-cluster', userNodeId: null }),
  cluster: () => undefined,
  neighbours: () => [],
  send: async () => {
    throw new Error('this component has no node to deliver through')
  },
  consume: () => () => {},
}

/** How long a lookup that must not guess waits for an opening registry by default. */
export const REGISTRY_WAIT_MS = 10_000

/** The registry did not open in time; the caller tries again later (nothing was decided). */
export class RegistryOpeningError extends Error {
  constructor(waitedMs: number) {
    super(`the cluster registry is still opening (waited ${waitedMs} ms)`)
    this.name = 'RegistryOpeningError'
  }
}

/** Resolves once the lattice's registry is open (at once when it is); see registryOpening(). */
export async function registryOpen(lattice: Lattice, timeoutMs = REGISTRY_WAIT_MS): Promise<void> {
  const start = Date.now()
  while (lattice.registryOpening()) {
    if (Date.now() - start >= timeoutMs) throw new RegistryOpeningError(timeoutMs)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The nick directory of disco#info on nick@D: the local cluster's bindings. */
export function latticeNicks(lattice: Lattice): NickDirectory {
  return {
    lookup: async (nick, cluster) => {
      if (cluster !== undefined && cluster !== lattice.cluster()?.name) return undefined
      await registryOpen(lattice)
      return lattice.nick(nick) === undefined ? undefined : { nick, cluster }
    },
  }
}

/** A payload over what node messaging carries: no retry will send it. */
export class PayloadTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${bytes} bytes, over the ${limit} bytes the lattice carries`)
    this.name = 'PayloadTooLargeError'
  }
}
