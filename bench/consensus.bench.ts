/**
 * Consensus: four `xlattice validator` processes on loopback (production config: synced writes,
 * libp2p with Noise and Yamux), the key-value application, operations that are opaque 200-byte
 * payloads (no application signatures in this figure).
 *
 * - commit latency at low load: one client, one operation at a time, each submitted to the
 *   next validator in turn and timed until that validator answers "committed at height h";
 * - throughput at saturation: concurrent clients submitting batches of operations (blocks carry
 *   up to 4,096 operations), counted as operations acknowledged as committed per second;
 * - baseline in the same run: a libp2p request/response round trip (200-byte request) between
 *   this process and a peer with the same host configuration.
 */
import '../lib/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createHost } from '../gateway/p2p/host.js'
import { RpcStream } from '../gateway/p2p/rpc.js'
import { type Started, spawnReady } from '../lib/child.js'
import { withMallocEnv } from '../lib/malloc-env.js'
import { randomBytes } from '../lib/crypto.js'
import { toHex } from '../lib/encoding.js'
import { Cluster, call } from '../test/integration/consensus-cluster.js'
import { closedLoop, ECHO_PROTOCOL, report } from './lib.js'

const WARMUP = Number(process.env.BENCH_WARMUP_SEC ?? 3)
const WINDOW = Number(process.env.BENCH_WINDOW_SEC ?? 10)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 24)
const BATCH = Number(process.env.BENCH_BATCH ?? 500)
/** Node flags for the validators, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
const BIN = resolve('dist/bin/xlattice.js')

/** An opaque 200-byte operation (type byte 0: a log entry for the key-value application). */
function op(): Uint8Array {
  const b = randomBytes(200)
  b[0] = 0
  return b
}

/** Operations and blocks this validator has committed so far (its Prometheus counters). */
async function committed(admin: string): Promise<{ ops: number; blocks: number }> {
  const text = (await call(admin, 'GET', '/metrics', undefined, 'text/plain')).body as string
  const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  return { ops: counter('xlattice_bft_committed_ops_total'), blocks: counter('xlattice_bft_commits_total') }
}

const procs: Started[] = []
const dir = await mkdtemp(join(tmpdir(), 'xl-bench-bft-'))
try {
  const env = withMallocEnv({ ...process.env, XLATTICE_LOG_LEVEL: 'warn' })
  const spawn = async (args: string[]) => {
    const p = await spawnReady(process.execPath, [...NODE_ARGS, BIN, ...args], { env })
    procs.push(p)
    return p
  }
  const cluster = await Cluster.create(dir, 4, spawn)
  const admins = cluster.members.map((_, i) => cluster.admin(i))
  const echo = await spawnReady(process.execPath, ['--import', 'tsx', resolve('bench/echo-server.ts')], {
    env: { ...process.env, ECHO_REPLY_BYTES: '64' },
  })
  procs.push(echo)
  // Let the validators connect and commit a first block.
  for (let t = 0; t < 100; t++) {
    if (((await cluster.status(0)).lastCommit?.height ?? 0) >= 1) break
    await new Promise((r) => setTimeout(r, 100))
  }

  let n = 0
  const lowLoad = await closedLoop(
    [
      () => async () => {
        const r = await call(admins[n++ % 4], 'POST', '/consensus/submit', op(), 'application/octet-stream')
        if (r.status !== 200) throw new Error(`submit: ${r.status}`)
      },
    ],
    WARMUP,
    WINDOW,
  )

  const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: [], dht: false })
  const rpc = new RpcStream(await host.dialProtocol(multiaddr(echo.info.listen[0]), ECHO_PROTOCOL), 1 << 20)
  const request = randomBytes(200)
  const baseline = await closedLoop([() => () => rpc.request(request).then(() => {})], WARMUP, WINDOW)
  await host.stop()

  // Saturation: batches of opaque operations from concurrent clients, spread over the validators.
  let c0 = { ops: 0, blocks: 0 }
  let c1 = { ops: 0, blocks: 0 }
  const t0 = setTimeout(async () => {
    c0 = await committed(admins[0])
  }, WARMUP * 1000)
  const t1 = setTimeout(
    async () => {
      c1 = await committed(admins[0])
    },
    (WARMUP + WINDOW) * 1000,
  )
  const saturated = await closedLoop(
    Array.from({ length: CLIENTS }, (_, i) => () => {
      let k = i
      return async () => {
        const body = JSON.stringify({ opsHex: Array.from({ length: BATCH }, () => toHex(op())) })
        const r = await call(admins[k++ % 4], 'POST', '/consensus/submit', body)
        if (r.status !== 200) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`)
      }
    }),
    WARMUP,
    WINDOW,
  )
  clearTimeout(t0)
  clearTimeout(t1)
  const opsPerSec = { ...saturated, ops: saturated.ops * BATCH, opsPerSec: saturated.opsPerSec * BATCH }
  const chainRate = c1.ops > c0.ops ? (c1.ops - c0.ops) / WINDOW : Number.NaN
  const blocks = c1.blocks - c0.blocks
  const s = await cluster.status(0)
  report(
    'consensus commits',
    {
      'commit latency, 1 op at a time (low load)': lowLoad,
      [`saturation: ${CLIENTS} clients x ${BATCH}-op batches (ops)`]: opsPerSec,
      'baseline: libp2p request/response': baseline,
    },
    [
      `4 validator processes on loopback, ${WARMUP} s warm-up, ${WINDOW} s window; 200-byte opaque operations`,
      `low load: p50 ${lowLoad.p50Ms.toFixed(2)} ms vs libp2p round trip p50 ${baseline.p50Ms.toFixed(3)} ms (${(lowLoad.p50Ms / baseline.p50Ms).toFixed(1)}x); target p50 <= 5 ms`,
      `saturation: ${opsPerSec.opsPerSec.toFixed(0)} ops/s acknowledged (latency columns are per batch); ` +
        `chain counter: ${chainRate.toFixed(0)} committed ops/s in ${blocks} blocks ` +
        `(${(blocks / WINDOW).toFixed(1)} heights/s, ${((c1.ops - c0.ops) / Math.max(1, blocks)).toFixed(0)} ops/block); target >= 10,000 ops/s`,
      `validator 0 at height ${s.height}; dropped ${JSON.stringify(s.dropped)}`,
    ],
  )
} finally {
  await Promise.all(procs.map((p) => p.stop()))
  await rm(dir, { recursive: true, force: true })
}
