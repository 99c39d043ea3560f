/**
 * The replicated cluster registry under load (issue 5, "Benchmark"): an `xlattice registry` and
 * four `xlattice start` processes on loopback form a cluster (production configuration apart
 * from test/helpers/cluster.ts CLUSTER_FAST: short heartbeat, neighbour, ping and formation
 * intervals, so formation takes seconds; log level warn; glibc malloc settings of
 * lib/malloc-env.ts, as the documented systemd unit and `xlattice demo` start nodes). The bench process holds distinct fresh user keys (Ed25519 + X25519) and signs
 * every request before anything is timed (ops.ts signNickRequest); CLIENTS closed loops each
 * keep one `POST /nicks` batch of BATCH requests in flight, batch after batch to the next member
 * in turn, for a warm-up and a window. The baseline runs first, then the registry. Reported:
 *   - registrations/s committed and accepted, p50/p99 request->commit per batch (a batch is
 *     answered once its last registration has committed: an upper bound for each of them);
 *   - CPU seconds per committed registration, summed over the four member processes
 *     (/proc/<pid>/stat utime + stime across the window; the chain's nick count for the divisor);
 *   - RSS per nick: a member's RSS after FILL nicks (default 100,000; the window's and then the
 *     rest, untimed) minus its RSS before the first, over the nicks it holds; and the slope
 *     between FILL / 2 and FILL nicks, both read 3 s after the last commit, which leaves out
 *     what the load grows once (V8's young generation, its old generation's limit under load);
 *     then again at rest, REST_SEC later, once the members have been quiet long enough to give
 *     back the heap the load grew (lib/memory-reducer.ts); and member 3's after a restart with
 *     every nick, once it has caught up (against its RSS before the first registration).
 *
 * Baseline in the same run, with the same client code, CLIENTS, BATCH, warm-up and window:
 * four `xlattice validator` processes (bench/consensus.bench.ts's set-up) committing opaque
 * operations of the same sizes as the registrations, which their key-value application only
 * logs. Same consensus driver, store (synced LevelDB), transport (libp2p TCP + Noise + Yamux),
 * timeouts (propose 1 s) and block limits; what it lacks is exactly the registry's work:
 * envelope and user signature checks, state, Merkle root, receipts. It is the rate this machine
 * gives a four-process cluster for operations of that size; the registry's figure beside it
 * shows what the application costs.
 *
 * BENCH_NODE_ARGS passes node flags to the member processes, e.g.
 * `BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- cluster`.
 */
import '../lib/polyfill.js'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { signNickRequest } from '../gateway/cluster/ops.js'
import { type Started, spawnReady } from '../lib/child.js'
import { withMallocEnv } from '../lib/malloc-env.js'
import { ed25519Generate, randomBytes, Signer, x25519Generate } from '../lib/crypto.js'
import { fromHex, toB64u, toHex } from '../lib/encoding.js'
import { CLUSTER_FAST as FAST } from '../test/helpers/cluster.js'
import { Cluster, call } from '../test/integration/consensus-cluster.js'
import { closedLoop, type LoadResult, report } from './lib.js'

const WARMUP = Number(process.env.BENCH_WARMUP_SEC ?? 5)
const WINDOW = Number(process.env.BENCH_WINDOW_SEC ?? 15)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16)
const BATCH = Number(process.env.BENCH_BATCH ?? 100)
const FILL = Number(process.env.BENCH_NICKS ?? 100_000)
/** Seconds after the 3 s reading before RSS is read again "at rest" (the members quiet). */
const REST_SEC = Number(process.env.BENCH_REST_SEC ?? 20)
/** Which cases to run: registry, baseline. */
const CASES = (process.env.BENCH_CASES ?? 'registry,baseline').split(',')
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const BIN = resolve('dist/bin/xlattice.js')
const env = withMallocEnv({ ...process.env, XLATTICE_LOG_LEVEL: 'warn' })

