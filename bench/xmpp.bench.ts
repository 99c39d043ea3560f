/**
 * XMPP end to end (`npm run bench -- xmpp`): a user on server A writes to a user on server B
 * through the lattice, beside two baselines measured in the same run with the same clients,
 * concurrency and window (bench/xmpp-sites.ts starts every path before the first case):
 *   (a) s2s:  two Prosody federated over s2s on loopback, what the lattice replaces;
 *   (b) one:  the same two users on one Prosody;
 *   (c) relay: the floor of this architecture, on the lattice's two Prosody: a bare process
 *             attached to each as a component, the two joined by one TCP socket, nothing stored,
 *             sealed or looked up (bench/xmpp-relay.ts). Not a target: it shows how much of the
 *             lattice's cost over (a) any component-based design pays, and how much is its own;
 *   (d) relayp2p: the same two relays joined by the nodes' libp2p transport (TCP, Noise, Yamux),
 *             so the difference between (c) and (d) is what libp2p itself costs on the hop.
 * Clients are @xmpp/client over TCP with SASL PLAIN and TCP_NODELAY (test/harness xmppClient).
 * Servers and clients speak TLS as in production (BENCH_TLS=on, the default): every domain has a
 * certificate from a CA made for the run, clients use STARTTLS and verify it, and s2s is
 * encrypted with peers authenticated by certificate. The components' XEP-0114 links stay plain,
 * as they are on a server's loopback in production. BENCH_TLS=off: plaintext c2s, dialback s2s
 * in the clear (the bench's configuration before 2026-11-30).
 * Nodes run the production configuration (messages encrypted between nodes; the component's
 * default per-sender limits: messages 3,000/s, burst 6,000, IQs and presence 20/s, burst 60;
 * log level warn). The cluster forms with
 * CLUSTER_FAST's short intervals, then every node restarts with the defaults before the first
 * case (the registry keeps CLUSTER_FAST's neighbour k of 16, moot with four nodes).
 *
 * Cases, each a warm-up then a WINDOW-second window, on each path in turn, in BENCH_CASES' order
 * (the floors (c) and (d) take part in all but senders and registrations):
 *   - latency:    alice -> bob, one message in flight, at most one send per 60 ms (a user
 *                 chatting: every process on the path wakes from idle for each message); on the
 *                 lattice also alice -> carol, both users of node A (no hop between nodes);
 *   - backtoback: alice -> bob, one message in flight, the next sent as the last arrives (the
 *                 same path kept busy: what each hop costs when nothing on it is idle);
 *   - throughput: alice -> bob, INFLIGHT (32) messages in flight, unpaced;
 *   - senders:    SENDERS (64) users -> bob, one in flight each, each at most one per 55 ms:
 *                 what the path carries from many users none of whom exceeds the per-sender limit;
 *   - registrations: WORKERS (64) closed loops, each registering a distinct nick at D by
 *                 XEP-0077 from a fresh anonymous user of lattice A's Prosody (answered once the
 *                 cluster committed it; each user's node makes fresh keys); baseline: the same loop
 *                 with a ping (XEP-0199) to the server, which Prosody answers itself.
 * Before each path's latency and back-to-back case, that path carries PRIME (8) seconds of
 * messages back to back, not measured: V8 compiles a function with its optimizing compiler only
 * after it has run many times, so a node restarted seconds ago runs its message path in its
 * interpreter and baseline tiers, several times slower per step than a node in service
 * (measured: paced p50 through the lattice ~3.1 ms unprimed against ~2.1 primed; a paced
 * warm-up of 60 s, ~1,000 messages, gets there too; 2026-11-30).
 * The notes say whether a node's memory reducer, which drops compiled code with the heap it
 * gives back, ran during a lattice window. BENCH_PRIME_SEC=0 measures nodes as just started.
 * Reported: delivered messages/s, p50/p99 latency (send -> receive in this process), lost
 * (neither delivered nor bounced within 2 s) and bounced messages, CPU per message by process
 * group (the lattice's two attached nodes apart from the two others), and the ratios to
 * baseline (a): latency p50 (target <= 2x), throughput (>= 0.7x).
 *
 * Settings: BENCH_TLS (on, off), BENCH_PROSODY_NAGLE (default, on, off: every server's
 * `network_settings.nagle`; the default is Prosody's, on), BENCH_WINDOW_SEC, BENCH_WARMUP_SEC,
 * BENCH_PRIME_SEC, BENCH_SENDERS, BENCH_INFLIGHT, BENCH_WORKERS, BENCH_CASES
 * (latency,backtoback,throughput,senders,registrations), BENCH_NODE_ARGS (node flags for the two
 * attached nodes, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof').
 */
