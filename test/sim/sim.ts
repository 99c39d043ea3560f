/**
 * Deterministic simulation of many validators in one event loop: a seeded PRNG, a virtual
 * clock, a network with delay, loss, reordering and partitions that heal, crashes with
 * restarts from each node's persisted records, catch-up by fetching committed blocks, and the
 * Byzantine behaviours of byzantine.ts. The same spec always produces the same run, so a
 * failing seed replays exactly (with a trace when asked).
 */
import { ed25519FromSeed, Signer, sha256 } from '../../lib/crypto.js'
import { compareBytes, concatBytes } from '../../lib/encoding.js'
import {
  type CommitRecord,
  type CoreConfig,
  createCore,
  genesisTip,
  type Hash,
  type Input,
  makeValidatorSet,
  step,
  type Timer,
  tipAfter,
  type ValidatorSet,
} from '../../gateway/consensus/index.js'
import { type Membership, SimApp, valsetOp } from './app.js'
import { byzantineSend } from './byzantine.js'
import { Checker, type Violation } from './checker.js'
import { EventQueue } from './heap.js'
import {
  cachedVerify,
  type FaultType,
  type Net,
  type Payload,
  SIM_LIMITS,
  SIM_TIMEOUTS,
  type SimNode,
  WEAK_QUORUM,
} from './model.js'
import { Network } from './network.js'
import { Prng } from './prng.js'
import type { Family, ScenarioSpec, Variant } from './scenarios.js'
import { summarise } from './wire.js'

const GOSSIP_MS = 700
const FETCH_DELAY_MS = 150
const FETCH_BATCH = 32

export interface SimResult {
  seed: number
  family: Family
  variant: Variant
  violations: Violation[]
  faults: FaultType[]
  /** Fewest heights any correct node committed. */
  heights: number
  /** Heights committed by each node, by node id. */
  commits: number[]
  maxRound: number
  events: number
  virtualMs: number
  trace: string[]
}

export interface SimOptions {
  trace?: boolean
  /** Stop at the first agreement or validity violation (default true). */
  stopOnViolation?: boolean
}

type SimEvent = { t: number; seq: number } & (
  | { kind: 'deliver'; from: number; to: number; payload: Payload }
  | { kind: 'timer'; node: number; inc: number; timer: Timer }
  | { kind: 'gossip'; node: number; inc: number }
  | { kind: 'fetchCheck'; node: number; inc: number; peer: number; height: number }
  | { kind: 'crash' | 'restart'; node: number }
  | { kind: 'gst' }
)

export function runScenario(spec: ScenarioSpec, options: SimOptions = {}): SimResult {
  return new Simulation(spec, options).run()
}

export class Simulation implements Net {
  readonly rng: Prng
  readonly nodes: SimNode[]
  readonly groupA: ReadonlySet<number>
  readonly pairs = new Map<string, { a: Hash; b: Hash }>()
  readonly limits = SIM_LIMITS
  readonly #spec: ScenarioSpec
  readonly #queue = new EventQueue<SimEvent>()
  readonly #faults = new Set<FaultType>()
  readonly #trace: string[] | null
  readonly #stopOnViolation: boolean
  readonly #chainId: Hash
  readonly #genesis: ValidatorSet
  readonly #membership: Membership | null
  readonly #verify = cachedVerify()
  readonly #checker: Checker
  readonly #network: Network
  #now = 0
  #done = false