/** CPU time (user + system) of a process so far, in seconds (clock ticks of 10 ms). */
async function cpuSec(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function rssBytes(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? Number.NaN) * 1024
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}`)
}

interface UserKeys {
  nick: string
  user: Signer
  agreementKey: Uint8Array
}

/** Distinct fresh user keys, one per nick. */
function freshUsers(n: number): UserKeys[] {
  const tag = toHex(randomBytes(3))
  return Array.from({ length: n }, (_, i) => ({
    nick: `u${tag}-${i}`,
    user: new Signer(ed25519Generate()),
    agreementKey: x25519Generate().publicKey,
  }))
}

/**
 * One admin request. A kept-alive socket that the server closed meanwhile (its keep-alive
 * timeout is 5 s) fails at once with ECONNRESET, the request never having reached it: retried,
 * a few times since the next pooled socket may be as stale.
 */
async function request(
  admin: string,
  method: string,
  path: string,
  body?: string,
  type?: string,
): Promise<{ status: number; body: any }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(admin, method, path, body, type)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' || attempt >= 5) throw err
    }
  }
}
const post = (admin: string, path: string, body: string) => request(admin, 'POST', path, body)
const get = (admin: string, path: string, type?: string) => request(admin, 'GET', path, undefined, type)

/** A counter of a process's Prometheus metrics (0 when absent). */
async function counter(admin: string, name: string): Promise<number> {
  const text = (await get(admin, '/metrics', 'text/plain')).body as string
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
}

/**
 * Closed loops of batches, worker i starting at member i % 4 and moving to the next member
 * after each batch; `take(member)` hands out the next request bodies for that member.
 */
function batches(
  admins: string[],
  path: string,
  body: (items: string[]) => string,
  take: (member: number) => string[],
  check: (response: any, sent: number) => void = () => {},
) {
  return Array.from({ length: CLIENTS }, (_, i) => () => {
    let k = i
    return async () => {
      const member = k++ % admins.length
      const items = take(member)
      if (items.length === 0) throw new Error('out of pre-signed requests')
      const r = await post(admins[member], path, body(items))
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
      check(r.body, items.length)
    }
  })
}

/** Runs `load` with CPU read at the window's edges; `counter` gives committed operations so far. */
async function windowed(pids: number[], counter: () => Promise<number>, load: () => Promise<LoadResult>) {
  const at: { cpu: number[]; count: number }[] = []
  const mark = () => {
    // CPU first, at the edge; the count is read right after (an HTTP round trip).
    Promise.all(pids.map(cpuSec))
      .then(async (cpu) => at.push({ cpu, count: await counter() }))
      .catch((err) => {
        console.error(`reading the window's edge failed: ${err.message}`)
        process.exit(1)
      })
  }
  const t0 = setTimeout(mark, WARMUP * 1000)
  const t1 = setTimeout(mark, (WARMUP + WINDOW) * 1000)
  const result = await load()
  clearTimeout(t0)
  clearTimeout(t1)
  while (at.length < 2) await sleep(50)
  const committed = at[1].count - at[0].count
  const cpu = at[1].cpu.map((c, i) => c - at[0].cpu[i])
  return {
    // Rate from the chain (operations committed between the window's edges): batches take
    // seconds, and closedLoop counts only those wholly inside the window. Latencies are theirs.
    result: { ...result, ops: committed, opsPerSec: committed / WINDOW },
    acknowledged: result.opsPerSec * BATCH,
    committed,
    cpuSec: sum(cpu),
    cpuPerOpMs: (sum(cpu) * 1000) / Math.max(1, committed),
    perProcess: cpu.map((c) => c.toFixed(1)).join(' + '),
  }
}

const procs: Started[] = []
// Whatever ends this process, the cluster does not outlive it.
process.on('exit', () => {
  for (const p of procs) p.child.kill('SIGKILL')
})
const spawn = async (args: string[], extra: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) => {
  const p = await spawnReady(process.execPath, [...nodeArgs, BIN, ...args], {
    env: { ...env, ...extra },
    timeoutMs: 60_000,
  })
  procs.push(p)
  return p
}
const stopAll = async () => {
  await Promise.all(procs.map((p) => p.stop()))
  procs.length = 0
}