import '../lib/polyfill.js'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { type Client, client as xmppClientRaw, xml } from '@xmpp/client'
import { randomBytes } from '../lib/crypto.js'
import { toHex } from '../lib/encoding.js'
import { withMallocEnv } from '../lib/malloc-env.js'
import { status } from '../test/helpers/procs.js'
import {
  type CertificateAuthority,
  certificateAuthorityAt,
  makeCertificateAuthority,
  type ProsodyServer,
  setNoDelay,
  xmppClient,
} from '../test/harness/index.js'
import { parse } from '../test/unit/component/stanza-helpers.js'
import { type LoadResult, report } from './lib.js'
import { iqLoad, type MessageOptions, type MessageResult, messageLoad } from './xmpp-load.js'
import { cpuSec, GUESTS, PASSWORD, type Path, prosodyPid, type Sites, startSites } from './xmpp-sites.js'

const WINDOW = Number(process.env.BENCH_WINDOW_SEC ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP_SEC ?? 2)
const PRIME = Number(process.env.BENCH_PRIME_SEC ?? 8)
const SENDERS = Number(process.env.BENCH_SENDERS ?? 64)
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 32)
const WORKERS = Number(process.env.BENCH_WORKERS ?? 64)
const KNOWN_CASES = ['latency', 'backtoback', 'throughput', 'senders', 'registrations']
const CASES = (process.env.BENCH_CASES ?? KNOWN_CASES.join(',')).split(',')
const unknownCases = CASES.filter((c) => !KNOWN_CASES.includes(c))
if (unknownCases.length > 0)
  throw new Error(`BENCH_CASES: unknown case ${unknownCases.join(', ')} (known: ${KNOWN_CASES.join(', ')})`)
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const TLS = process.env.BENCH_TLS ?? 'on'
if (TLS !== 'on' && TLS !== 'off') throw new Error(`BENCH_TLS: ${TLS} (on or off)`)
const NAGLE = process.env.BENCH_PROSODY_NAGLE ?? 'default'
if (!['default', 'on', 'off'].includes(NAGLE))
  throw new Error(`BENCH_PROSODY_NAGLE: ${NAGLE} (default, on or off)`)
const env = withMallocEnv({ ...process.env, XLATTICE_LOG_LEVEL: 'warn' })
const LOSS_MS = 2000

type PathName = 's2s' | 'one' | 'lattice' | 'relay' | 'relayp2p'
/** A case's load; `primed`: each path first carries PRIME seconds of back-to-back messages. */
type CaseOptions = Omit<MessageOptions, 'warmupSec' | 'windowSec'> & { primed?: boolean }
interface Clients {
  alice: Client
  senders: Client[]
  bob: Client
}

const all: Client[] = []
/** The TLS socket under a client once STARTTLS has run (xmpp.js wraps it in a socket of its own). */
function tlsOf(c: Client): TLSSocket | undefined {
  const inner = (c.socket as { socket?: unknown } | null)?.socket
  return inner instanceof TLSSocket ? inner : undefined
}
/**
 * xmpp.js asks the server to acknowledge what it sent (XEP-0198 `<r/>`) only after 250 ms
 * without a send, and keeps every unacknowledged stanza in memory: a client that sends without
 * pause held all it sent in a case (120,000 at one server) and freed them at once after it, so
 * the next case paid the bench's garbage collection (the path measured after (b) showed four
 * times the bench CPU per message of the others, whichever path it was). Ask every 100 ms
 * while anything is unacknowledged, as a client that sends steadily would.
 */
function askForAcks(c: Client): void {
  const timer = setInterval(() => {
    if (c.streamManagement.enabled && c.streamManagement.outbound_q.length > 0)
      c.send(xml('r', { xmlns: 'urn:xmpp:sm:3' })).catch(() => {})
  }, 100)
  timer.unref()
  c.on('offline', () => clearInterval(timer))
}

async function login(server: ProsodyServer, domain: string, username: string): Promise<Client> {
  const c = await xmppClient({ service: server.c2sService, domain, username, password: PASSWORD })
  all.push(c)
  if (TLS === 'on' && tlsOf(c) === undefined) throw new Error(`${username}@${domain} logged in without TLS`)
  askForAcks(c)
  return c
}