  constructor(spec: ScenarioSpec, options: SimOptions) {
    this.#spec = spec
    this.rng = new Prng(spec.seed * 7919 + 17)
    this.#network = new Network(spec, this.rng, (kind) => this.fault(kind))
    this.#trace = options.trace ? [] : null
    this.#stopOnViolation = options.stopOnViolation ?? true
    this.#chainId = sha256(new TextEncoder().encode(`xlattice/sim/chain/${spec.seed}`))
    // Keys are numbered in public-key order, so key k is validator index k of a full set.
    const keys = spec.weights
      .map((_, k) => ed25519FromSeed(sha256(new TextEncoder().encode(`xlattice/sim/key/${spec.seed}/${k}`))))
      .sort((a, b) => compareBytes(a.publicKey, b.publicKey))
      .map((k) => new Signer(k))
    const setOf = (weights: number[]) =>
      makeValidatorSet(
        keys.flatMap((k, i) => (weights[i] > 0 ? [{ publicKey: k.publicKey, weight: weights[i] }] : [])),
      )
    this.#genesis = setOf(spec.weights)
    const changed = spec.membership === null ? null : setOf(spec.membership.weights)
    this.#membership =
      changed === null ? null : { fromHeight: spec.membership!.fromHeight, op: valsetOp(changed) }
    const maxWeight = Math.max(Number(this.#genesis.totalWeight), Number(changed?.totalWeight ?? 0n))
    const quorum = spec.variant === 'weak-quorum' ? WEAK_QUORUM.quorum : undefined
    this.#checker = new Checker(this.#genesis, maxWeight + 3, { verify: this.#verify, quorum })
    this.groupA = new Set(spec.groupA)
    this.nodes = spec.nodes.map((ns, id) => ({
      id,
      spec: ns,
      honest: ns.byzantine.length === 0,
      signer: keys[ns.key],
      core: null,
      inc: 0,
      app: new SimApp(`n${id}`, this.#membership),
      records: [],
      commits: [],
      fetchScheduled: false,
      committedAfterGst: false,
      byzCache: new Map(),
    }))
  }

  #config(node: SimNode): CoreConfig {
    const quorumRule = this.#spec.variant === 'weak-quorum' ? WEAK_QUORUM : undefined
    const verify = this.#verify
    // The checker sees every signature a correct validator makes, wherever it goes afterwards.
    const signer = !node.honest
      ? node.signer
      : {
          publicKey: node.signer.publicKey,
          sign: (tag: string, bytes: Uint8Array) => {
            const signature = node.signer.sign(tag, bytes)
            this.#checker.onSigned(node.id, concatBytes(bytes, signature), this.#now)
            return signature
          },
        }
    return {
      chainId: this.#chainId,
      signer,
      app: node.app,
      timeouts: SIM_TIMEOUTS,
      limits: SIM_LIMITS,
      verify,
      quorumRule,
    }
  }

  #log(line: string): void {
    this.#trace?.push(`${String(this.#now).padStart(7)}ms ${line}`)
  }

  fault(kind: FaultType): void {
    this.#faults.add(kind)
  }

  run(): SimResult {
    const spec = this.#spec
    for (const node of this.nodes) this.#boot(node)
    for (const c of spec.crashes) {
      this.#queue.push({ t: c.at, kind: 'crash', node: c.node })
      this.#queue.push({ t: c.restart, kind: 'restart', node: c.node })
    }
    this.#queue.push({ t: spec.gst, kind: 'gst' })
    let events = 0
    let timedOut = false
    for (let ev = this.#queue.pop(); ev !== undefined && !this.#done; ev = this.#queue.pop()) {
      if (ev.t > spec.maxTime) {
        timedOut = true
        break
      }
      this.#now = ev.t
      events++
      this.#handle(ev)
      if (this.#stopOnViolation && this.#checker.safetyViolated) break
    }
    if (timedOut && spec.checkLiveness && !this.#checker.safetyViolated) {
      const stuck = this.nodes
        .filter((n) => n.honest && !(n.commits.length >= spec.targetHeight && n.committedAfterGst))
        .map((n) => `node ${n.id} at height ${n.core?.height ?? 'down'} round ${n.core?.round ?? '-'}`)
      this.#checker.stalled(this.#now, stuck)
    }
    const honest = this.nodes.filter((n) => n.honest)
    return {
      seed: spec.seed,
      family: spec.family,
      variant: spec.variant,
      violations: this.#checker.violations,
      faults: [...this.#faults],
      heights: Math.min(...honest.map((n) => n.commits.length)),
      commits: this.nodes.map((n) => n.commits.length),
      maxRound: Math.max(0, ...honest.flatMap((n) => n.commits.map((c) => c.certificate.round))),
      events,
      virtualMs: this.#now,
      trace: this.#trace ?? [],
    }
  }

  #boot(node: SimNode): void {
    const last = node.commits.at(-1)
    const tip = last === undefined ? genesisTip(this.#genesis) : tipAfter(last)
    // The 'amnesia' variant restarts without the persisted round marks and lock (a driver bug).
    const records = this.#spec.variant === 'amnesia' && node.honest ? [] : node.records
    node.core = createCore(this.#config(node), tip, records)
    this.#step(node, { kind: 'start' })
    this.#step(node, { kind: 'gossip' })
    this.#queue.push({
      t: this.#now + this.rng.int(1, GOSSIP_MS),
      kind: 'gossip',
      node: node.id,
      inc: node.inc,
    })
  }

  #handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver':
        this.#deliver(ev.from, ev.to, ev.payload)
        return
      case 'timer': {
        const node = this.nodes[ev.node]
        if (node.core !== null && node.inc === ev.inc) this.#step(node, { kind: 'timeout', timer: ev.timer })
        return
      }
      case 'gossip': {
        const node = this.nodes[ev.node]
        if (node.core === null || node.inc !== ev.inc) return
        this.#step(node, { kind: 'gossip' })
        this.#queue.push({
          t: this.#now + GOSSIP_MS + this.rng.int(0, 100),
          kind: 'gossip',
          node: node.id,
          inc: node.inc,
        })
        return
      }
      case 'fetchCheck': {
        const node = this.nodes[ev.node]
        if (node.inc === ev.inc) node.fetchScheduled = false
        if (node.core !== null && node.inc === ev.inc && node.core.height < ev.height) {
          this.#transmit(node.id, ev.peer, { kind: 'fetchReq', height: node.core.height })
        }
        return
      }
      case 'crash': {
        const node = this.nodes[ev.node]
        if (node.core === null) return
        this.#log(`n${node.id} CRASH at h${node.core.height} r${node.core.round}`)
        node.core = null
        node.inc++
        return
      }
      case 'restart': {
        const node = this.nodes[ev.node]
        if (node.core !== null) return
        node.inc++
        node.fetchScheduled = false
        node.app = new SimApp(`n${node.id}`, this.#membership)
        for (const c of node.commits) node.app.apply(c)
        this.fault('crash-restart')
        this.#log(`n${node.id} RESTART from ${node.commits.length} commits, ${node.records.length} records`)
        this.#boot(node)
        return
      }
      case 'gst': {
        this.#log('GST: partitions healed, no more loss')
        const live = this.nodes.filter((n) => n.honest && n.core !== null)
        this.#checker.onGst(
          this.#now,
          live.map((n) => ({ height: n.core!.height, round: n.core!.round })),
        )
        for (const n of this.nodes) if (n.core !== null) this.#step(n, { kind: 'gossip' })
      }
    }
  }

  #step(node: SimNode, input: Input, from = -1): void {
    const core = node.core
    if (core === null) return
    const out = step(core, input)
    if (node.spec.forgetLock || (node.honest && this.#spec.variant === 'forget-lock')) {
      core.lockedRound = -1
      core.lockedValue = null
    }
    // The driver's contract: persist, then commit (apply), then send.
    node.records.push(...out.persist)
    for (const c of out.commit) this.#commit(node, c)
    for (const t of out.timers) {
      this.#queue.push({ t: this.#now + t.durationMs, kind: 'timer', node: node.id, inc: node.inc, timer: t })
    }
    for (const bytes of out.send) {
      if (node.honest) this.broadcast(node.id, bytes)
      else byzantineSend(this, node, bytes)
    }
    if (out.behind > core.height && from >= 0 && !node.fetchScheduled) {
      node.fetchScheduled = true
      const t = this.#now + FETCH_DELAY_MS
      this.#queue.push({
        t,
        kind: 'fetchCheck',
        node: node.id,
        inc: node.inc,
        peer: from,
        height: out.behind,
      })
    }
  }

  #commit(node: SimNode, c: CommitRecord): void {
    node.commits.push(c)
    node.app.apply(c)
    node.records = node.records.filter((r) => r.height > c.height)
    if (!equalHash(c.validators.hash, c.nextValidators.hash)) this.fault('membership')
    this.#log(
      `n${node.id} COMMIT h${c.height} r${c.certificate.round} ${Buffer.from(c.blockHash).toString('hex').slice(0, 8)}`,
    )
    if (!node.honest) return
    this.#checker.onCommit(node.id, c, this.#now)
    if (this.#now >= this.#spec.gst) node.committedAfterGst = true
    const target = this.#spec.targetHeight
    if (this.#spec.checkLiveness && this.#now >= this.#spec.gst) {
      this.#done = this.nodes.every((n) => !n.honest || (n.commits.length >= target && n.committedAfterGst))
    }
  }

  broadcast(from: number, bytes: Uint8Array): void {
    for (const n of this.nodes) if (n.id !== from) this.sendTo(from, n.id, bytes)
  }

  sendTo(from: number, to: number, bytes: Uint8Array): void {
    this.#transmit(from, to, { kind: 'msg', bytes })
  }

  #transmit(from: number, to: number, payload: Payload): void {
    const t = this.#network.arrival(this.#now, from, to, payload)
    if (t === null) return
    this.#queue.push({ t, kind: 'deliver', from, to, payload })
    if (this.#trace !== null && payload.kind === 'msg')
      this.#log(`n${from} -> n${to} @${t} ${summarise(payload.bytes)}`)
  }

  #deliver(from: number, to: number, payload: Payload): void {
    const node = this.nodes[to]
    if (node.core === null) return
    if (payload.kind === 'msg') {
      this.#step(node, { kind: 'message', bytes: payload.bytes }, from)
      return
    }
    if (payload.kind === 'fetchReq') {
      if (node.spec.byzantine.includes('silent')) return
      const commits = node.commits.slice(payload.height - 1, payload.height - 1 + FETCH_BATCH)
      if (commits.length > 0) this.#transmit(to, from, { kind: 'fetchResp', commits })
      return
    }
    for (const c of payload.commits) {
      if (node.core === null || c.height !== node.core.height) continue
      this.#log(`n${to} catch-up h${c.height} from n${from}`)
      this.#step(node, { kind: 'committed', block: c.blockBytes, certificate: c.certificateBytes })
    }
  }
}

function equalHash(a: Hash, b: Hash): boolean {
  return compareBytes(a, b) === 0
}