const dir = await mkdtemp(join(tmpdir(), 'xl-bench-cluster-'))
try {
  const load0 = loadavg()[0]
  let t = performance.now()
  const users = freshUsers(FILL)
  const keygenSec = (performance.now() - t) / 1000
  const rows: Record<string, LoadResult> = {}
  const notes: string[] = []

  // Baseline: the validator cluster, opaque operations of the registrations' sizes.
  let baseline: Awaited<ReturnType<typeof windowed>> | undefined
  if (CASES.includes('baseline')) {
    const cluster = await Cluster.create(join(dir, 'v'), 4, (args) => spawn(args))
    const admins = cluster.members.map((_, i) => cluster.admin(i))
    await until('the validators committing', async () =>
      ((await cluster.status(0)).lastCommit?.height ?? 0) >= 1 ? true : undefined,
    )
    // 0x10 envelope: 42 head + (1 + nick + 96 + 4) body + 64 proof + 64 signature. Made as
    // batches are sent (a few microseconds each): the window may need more than FILL of them.
    let next = 0
    const opHex = () => {
      const op = randomBytes(271 + users[next++ % users.length].nick.length)
      op[0] = 0 // a log entry: the key-value application keeps it in its block and does nothing
      return JSON.stringify(toHex(op))
    }
    const metric = () => counter(admins[0], 'xlattice_bft_committed_ops_total')
    baseline = await windowed(
      cluster.members.map((m) => m.proc!.child.pid!),
      metric,
      () =>
        closedLoop(
          batches(
            admins,
            '/consensus/submit',
            (items) => `{"opsHex":[${items.join(',')}]}`,
            () => Array.from({ length: BATCH }, opHex),
          ),
          WARMUP,
          WINDOW,
        ),
    )
    rows[`baseline: KvApp opaque ops, ${CLIENTS} x ${BATCH}-op batches`] = baseline.result
    await stopAll()
  }

  if (CASES.includes('registry')) {
    const registry = await spawn(
      ['registry', '--data', join(dir, 'r'), '--listen', '/ip4/127.0.0.1/tcp/0', '--admin', '127.0.0.1:0'],
      FAST,
    )
    const startNode = (i: number) =>
      spawn(
        [
          'start',
          '--data',
          join(dir, `n${i}`),
          '--registry',
          registry.info.listen[0],
          '--admin',
          '127.0.0.1:0',
        ],
        FAST,
        NODE_ARGS,
      )
    const nodes = await Promise.all([0, 1, 2, 3].map(startNode))
    const admins = nodes.map((n) => n.info.admin)
    const pids = nodes.map((n) => n.child.pid!)
    let last: unknown
    const replicas = await until('a cluster of four with replicas committing', async () => {
      const all = await Promise.all(admins.map(async (a) => (await get(a, '/status')).body))
      last = all.map((s) => ({ ...s.cluster, replica: s.cluster?.replica?.height }))
      const r = all.map((s) => s.cluster?.replica)
      return r.every((x) => (x?.height ?? 0) > 0) ? r : undefined
    }).catch((err) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`)
    })
    const nicks = async (i = 0) => (await get(admins[i], '/status')).body.cluster.replica.nicks as number
    const chainId = fromHex(replicas[0].chainId)
    // Every request is signed here, before anything is timed, for the member it is sent to.
    t = performance.now()
    const queues: string[][] = [[], [], [], []]
    users.forEach((u, i) => {
      const r = signNickRequest({ chainId, home: fromHex(replicas[i % 4].home), ...u })
      queues[i % 4].push(
        JSON.stringify({
          nick: r.nick,
          signingKey: toB64u(r.signingKey),
          agreementKey: toB64u(r.agreementKey),
          seq: r.seq,
          userSignature: toB64u(r.userSignature),
        }),
      )
    })
    const signSec = (performance.now() - t) / 1000
    const heads = [0, 0, 0, 0]
    const take = (m: number) => {
      const from = heads[m]
      heads[m] = Math.min(from + BATCH, queues[m].length)
      return queues[m].slice(from, heads[m])
    }
    const refused = new Map<string, number>()
    const check = (body: { results: { accepted: boolean; reason: string | null }[] }, sent: number) => {
      if (body.results.length !== sent) throw new Error('a result per request')
      for (const r of body.results)
        if (!r.accepted) refused.set(r.reason ?? '?', (refused.get(r.reason ?? '?') ?? 0) + 1)
    }
    const toBody = (items: string[]) => `{"requests":[${items.join(',')}]}`
    await sleep(2000)
    const rssBefore = await Promise.all(pids.map(rssBytes))
    const registry_ = await windowed(pids, nicks, () =>
      closedLoop(batches(admins, '/nicks', toBody, take, check), WARMUP, WINDOW),
    )
    rows[`registrations: ${CLIENTS} x ${BATCH}-request batches`] = registry_.result
    // The fill: the rest of the pre-signed requests, then RSS once every member holds them all.
    t = performance.now()
    const fillFrom = await nicks()
    const fillCpu0 = await Promise.all(pids.map(cpuSec))
    /** Client i's share of the fill until `upTo` requests have been taken in all. */
    const fillLoop = async (i: number, upTo: number) => {
      for (let k = i; sum(heads) < upTo; ) {
        const m = [0, 1, 2, 3].map((d) => (k + d) % 4).find((x) => heads[x] < queues[x].length)
        if (m === undefined) return
        k = m + 1
        const items = take(m)
        const res = await post(admins[m], '/nicks', toBody(items))
        if (res.status === 200) check(res.body, items.length)
        else refused.set(`HTTP ${res.status}`, (refused.get(`HTTP ${res.status}`) ?? 0) + items.length)
      }
    }
    /** Every member holding the same nicks; their RSS 3 s after the last commit. */
    const settled = async () => {
      const held = await until(
        'every member holding every nick',
        async () => {
          const n = await Promise.all(admins.map((_, i) => nicks(i)))
          return n.every((x) => x === n[0]) && n[0] > 0 ? n[0] : undefined
        },
        60_000,
      )
      await sleep(3000)
      return { held, rss: await Promise.all(pids.map(rssBytes)) }
    }
    // Halfway the members settle once, so that RSS can also be read as a slope: what one more
    // nick costs at the same activity, without what the load itself grew (V8's young generation
    // at full size, its old generation at the limit it keeps under load).
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => fillLoop(i, FILL / 2)))
    const fillSec1 = (performance.now() - t) / 1000
    const fillCpu1 = sum(await Promise.all(pids.map(cpuSec))) - sum(fillCpu0)
    const mid = await settled()
    const fillCpu2 = await Promise.all(pids.map(cpuSec))
    const t2 = performance.now()
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => fillLoop(i, FILL)))
    const fillSec = fillSec1 + (performance.now() - t2) / 1000
    const fillCpu = fillCpu1 + sum(await Promise.all(pids.map(cpuSec))) - sum(fillCpu2)
    const { held, rss: rssAfter } = await settled()
    // At rest: once the members have been quiet long enough to give back what the load grew
    // (lib/memory-reducer.ts: two quiet 5 s looks in a row).
    await sleep(REST_SEC * 1000)
    const rssRest = await Promise.all(pids.map(rssBytes))
    const reductions = await Promise.all(admins.map((a) => counter(a, 'xlattice_heap_reductions_total')))
    // Time to look inside the members (e.g. a heap snapshot with BENCH_NODE_ARGS='--heapsnapshot-signal=SIGUSR2').
    const hold = Number(process.env.BENCH_HOLD_SEC ?? 0)
    if (hold > 0) console.error(`holding the cluster for ${hold} s (members ${pids.join(' ')})`)
    await sleep(hold * 1000)
    // Member 3 restarted: what holding the nicks costs a member that has not just carried the
    // load (it reads every entry back from its store, catches up, then idles like the others).
    await nodes[3].stop()
    const again = await startNode(3)
    await until(
      'the restarted member holding every nick',
      async () =>
        (await get(again.info.admin, '/status')).body.cluster?.replica?.nicks === held ? true : undefined,
      120_000,
    )
    await sleep(3000)
    const restarted = ((await rssBytes(again.child.pid!)) - rssBefore[3]) / held
    await sleep(27_000)
    const restartedLater = ((await rssBytes(again.child.pid!)) - rssBefore[3]) / held
    const perNick = rssAfter.map((a, i) => (a - rssBefore[i]) / held)
    const perNickRest = rssRest.map((a, i) => (a - rssBefore[i]) / held)
    const slope = rssAfter.map((a, i) => (a - mid.rss[i]) / (held - mid.held))
    const mib = (r: number[]) => r.map((b) => (b / 2 ** 20).toFixed(0)).join('/')
    const status0 = (await get(admins[0], '/status')).body.cluster.replica
    const r = registry_
    const ratio =
      baseline === undefined
        ? ''
        : ` (${(r.result.opsPerSec / baseline.result.opsPerSec).toFixed(2)}x the baseline)`
    notes.push(
      `rates are from the chains: nicks accepted (registry) and operations committed (baseline, ` +
        `xlattice_bft_committed_ops_total) between the window's edges; batches acknowledged wholly inside the window: ` +
        `registry ${r.acknowledged.toFixed(0)}/s${baseline === undefined ? '' : `, baseline ${baseline.acknowledged.toFixed(0)}/s`}`,
      `registry: ${r.result.opsPerSec.toFixed(0)} registrations/s${ratio}, ${r.cpuPerOpMs.toFixed(3)} ms CPU per committed ` +
        `registration summed over the four members (${r.perProcess} s in the window)` +
        (baseline === undefined
          ? ''
          : `; baseline ${baseline.cpuPerOpMs.toFixed(3)} ms CPU per committed op (${baseline.perProcess} s)`),
      `RSS per nick at ${held} nicks: ${perNick.map((b) => b.toFixed(0)).join(', ')} bytes (members 0-3; RSS ` +
        `${mib(rssBefore)} -> ${mib(rssAfter)} MiB, before the first registration and 3 s after the last commit)`,
      `RSS per nick at rest, ${REST_SEC} s later: ${perNickRest.map((b) => b.toFixed(0)).join(', ')} bytes (RSS ` +
        `${mib(rssRest)} MiB; heap reductions ${reductions.join('/')})`,
      held > mid.held
        ? `RSS per nick from ${mid.held} to ${held} nicks (the slope, both 3 s after the last commit): ` +
            `${slope.map((b) => b.toFixed(0)).join(', ')} bytes (RSS ${mib(mid.rss)} -> ${mib(rssAfter)} MiB)`
        : `no slope: the window registered more than half of the ${FILL} nicks`,
      `RSS per nick of member 3 restarted at ${held} nicks, against its RSS before the first registration: ` +
        `${restarted.toFixed(0)} bytes 3 s after it caught up, ${restartedLater.toFixed(0)} bytes 30 s after`,
      `targets: >= 1,500 registrations/s ${r.result.opsPerSec >= 1500 ? 'met' : 'NOT met'}; ` +
        `<= 1 KiB per nick at rest ${Math.max(...perNickRest) <= 1024 ? 'met' : 'NOT met'} ` +
        `(3 s after the last commit: ${Math.max(...perNick) <= 1024 ? 'met' : 'NOT met'})`,
      `refused: ${refused.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(refused))}; ` +
        `the fill to ${held} nicks took ${fillSec.toFixed(0)} s (${((held - fillFrom) / fillSec).toFixed(0)}/s, untimed, ` +
        `${((fillCpu * 1000) / Math.max(1, held - fillFrom)).toFixed(3)} ms CPU per registration); height ${status0.height}`,
      `outside the timed window: ${FILL} fresh Ed25519 + X25519 key pairs made in ${keygenSec.toFixed(0)} s, requests signed in ${signSec.toFixed(0)} s`,
    )
  }
  notes.push(
    `${CLIENTS} closed-loop clients, one batch of ${BATCH} in flight each, rotating over the 4 members; ${WARMUP} s warm-up, ${WINDOW} s window; latency columns are per batch (request -> last commit)`,
    `load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (2 cores, shared with other jobs)`,
    `processes started with MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX} MALLOC_MMAP_THRESHOLD_=${env.MALLOC_MMAP_THRESHOLD_} (lib/malloc-env.ts)`,
  )
  report('cluster registry registrations', rows, notes)
} catch (err) {
  for (const p of procs)
    process.stderr.write(
      `--- ${p.child.pid} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.stderr().slice(-2000)}`,
    )
  throw err
} finally {
  if (process.env.BENCH_STDERR === '1')
    for (const p of procs) process.stderr.write(`--- ${p.child.pid}\n${p.stderr().slice(-2000)}`)
  await stopAll()
  await rm(dir, { recursive: true, force: true })
}