// xmpp.js's start() leaves a promise of its 'online' event behind that rejects, unobserved, when
// the connection fails during the stream opening (a reset under many concurrent logins). The
// login itself already failed and was counted; anything else still ends the run.
process.on('unhandledRejection', (err) => {
  if ((err as NodeJS.ErrnoException)?.code === 'ECONNRESET') return
  throw err
})

/** A fresh anonymous user (XEP-0175) on the lattice's server A: a bare JID never seen before. */
async function guest(service: string): Promise<Client> {
  const c = xmppClientRaw({
    service,
    domain: GUESTS,
    // ANONYMOUS takes no credentials (the declared type has PLAIN's shape).
    credentials: (authenticate) => authenticate({ username: '', password: '' }, 'ANONYMOUS'),
  })
  setNoDelay(c)
  c.reconnect.stop()
  c.on('error', () => {})
  try {
    await c.start()
  } catch (err) {
    await c.stop().catch(() => {})
    throw err
  }
  return c
}

const registration = (d: string, nick: string) =>
  `<iq type='set' to='${d}'><query xmlns='jabber:iq:register'><nick>${nick}</nick></query></iq>`

async function register(c: Client, d: string, nick: string): Promise<void> {
  await c.iqCaller.request(parse(registration(d, nick)), 60_000)
}

/** Logs in alice, the senders and bob (online) on a path; on the lattice each registers a nick. */
async function clientsOf(name: PathName, path: Path, sites: Sites): Promise<Clients> {
  const { from, to } = path
  if (name === 'relay' || name === 'relayp2p') {
    const who = name === 'relay' ? 'r' : 'p'
    const [alice, bob] = await Promise.all([
      login(from.server, from.host, `${who}alice`),
      login(to.server, to.host, `${who}bob`),
    ])
    await bob.send(parse('<presence/>'))
    return { alice, senders: [], bob }
  }
  const [alice, bob, ...senders] = await Promise.all([
    login(from.server, from.host, 'alice'),
    login(to.server, to.host, 'bob'),
    ...Array.from({ length: SENDERS }, (_, i) => login(from.server, from.host, `s${i}`)),
  ])
  await bob.send(parse('<presence/>'))
  if (name === 'lattice') {
    const [da, db] = sites.lattice.domains
    await register(bob, db, 'bob')
    await register(alice, da, 'alice')
    await Promise.all(senders.map((c, i) => register(c, da, `s${i}`)))
  }
  return { alice, senders, bob }
}

/** CPU seconds of this process and of each group of processes across `run`. */
async function withCpu<T>(groups: Record<string, number[]>, run: () => Promise<T>) {
  const read = async () => {
    const out: Record<string, number> = {}
    for (const [g, pids] of Object.entries(groups))
      out[g] = (await Promise.all(pids.map(cpuSec))).reduce((a, b) => a + b, 0)
    return out
  }
  const c0 = process.cpuUsage()
  const g0 = await read()
  const result = await run()
  const c1 = process.cpuUsage(c0)
  const g1 = await read()
  const cpu: Record<string, number> = { bench: (c1.user + c1.system) / 1e6 }
  for (const g of Object.keys(groups)) cpu[g] = g1[g] - g0[g]
  return { result, cpu }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-')
/** A ratio: two decimals, three below 0.1 (0.013x is not 0.01x). */
const fx = (x: number) => fmt(x, Math.abs(x) < 0.1 ? 3 : 2)
const rounded = (o: object) => JSON.stringify(o, (_, v) => (typeof v === 'number' ? +v.toFixed(2) : v))

/** Where the parent process made the run's CA (see trustingRun). */
const CA_DIR = 'XLATTICE_BENCH_CA_DIR'

/**
 * Node trusts another CA only if NODE_EXTRA_CA_CERTS names it when the process starts, and
 * xmpp.js's STARTTLS takes no CA of its own: so the bench makes the CA, runs itself again
 * trusting it, and removes it when that run ends. Ctrl-C reaches both (one process group): the
 * run stops its servers, this process waits for it.
 */
async function trustingRun(): Promise<number> {
  const caDir = await mkdtemp(join(tmpdir(), 'xl-bench-ca-'))
  try {
    const ca = await makeCertificateAuthority(caDir)
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath, [CA_DIR]: caDir },
    })
    process.on('SIGINT', () => {})
    process.on('SIGTERM', () => child.kill('SIGTERM'))
    const [code] = await once(child, 'exit')
    return code ?? 1
  } finally {
    await rm(caDir, { recursive: true, force: true })
  }
}

