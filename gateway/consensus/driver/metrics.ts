/**
 * Prometheus metrics of the driver, and the plain counters `/status` shows. Every dropped
 * input, whether the envelope (driver) or the consensus message inside it (core) refused it,
 * is counted in `xlattice_bft_dropped_total{reason}`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { ConsensusStats, DropReason } from '../types.js'

/** Reasons the driver adds to the core's: the envelope, the sender, or our own bounds. */
export type DriverDropReason =
  | 'frameOversize'
  | 'frameMalformed'
  | 'notValidator'
  | 'rateLimited'
  | 'unsolicited'
  | 'opInvalid'
  | 'mempoolFull'
  | 'sendOverflow'

export class DriverMetrics {
  readonly dropped: Record<string, number> = {}
  readonly #dropped: Counter<'reason'>
  readonly commits: Counter
  readonly committedOps: Counter
  readonly catchUpBlocks: Counter
  readonly equivocations: Counter
  readonly persist: Histogram
  readonly commitLatency: Histogram
  readonly height: Gauge
  readonly round: Gauge
  readonly mempoolOps: Gauge
  readonly mempoolBytes: Gauge
  readonly #core: Record<string, number> = {}

  constructor(registry: Registry) {
    const registers = [registry]
    this.#dropped = new Counter({
      name: 'xlattice_bft_dropped_total',
      help: 'Consensus inputs dropped, by reason (envelope, sender, or the consensus message itself)',
      labelNames: ['reason'],
      registers,
    })
    this.commits = new Counter({ name: 'xlattice_bft_commits_total', help: 'Blocks committed', registers })
    this.committedOps = new Counter({
      name: 'xlattice_bft_committed_ops_total',
      help: 'Operations in committed blocks',
      registers,
    })
    this.catchUpBlocks = new Counter({
      name: 'xlattice_bft_catchup_blocks_total',
      help: 'Committed blocks fetched from peers and applied',
      registers,
    })
    this.equivocations = new Counter({
      name: 'xlattice_bft_equivocations_total',
      help: 'Conflicting signed messages seen from one validator',
      registers,
    })
    this.persist = new Histogram({
      name: 'xlattice_bft_persist_seconds',
      help: 'Synced batch writes (votes, locks, commits) before sending',
      buckets: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
      registers,
    })
    this.commitLatency = new Histogram({
      name: 'xlattice_bft_commit_latency_seconds',
      help: 'From a local submit to its commit being durable',
      buckets: [0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2],
      registers,
    })
    this.height = new Gauge({ name: 'xlattice_bft_height', help: 'Height being decided', registers })
    this.round = new Gauge({
      name: 'xlattice_bft_round',
      help: 'Round of the height being decided',
      registers,
    })
    this.mempoolOps = new Gauge({ name: 'xlattice_bft_mempool_ops', help: 'Pending operations', registers })
    this.mempoolBytes = new Gauge({ name: 'xlattice_bft_mempool_bytes', help: 'Pending bytes', registers })
  }

  drop(reason: DriverDropReason | DropReason, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n
    this.#dropped.inc({ reason }, n)
  }

  /** Adds what the core dropped since the last call (its stats only ever grow). */
  syncCore(stats: ConsensusStats): void {
    for (const [reason, n] of Object.entries(stats.dropped)) {
      const before = this.#core[reason] ?? 0
      if (n > before) {
        this.drop(reason as DropReason, n - before)
        this.#core[reason] = n
      }
    }
    const eq = this.#core.equivocations ?? 0
    if (stats.equivocations > eq) {
      this.equivocations.inc(stats.equivocations - eq)
      this.#core.equivocations = stats.equivocations
    }
  }
}
