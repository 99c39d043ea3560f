/**
 * The consensus driver: runs the pure core (core.ts) with real I/O. Its one safety duty
 * (TENDERMINT.md "Voting twice after a restart"): every record the core asks to persist (the
 * rounds it may sign in, its locks) is written with a synced batch BEFORE the messages of that
 * step, or of any later step, go out; batches are group-committed, so one fdatasync covers every
 * input of an event-loop turn. Commits are stored with the application's writes in one atomic batch,
 * applied before the next input, and acknowledged to submitters when decided (see #input).
 * References: etcd-io/raft README (persist, then send); CometBFT privval double-sign protection.
 */
import type { BatchOp } from '../../../lib/store/index.js'
import { toHex } from '../../../lib/encoding.js'
import { createCore, step } from '../core.js'
import { proposerIndex } from '../proposer.js'
import type { ConsensusApp, ConsensusSigner, CoreState } from '../state.js'
import {
  type CommitRecord,
  DEFAULT_LIMITS,
  type Input,
  type Limits,
  type Output,
  type ValidatorSet,
} from '../types.js'
import { CatchUp } from './catchup.js'
import { ChainStore } from './chain-store.js'
import { COMMIT_WRITE_DELAY_MS, EMPTY_BLOCK_INTERVAL_MS, GOSSIP_INTERVAL_MS } from './constants.js'
import { CorruptStore } from './errors.js'
import { GroupCommit } from '../../../lib/store/index.js'
import { Mempool } from './mempool.js'
import type { CommitInfo, DriverOptions } from './options.js'
import { validatorPeers } from './peers.js'
import { DriverMetrics } from './metrics.js'
import { Inbound } from './inbound.js'
import { Submissions } from './submissions.js'
import { CoreTimers } from './timers.js'
import { VerifyCache } from './verify-cache.js'
import { consensusFrame, statusFrame } from './wire.js'

export class Driver {
  readonly chain: ChainStore
  readonly mempool: Mempool
  readonly metrics: DriverMetrics
  readonly submissions: Submissions
  readonly #o: DriverOptions
  readonly #core: CoreState
  readonly #gc: GroupCommit
  readonly #timers: CoreTimers
  readonly #inbound: Inbound
  readonly #catchUp: CatchUp
  #interval?: NodeJS.Timeout
  #targets: string[] = []
  #setsKey = ''
  #halted = false
  #stopped = false
  lastCommit: CommitInfo | null = null

  static async open(o: DriverOptions): Promise<Driver> {
    const limits = { ...DEFAULT_LIMITS, ...o.limits }
    const chain = new ChainStore(o.store, limits)
    const { tip, records } = await chain.load(o.chainId, o.genesis)
    await o.app.load()
    if (o.app.height !== chain.height) {
      throw new CorruptStore(`application at height ${o.app.height}, chain at ${chain.height}`)
    }
    const mempool = new Mempool({ maxOpBytes: limits.maxOperationBytes, ...o.mempool })
    // The mempool is the core's getOperations; the other hooks are the application's.
    const app: ConsensusApp = {
      getOperations: () => mempool.take(limits.maxOperations, limits.maxBlockBytes),
      stateRoot: (h) => o.app.stateRoot(h),
      validateBlock: (b) => o.app.validateBlock(b),
      nextValidatorSet: (h, set, ops) => o.app.nextValidatorSet(h, set, ops),
    }
    const cache = new VerifyCache(o.verify)
    const config = {
      chainId: o.chainId,
      signer: cache.signer(o.signer),
      app,
      timeouts: o.timeouts,
      limits,
      verify: cache.verify,
    }
    return new Driver(o, chain, mempool, createCore(config, tip, records))
  }