let ca: CertificateAuthority | undefined
if (TLS === 'on') {
  const caDir = process.env[CA_DIR]
  if (caDir === undefined) process.exit(await trustingRun())
  ca = certificateAuthorityAt(caDir)
}

const dir = await mkdtemp(join(tmpdir(), 'xl-bench-xmpp-'))
// The finally below does not run when the process dies of an uncaught error.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const t0 = performance.now()
const load0 = loadavg()[0]
let sites: Sites | undefined
try {
  const nagle = NAGLE === 'default' ? undefined : NAGLE === 'on'
  sites = await startSites({ senders: SENDERS, env, nodeArgs: NODE_ARGS, dataDir: dir, tls: ca, nagle })
  const s = sites
  const setupSec = (performance.now() - t0) / 1000
  const paths = (['s2s', 'one', 'lattice', 'relay', 'relayp2p'] as const).filter((p) => s[p] !== undefined)
  const clients = {} as Record<PathName, Clients>
  for (const p of paths) clients[p] = await clientsOf(p, s[p] as Path, s)
  const carol = await login(s.lattice.from.server, s.lattice.from.host, 'carol')
  await register(carol, s.lattice.domains[0], 'carol')
  await carol.send(parse('<presence/>'))
  const groupsOf = async (p: PathName): Promise<Record<string, number[]>> => {
    const path = s[p] as Path
    const servers = [...new Set([path.from.server, path.to.server])]
    const groups: Record<string, number[]> = { prosody: await Promise.all(servers.map(prosodyPid)) }
    // The two attached nodes (on the path), and the two others (consensus and DHT only), apart.
    if (p === 'lattice') {
      const pids = s.lattice.nodes.map((n) => n.child.pid as number)
      groups.nodes = pids.slice(0, 2)
      groups['other nodes'] = pids.slice(2)
    }
    if (p === 'relay' || p === 'relayp2p') groups.relays = s[p].procs.map((r) => r.child.pid as number)
    return groups
  }
  /**
   * What node A's router dropped, and how often nodes A and B ran their memory reducer (which
   * drops V8's compiled code with the heap it gives back, lib/memory-reducer.ts).
   */
  const latticeCounters = async () => {
    const [st, ...metrics] = await Promise.all([
      status(s.lattice.nodes[0].info.admin),
      ...s.lattice.nodes.slice(0, 2).map(async (n) => (await fetch(`http://${n.info.admin}/metrics`)).text()),
    ])
    const reductions = metrics.reduce(
      (sum, text) => sum + Number(/^xlattice_heap_reductions_total (\d+)/m.exec(text)?.[1] ?? 0),
      0,
    )
    return { dropped: (st.xmpp?.router?.dropped ?? {}) as Record<string, number>, reductions }
  }
  const rows: Record<string, LoadResult> = {}
  const results: Record<string, MessageResult> = {}
  const notes: string[] = []

  const measure = async (
    label: string,
    p: PathName,
    path: { senders: Client[]; receiver: Client; to: string },
    o: CaseOptions,
  ) => {
    // The JIT warm-up: not measured, not counted in the CPU figures.
    if (o.primed && PRIME > 0)
      await messageLoad(path, { ...o, inFlight: 1, minIntervalMs: 0, warmupSec: PRIME, windowSec: 0.5 })
    const before = p === 'lattice' ? await latticeCounters() : undefined
    const r = await withCpu(await groupsOf(p), () =>
      messageLoad(path, { ...o, warmupSec: WARMUP, windowSec: WINDOW }),
    )
    rows[label] = r.result
    results[label] = r.result
    const perMsg = Object.entries(r.cpu)
      .map(([g, sec]) => `${g} ${fmt((sec * 1e6) / Math.max(1, r.result.ops), 0)}`)
      .join(', ')
    let drops = ''
    if (before !== undefined) {
      const after = await latticeCounters()
      const d = Object.fromEntries(
        Object.entries(after.dropped).map(([k, v]) => [k, v - (before.dropped[k] ?? 0)]),
      )
      drops = `; dropped at D_A ${rounded(d)}; heap reductions at nodes A, B ${after.reductions - before.reductions}`
      // The component's per-sender bucket (burst 60 at 20/s) refills before the next case.
      await sleep(3000)
    }
    notes.push(
      `${label}: sent ${r.result.sent}, lost ${r.result.lost}, bounced ${rounded(r.result.bounced)}${drops}; CPU us per delivered message: ${perMsg}`,
    )
  }
  const messageCase = async (name: string, senders: (c: Clients) => Client[], o: CaseOptions) => {
    for (const p of paths) {
      const c = clients[p]
      if (senders(c).length === 0) continue
      await measure(
        `${name}, ${p}`,
        p,
        { senders: senders(c), receiver: c.bob, to: (s[p] as Path).bobAddress },
        o,
      )
    }
  }

  const LAT = 'latency, 1 in flight'
  const B2B = 'latency, 1 in flight, back to back'
  const THR = `throughput, ${INFLIGHT} in flight`
  const MANY = `${SENDERS} senders, 1 in flight each`
  const messageCases: Record<string, () => Promise<void>> = {
    latency: async () => {
      const o = { inFlight: 1, minIntervalMs: 60, lossMs: LOSS_MS, primed: true }
      await messageCase(LAT, (c) => [c.alice], o)
      const c = clients.lattice
      await measure(
        `${LAT}, lattice, both on node A`,
        'lattice',
        { senders: [c.alice], receiver: carol, to: `carol@${s.lattice.domains[0]}` },
        o,
      )
    },
    backtoback: () =>
      messageCase(B2B, (c) => [c.alice], { inFlight: 1, minIntervalMs: 0, lossMs: LOSS_MS, primed: true }),
    throughput: () =>
      messageCase(THR, (c) => [c.alice], { inFlight: INFLIGHT, minIntervalMs: 0, lossMs: LOSS_MS }),
    senders: () => messageCase(MANY, (c) => c.senders, { inFlight: 1, minIntervalMs: 55, lossMs: LOSS_MS }),
  }
  // In the order BENCH_CASES gives them (registrations always last).
  for (const name of CASES) await messageCases[name]?.()

  let registrations: string[] | undefined
  if (CASES.includes('registrations')) {
    const a = s.lattice.from.server
    const [da] = s.lattice.domains
    const tag = toHex(randomBytes(3))
    const groups = await groupsOf('lattice')
    const o = { workers: WORKERS, warmupSec: 3, windowSec: WINDOW }
    const ping = `<iq type='get' to='${GUESTS}'><ping xmlns='urn:xmpp:ping'/></iq>`
    const base = await withCpu(groups, () =>
      iqLoad(
        () => guest(a.c2sService),
        () => ping,
        o,
      ),
    )
    const regs = await withCpu(groups, () =>
      iqLoad(
        () => guest(a.c2sService),
        (k) => registration(da, `r${tag}-${k}`),
        o,
      ),
    )
    rows[`registrations (XEP-0077 at D), ${WORKERS} workers`] = regs.result
    rows[`baseline: ping to the server, ${WORKERS} workers`] = base.result
    const nicks = (await status(s.lattice.nodes[0].info.admin)).cluster?.replica?.nicks
    const perSec = `${fmt(regs.result.opsPerSec, 0)}/s`
    registrations = [
      'registrations/s end to end',
      perSec,
      `${fx(regs.result.opsPerSec / base.result.opsPerSec)}x ping loop`,
      '',
      '',
      '',
    ]
    notes.push(
      `registrations: ${fmt(regs.result.opsPerSec, 0)}/s, ${fx(regs.result.opsPerSec / base.result.opsPerSec)}x the ping loop; ` +
        `refused ${rounded(regs.result.refused)}, errors ${regs.result.errors}; login p50 ${fmt(regs.result.loginP50Ms)} ms ` +
        `(ping loop ${fmt(base.result.loginP50Ms)} ms); CPU s (warm-up + window): ${rounded(regs.cpu)}, ping loop ${rounded(base.cpu)}; ` +
        `nicks in the registry after: ${nicks}`,
    )
  }

  // Ratios of the lattice to baseline (a), with the targets, and to baseline (b); the floor (c)
  // to (a): what any design with a component process on each server pays at the least.
  const ratio = (label: string, f: (r: MessageResult) => number, ref: PathName, of: PathName = 'lattice') => {
    const l = results[`${label}, ${of}`]
    const b = results[`${label}, ${ref}`]
    return l && b ? f(l) / f(b) : Number.NaN
  }
  const p50 = (r: MessageResult) => r.p50Ms
  const rate = (r: MessageResult) => r.opsPerSec
  const lp = ratio(LAT, p50, 's2s')
  const bp = ratio(B2B, p50, 's2s')
  const tp = ratio(THR, rate, 's2s')
  /** Whether a target is met; a case not run (BENCH_CASES) has no verdict. */
  const verdict = (ratio: number, ok: boolean) =>
    Number.isNaN(ratio) ? 'not measured' : ok ? 'met' : 'NOT met'
  const [lv, bv, tv] = [verdict(lp, lp <= 2), verdict(bp, bp <= 2), verdict(tp, tp >= 0.7)]
  const row = (label: string, f: (r: MessageResult) => number, target = '') => [
    label,
    `${fx(ratio(label, f, 's2s'))}x`,
    `${fx(ratio(label, f, 'one'))}x`,
    `${fx(ratio(label, f, 's2s', 'relay'))}x`,
    `${fx(ratio(label, f, 's2s', 'relayp2p'))}x`,
    target,
  ]
  const table = [
    [
      'lattice / baseline',
      'vs s2s (a)',
      'vs one server (b)',
      'floor (c) vs a',
      'libp2p floor (d) vs a',
      'target (vs a)',
    ],
    row(LAT, p50, `<= 2x: ${lv}`),
    row(B2B, p50, `<= 2x: ${bv}`),
    row(THR, rate, `>= 0.7x: ${tv}`),
    row(MANY, rate),
  ]
  if (registrations) table.push(registrations)
  console.log('')
  for (const r of table)
    console.log(
      `${r[0].padEnd(44)} ${r[1].padStart(11)} ${r[2].padStart(18)} ${r[3].padStart(15)} ${r[4].padStart(22)}   ${r[5]}`,
    )
  const tls = all[0] && tlsOf(all[0])
  notes.push(
    TLS === 'on'
      ? `TLS on: c2s STARTTLS (${tls?.getProtocol()} ${tls?.getCipher().name}), s2s TLS with certificate authentication`
      : 'TLS off: c2s in the clear, s2s dialback in the clear',
    `Prosody's Nagle: ${NAGLE === 'default' ? "Prosody's default (on)" : NAGLE} on every server`,
    `lattice/s2s: latency p50 ${fx(lp)}x paced (target <= 2x ${lv}), ${fx(bp)}x back to back ` +
      `(${bv}), throughput at ${INFLIGHT} in flight ` +
      `${fx(tp)}x (target >= 0.7x ${tv}), ${SENDERS} senders ${fx(ratio(MANY, rate, 's2s'))}x; ` +
      `floor (c)/s2s: ${fx(ratio(LAT, p50, 's2s', 'relay'))}x paced, ${fx(ratio(B2B, p50, 's2s', 'relay'))}x back to back, ` +
      `${fx(ratio(THR, rate, 's2s', 'relay'))}x at ${INFLIGHT} in flight; ` +
      `libp2p floor (d)/s2s: ${fx(ratio(LAT, p50, 's2s', 'relayp2p'))}x paced, ${fx(ratio(B2B, p50, 's2s', 'relayp2p'))}x back to back, ` +
      `${fx(ratio(THR, rate, 's2s', 'relayp2p'))}x at ${INFLIGHT} in flight`,
    s.s2sSkipped === undefined
      ? `s2s between ${s.s2s?.from.server.s2sAddress} and ${s.s2s?.to.server.s2sAddress} port 5269`
      : `baseline (a) SKIPPED: ${s.s2sSkipped}`,
    `${PRIME} s of back-to-back messages on each path before a 1-in-flight case (JIT warm-up), then ${WARMUP} s warm-up (3 s for registrations), ${WINDOW} s windows; set-up ${fmt(setupSec, 1)} s; total ${fmt((performance.now() - t0) / 1000, 0)} s`,
    `load average ${fmt(load0)} at the start, ${fmt(loadavg()[0])} at the end (${cpus().length} cores, shared with other jobs)`,
  )
  report('xmpp end to end', rows, notes)
} finally {
  await Promise.all(all.map((c) => c.stop().catch(() => {})))
  await sites?.stop()
  await rm(dir, { recursive: true, force: true })
}
