/** Types shared by the simulator's parts. */
import type { Signer } from '../../lib/crypto.js'
import { verifySignature } from '../../lib/crypto.js'
import {
  type CommitRecord,
  type CoreState,
  type Hash,
  hasThird,
  type Limits,
  type PersistRecord,
  type QuorumRule,
  type Timeouts,
  type VerifyFn,
} from '../../gateway/consensus/index.js'
import type { SimApp } from './app.js'
import type { Prng } from './prng.js'
import type { NodeSpec } from './scenarios.js'

/** Timeouts of the simulated validators (network delays are at most ~120 ms, plus spikes before GST). */
export const SIM_TIMEOUTS: Timeouts = {
  proposeMs: 500,
  proposeDeltaMs: 250,
  prevoteMs: 300,
  prevoteDeltaMs: 200,
  precommitMs: 300,
  precommitDeltaMs: 200,
  commitMs: 40,
}
export const SIM_LIMITS: Limits = {
  maxMessageBytes: 64 * 1024,
  maxBlockBytes: 60 * 1024,
  maxOperations: 256,
  maxOperationBytes: 4096,
  maxValidators: 64,
}
/** The deliberately broken quorum of the checker-bites test: more than half instead of two thirds. */
export const WEAK_QUORUM: QuorumRule = { quorum: (w, t) => 2n * w > t, third: hasThird }

export const FAULT_TYPES = [
  'delay',
  'loss',
  'reorder',
  'partition',
  'crash-restart',
  'equivocation',
  'double-vote',
  'silent',
  'bad-signature',
  'malformed',
  'twins',
  'invalid-block',
  'membership',
] as const
export type FaultType = (typeof FAULT_TYPES)[number]

export interface SimNode {
  id: number
  spec: NodeSpec
  honest: boolean
  signer: Signer
  /** null while crashed. */
  core: CoreState | null
  /** Bumped on crash and restart: events of an earlier incarnation are ignored. */
  inc: number
  app: SimApp
  /** The node's "disk": what survives a crash. */
  records: PersistRecord[]
  commits: CommitRecord[]
  fetchScheduled: boolean
  committedAfterGst: boolean
  /** Byzantine nodes' re-signed messages, so re-sends stay identical and cheap. */
  byzCache: Map<string, Uint8Array>
}

/** What Byzantine behaviours may do to the network. */
export interface Net {
  readonly rng: Prng
  readonly nodes: readonly SimNode[]
  readonly groupA: ReadonlySet<number>
  readonly pairs: Map<string, { a: Hash; b: Hash }>
  readonly limits: Limits
  sendTo(from: number, to: number, bytes: Uint8Array): void
  broadcast(from: number, bytes: Uint8Array): void
  fault(kind: FaultType): void
}

/** Ed25519 verification cached by (tag, key, signature, bytes): every node checks each message. */
export function cachedVerify(): VerifyFn {
  const cache = new Map<string, boolean>()
  const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
  return (tag, bytes, signature, publicKey) => {
    const key = `${tag}|${latin1(publicKey)}|${latin1(signature)}|${latin1(bytes)}`
    let ok = cache.get(key)
    if (ok === undefined) {
      ok = verifySignature(tag, bytes, signature, publicKey)
      cache.set(key, ok)
    }
    return ok
  }
}

export type Payload =
  | { kind: 'msg'; bytes: Uint8Array }
  | { kind: 'fetchReq'; height: number }
  | { kind: 'fetchResp'; commits: CommitRecord[] }
