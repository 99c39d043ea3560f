/**
 * Node registrations per second at the XLattice server: 10 concurrent clients, each holding
 * one connection and registering distinct fresh keys, 10 s of steady state after warm-up.
 * Baseline in the same run: a plain libp2p request/response round trip with the same clients,
 * concurrency, window and frame sizes.
 *
 * Production configuration, except the per-peer rate limit (default 50/s), raised here because
 * each of the 10 clients registers thousands of nodes through one connection.
 */
import '../lib/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { RegistryClient, REGISTRY_PROTOCOL, registryWire, sealPeerRecord } from '../gateway/index.js'
import { createHost, type Host } from '../gateway/p2p/host.js'
import { RpcStream } from '../gateway/p2p/rpc.js'
import { type Started, spawnReady } from '../lib/child.js'
import { withMallocEnv } from '../lib/malloc-env.js'
import { Signer, x25519Generate } from '../lib/crypto.js'
import { closedLoop, ECHO_PROTOCOL, report } from './lib.js'

const CLIENTS = 10
const WARMUP = Number(process.env.BENCH_WARMUP_SEC ?? 3)
const WINDOW = Number(process.env.BENCH_WINDOW_SEC ?? 10)
const BIN = resolve('dist/bin/xlattice.js')
/** Node flags for the registry process, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)

interface PreparedKey {
  signer: Signer
  commsPublicKey: Uint8Array
  record: Uint8Array
  /** The signed RegisterNode request, encoded, and when it was signed. */
  request: Uint8Array
  signedAt: number
}

/** The registry accepts a request timestamp within ±60 s; older prepared requests are re-signed. */
const MAX_PREPARED_AGE_MS = 45_000

function signRequest(k: Omit<PreparedKey, 'request' | 'signedAt'>): {
  request: Uint8Array
  signedAt: number
} {
  const signedAt = Date.now()
  const request = registryWire.Request.encode(RegistryClient.registerRequest(k, k.record, signedAt))
  return { request, signedAt }
}

/**
 * Fresh keys, each with its peer record and its request signed here, before anything is timed:
 * the clients' own signing is not the registry's work, and on this 2-core machine it would take
 * CPU from the registry (as bench/cluster.bench.ts signs its nick requests up front).
 */
async function prepareKeys(n: number): Promise<PreparedKey[]> {
  const keys: PreparedKey[] = []
  for (let i = 0; i < n; i++) {
    const pk = await generateKeyPair('Ed25519')
    const k = {
      signer: new Signer({ seed: pk.raw.subarray(0, 32), publicKey: pk.publicKey.raw }),
      commsPublicKey: x25519Generate().publicKey,
      record: await sealPeerRecord(pk, ['/ip4/127.0.0.1/tcp/4001']),
    }
    keys.push({ ...k, ...signRequest(k) })
  }
  return keys
}

async function clients(addr: string, protocol: string): Promise<{ hosts: Host[]; streams: RpcStream[] }> {
  const hosts: Host[] = []
  const streams: RpcStream[] = []
  for (let i = 0; i < CLIENTS; i++) {
    const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: [], dht: false })
    hosts.push(host)
    streams.push(new RpcStream(await host.dialProtocol(multiaddr(addr), protocol), 1 << 20))
  }
  return { hosts, streams }
}

const procs: Started[] = []
const dir = await mkdtemp(join(tmpdir(), 'xl-bench-'))
try {
  const registry = await spawnReady(
    process.execPath,
    [...NODE_ARGS, BIN, 'registry', '--data', join(dir, 'r'), '--admin', '127.0.0.1:0'],
    {
      env: withMallocEnv({
        ...process.env,
        XLATTICE_LOG_LEVEL: 'warn',
        XLATTICE_REGISTRY_RATE_LIMIT_REQUESTS_PER_SEC: '1000000',
        XLATTICE_REGISTRY_RATE_LIMIT_BURST: '1000000',
      }),
    },
  )
  procs.push(registry)
  const echo = await spawnReady(process.execPath, ['--import', 'tsx', resolve('bench/echo-server.ts')], {
    env: { ...process.env, ECHO_REPLY_BYTES: '250' },
  })
  procs.push(echo)

  // Enough distinct fresh keys for warm-up + window at up to ~4,500/s.
  const need = Number(process.env.BENCH_KEYS ?? Math.ceil((WARMUP + WINDOW) * 4500))
  process.stdout.write(`preparing ${need} fresh node keys and signed requests… `)
  const preparing = performance.now()
  const keys = await prepareKeys(need)
  const prepareSec = (performance.now() - preparing) / 1000
  console.log(`done in ${prepareSec.toFixed(1)} s`)
  let next = 0
  let resigned = 0

  const reg = await clients(registry.info.listen[0], REGISTRY_PROTOCOL)
  const registration = await closedLoop(
    reg.streams.map((s) => () => async () => {
      const k = keys[next++]
      if (k === undefined) throw new Error('ran out of prepared keys')
      if (Date.now() - k.signedAt > MAX_PREPARED_AGE_MS) {
        Object.assign(k, signRequest(k))
        resigned++
      }
      const res = registryWire.Response.decode(await s.request(k.request))
      if (res.error !== registryWire.ErrorCode.OK) throw new Error(res.errorText)
    }),
    WARMUP,
    WINDOW,
  )

  // Baseline: same clients, concurrency and window; a request of the registration's size.
  const frame = keys[0].request
  const base = await clients(echo.info.listen[0], ECHO_PROTOCOL)
  const baseline = await closedLoop(
    base.streams.map((s) => () => async () => {
      await s.request(frame)
    }),
    WARMUP,
    WINDOW,
  )
  for (const h of [...reg.hosts, ...base.hosts]) await h.stop()

  report(
    'registry registrations',
    {
      'RegisterNode (10 clients, fresh keys)': registration,
      'baseline: libp2p request/response': baseline,
    },
    [
      `${CLIENTS} clients, one connection each, ${WARMUP} s warm-up, ${WINDOW} s window; registrations used ${next} distinct keys`,
      `each request signed by the client before the run (${prepareSec.toFixed(1)} s to prepare; ${resigned} re-signed in the run for being older than ${MAX_PREPARED_AGE_MS / 1000} s)`,
      'production config except registry.rateLimit raised to 1e6/s (default 50/s per peer)',
      `registration throughput is ${((registration.opsPerSec / baseline.opsPerSec) * 100).toFixed(0)}% of the baseline round trip rate; target >= 2,000/s`,
    ],
  )
} finally {
  await Promise.all(procs.map((p) => p.stop()))
  await rm(dir, { recursive: true, force: true })
}