  private constructor(o: DriverOptions, chain: ChainStore, mempool: Mempool, core: CoreState) {
    this.#o = o
    this.chain = chain
    this.#core = core
    this.mempool = mempool
    this.metrics = new DriverMetrics(o.metrics)
    this.#gc = new GroupCommit(o.store, { onBatch: (_n, ms) => this.metrics.persist.observe(ms / 1000) })
    // Blocks served to peers and clients are read back from the store: write pending commits first.
    chain.beforeRead = () => this.#gc.settled()
    this.#timers = new CoreTimers({
      emptyIntervalMs: o.emptyBlockIntervalMs ?? EMPTY_BLOCK_INTERVAL_MS,
      hasWork: () => this.mempool.size > 0 || this.#core.rounds.size > 0,
      fire: (timer) => this.#input({ kind: 'timeout', timer }),
    })
    this.submissions = new Submissions({
      app: o.app,
      mempool: this.mempool,
      metrics: this.metrics,
      gossip: (frame) => this.#broadcast(frame),
      added: () => this.#timers.poke(),
    })
    this.#catchUp = new CatchUp({
      height: () => this.#core.height,
      send: (peer, frame) => this.#inbound.send(peer, frame),
      feed: (block, certificate) => {
        const before = this.#core.height
        this.#input({ kind: 'committed', block, certificate })
        return this.#core.height > before
      },
      chain,
      metrics: this.metrics,
      log: o.log,
    })
    this.#inbound = new Inbound({
      transport: o.transport,
      metrics: this.metrics,
      catchUp: this.#catchUp,
      submissions: this.submissions,
      status: () => statusFrame({ height: this.#core.height, round: this.#core.round }),
      height: () => this.#core.height,
      message: (bytes, peer) => this.#input({ kind: 'message', bytes }, peer),
      afterMessages: () => this.#timers.poke(),
      connected: (peer) => {
        this.#o.transport.send(peer, statusFrame({ height: this.#core.height, round: this.#core.round }))
        this.#input({ kind: 'gossip' })
      },
    })
  }

  get core(): Readonly<CoreState> {
    return this.#core
  }

  get validators(): ValidatorSet {
    return this.#core.validators
  }

  get signer(): ConsensusSigner {
    return this.#o.signer
  }

  get limits(): Limits {
    return this.#core.config.limits
  }

  async start(): Promise<void> {
    await this.#o.transport.start(this.#inbound.handler)
    this.#setValidators()
    this.#input({ kind: 'start' })
    this.#input({ kind: 'gossip' })
    this.#interval = setInterval(() => this.#tick(), this.#o.gossipIntervalMs ?? GOSSIP_INTERVAL_MS)
    this.#o.log.info(
      { height: this.#core.height, round: this.#core.round, validator: this.#core.myIndex >= 0 },
      'consensus started',
    )
  }

  /** Stops cleanly: everything asked to be written is written; nothing more is sent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#halt()
    await this.#gc.flushed().catch(() => {})
    await this.#o.transport.stop()
  }

  /** Test hook: halts at once, as kill -9 would, without waiting for anything. */
  abort(): void {
    this.#halt()
  }

  #halt(): void {
    this.#halted = true
    clearInterval(this.#interval)
    this.#timers.stop()
    this.#catchUp.stop()
    this.submissions.stop()
  }

  #fatal(err: unknown): void {
    if (this.#halted) return
    const error = err instanceof Error ? err : new Error(String(err))
    this.#o.log.fatal(
      { err: error.message },
      'consensus halted: a write failed or the core broke its contract',
    )
    this.#halt()
    this.#o.onFatal?.(error)
  }

  #tick(): void {
    this.#input({ kind: 'gossip' })
    this.#broadcast(statusFrame({ height: this.#core.height, round: this.#core.round }))
    this.metrics.height.set(this.#core.height)
    this.metrics.round.set(this.#core.round)
    this.metrics.mempoolOps.set(this.mempool.size)
    this.metrics.mempoolBytes.set(this.mempool.bytes)
  }

  /** One input through the core, then its outputs: persist, commit, timers, then (durable) sends. */
  #input(input: Input, from?: string): void {
    if (this.#halted) return
    let out: Output
    try {
      out = step(this.#core, input)
    } catch (err) {
      this.#fatal(err)
      return
    }
    this.metrics.syncCore(this.#core.stats)
    // Records are synced before any later send. A commit is not waited for: the precommits
    // that decided it were each synced by their signers before they were sent (with the lock
    // holding the block), so the decision survives any crash, and it is acknowledged at once.
    // This validator's copy goes with the step's records when there are any, else with the
    // next batch (COMMIT_WRITE_DELAY_MS at most), and after a crash comes back by catch-up or
    // by deciding the height again from the locks.
    const writes: BatchOp[] = []
    for (const r of out.persist) writes.push(...this.chain.persistOps(r))
    try {
      for (const c of out.commit) {
        writes.push(...this.chain.commitOps(c), ...this.#apply(c))
        this.submissions.committed(this.mempool.committed(c.block.operations, c.height), c.height)
      }
    } catch (err) {
      this.#fatal(err)
      return
    }
    let durable: Promise<void> | null
    if (out.persist.length > 0) durable = this.#gc.write(writes, true)
    else {
      if (writes.length > 0) this.#gc.writeLazy(writes, COMMIT_WRITE_DELAY_MS)
      durable = this.#gc.pending()
    }
    if (out.commit.length > 0) {
      this.#setValidators()
      this.#timers.dropBelow(this.#core.height)
    }
    for (const t of out.timers) this.#timers.arm(t)
    if (out.send.length > 0) {
      const frame = consensusFrame(out.send)
      if (durable === null) this.#broadcast(frame)
      else
        durable.then(
          () => this.#broadcast(frame),
          (err) => this.#fatal(err),
        )
    }
    if (from !== undefined && out.behind > this.#core.height) this.#catchUp.note(from, out.behind)
  }

  #apply(c: CommitRecord): BatchOp[] {
    // Block h names the state root after h - 1: ours must match the one the quorum certified
    // (our own proposals and votes checked it already; fetched blocks are checked here).
    if (toHex(this.#o.app.stateRoot(c.height - 1)) !== toHex(c.block.header.stateRoot)) {
      throw new CorruptStore(`state root after ${c.height - 1} differs from the certified one`)
    }
    const ops = this.#o.app.apply(c)
    this.metrics.commits.inc()
    this.metrics.committedOps.inc(c.block.operations.length)
    this.lastCommit = {
      height: c.height,
      round: c.certificate.round,
      blockHash: toHex(c.blockHash),
      ops: c.block.operations.length,
      at: Date.now(),
    }
    return ops
  }

  #broadcast(frame: Uint8Array): void {
    if (this.#halted) return
    for (const peer of this.#targets) this.#o.transport.send(peer, frame)
  }

  /** Links, broadcast targets and accepted senders follow the validator sets of the height. */
  #setValidators(): void {
    const peers = validatorPeers(this.#core, this.#o.signer.publicKey, this.#o.peerOf)
    if (peers.key === this.#setsKey) return
    this.#setsKey = peers.key
    this.#targets = peers.links.map((p) => p.peerId)
    this.#inbound.allow(peers.allowed)
    this.#o.transport.setPeers(peers.links)
  }

  /** Resolves once everything asked to be written so far is written (reads after an ack see it). */
  async written(): Promise<void> {
    await this.#gc.settled()
  }

  /** Peer ID of proposer(height, round). */
  proposer(): string {
    const v =
      this.#core.validators.validators[
        proposerIndex(this.#core.validators, this.#core.height, this.#core.round)
      ]
    return this.#o.peerOf(v.publicKey).peerId
  }

  status() {
    const c = this.#core
    return {
      height: c.height,
      round: c.round,
      step: c.step,
      proposer: this.proposer(),
      validator: c.myIndex >= 0,
      stateRoot: toHex(this.#o.app.stateRoot(this.#o.app.height)),
      lastCommit: this.lastCommit,
      validators: c.validators.validators.map((v) => {
        const peerId = this.#o.peerOf(v.publicKey).peerId
        return {
          peerId,
          publicKey: toHex(v.publicKey),
          weight: Number(v.weight),
          connected: this.#o.transport.isConnected(peerId),
        }
      }),
      mempool: { ops: this.mempool.size, bytes: this.mempool.bytes },
      catchUp: { active: this.#catchUp.active, fetched: this.#catchUp.fetched },
      dropped: { ...this.metrics.dropped },
    }
  }
}
