/**
 * Node-to-node messages, 1 KB payloads, between two node processes: the sender is an
 * XLatticeNode in this process (its own identity, LevelDB store, libp2p host), the receiver
 * an `xlattice start` child. Each of WINDOW workers sends and waits for the receiver's
 * cumulative ack (persisted, synced, at the receiver) before sending again; messages/s and
 * send-to-ack latency over 10 s of steady state after warm-up.
 *
 * Baseline in the same run: a raw libp2p stream from the same host to a sink process with
 * the same host configuration, carrying frames of the same size with the same window and
 * the same cumulative acks, and nothing else (no signature, no disk, no sequence checks).
 *
 * Two modes, each beside the same baseline: encrypted (the default, seed row 0.0.7: SEALED to
 * the receiver's certified key when queued, then a session stream whose frames are sealed
 * again under Noise keys) and PLAINTEXT_SIGNED (0.0.5: one Ed25519 sign and verify per message,
 * still inside the session stream).
 *
 * `node --import tsx bench/messaging.bench.ts --sink` runs the baseline sink alone.
 */
import '../lib/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { XLatticeNode } from '../gateway/index.js'
import { FrameWriter, readFrames } from '../gateway/messaging/framing.js'
import { createHost } from '../gateway/p2p/host.js'
import { type Started, spawnReady } from '../lib/child.js'
import { withMallocEnv } from '../lib/malloc-env.js'
import { ed25519Generate, randomBytes, Signer, verifySignature } from '../lib/crypto.js'
import { setLogLevel } from '../lib/log.js'
import { LevelStore } from '../lib/store/index.js'
import { closedLoop, type LoadResult, report } from './lib.js'

const SINK_PROTOCOL = '/xlattice/bench-sink/1.0.0'
const WARMUP = Number(process.env.BENCH_WARMUP_SEC ?? 3)
const SECONDS = Number(process.env.BENCH_WINDOW_SEC ?? 10)
const WINDOWS = (process.env.BENCH_WINDOWS ?? '1,32,128').split(',').map(Number)
const PAYLOAD = 1024
const BIN = resolve('dist/bin/xlattice.js')
/** Extra node flags for the receiver process, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
/** Which message modes to measure (the baseline always runs): encrypted, plaintext. */
const MODES = (process.env.BENCH_MODES ?? 'encrypted,plaintext').split(',')

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

/** The baseline's receiving end: counts frames, answers each burst with a cumulative count. */
async function sink(): Promise<void> {
  const host = await createHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
  })
  await host.handle(SINK_PROTOCOL, async (stream: Stream) => {
    const writer = new FrameWriter(stream)
    let count = 0n
    let scheduled = false
    for await (const _ of readFrames(stream)) {
      count++
      if (scheduled) continue
      scheduled = true
      setImmediate(() => {
        scheduled = false
        writer.write([u64(count)]).catch(() => {})
      })
    }
  })
  process.stdout.write(
    `${JSON.stringify({ ready: true, admin: '', peerId: host.peerId.toString(), listen: host.getMultiaddrs().map(String) })}\n`,
  )
  process.on('SIGTERM', () => {
    Promise.resolve(host.stop()).then(() => process.exit(0))
  })
}

/** The baseline's sending end: frames numbered in send order, resolved by cumulative count. */
async function rawStream(node: XLatticeNode, addr: string, frame: Uint8Array) {
  const stream = await node.host.dialProtocol(multiaddr(addr), SINK_PROTOCOL)
  const writer = new FrameWriter(stream)
  const waiters = new Map<bigint, () => void>()
  let sent = 0n
  let acked = 0n
  void (async () => {
    for await (const f of readFrames(stream)) {
      const n = new DataView(f.buffer, f.byteOffset, 8).getBigUint64(0)
      for (let i = acked + 1n; i <= n; i++) {
        waiters.get(i)?.()
        waiters.delete(i)
      }
      acked = n
    }
  })()
  return {
    send: async () => {
      const n = ++sent
      const done = new Promise<void>((r) => waiters.set(n, r))
      await writer.write([frame])
      await done
    },
    close: () => stream.close(),
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** What the machine gives right now: the floor under any messaging latency, for the notes. */
async function calibrate(dir: string): Promise<string> {
  const store = await LevelStore.open(join(dir, 'calibrate'))
  const value = new Uint8Array(PAYLOAD + 200)
  let t = performance.now()
  for (let i = 0; i < 200; i++) await store.batch([{ type: 'put', key: `k${i}`, value }], { sync: true })
  const fsyncMs = (performance.now() - t) / 200
  await store.close()
  const signer = new Signer(ed25519Generate())
  t = performance.now()
  let sig: Uint8Array = new Uint8Array()
  for (let i = 0; i < 500; i++) sig = signer.sign('xlattice/msg/v1', value)
  const signUs = ((performance.now() - t) / 500) * 1000
  t = performance.now()
  for (let i = 0; i < 500; i++) verifySignature('xlattice/msg/v1', value, sig, signer.publicKey)
  const verifyUs = ((performance.now() - t) / 500) * 1000
  return `this machine now: synced LevelDB batch ${fsyncMs.toFixed(2)} ms, Ed25519 sign ${signUs.toFixed(0)} us, verify ${verifyUs.toFixed(0)} us, load average ${loadavg()[0].toFixed(2)}`
}

async function main(): Promise<void> {
  setLogLevel('warn')
  const procs: Started[] = []
  const dir = await mkdtemp(join(tmpdir(), 'xl-bench-msg-'))
  const env = withMallocEnv({ ...process.env, XLATTICE_LOG_LEVEL: 'warn' })
  let sender: XLatticeNode | undefined
  try {
    const registry = await spawnReady(
      process.execPath,
      [BIN, 'registry', '--data', join(dir, 'r'), '--admin', '127.0.0.1:0'],
      {
        env,
      },
    )
    procs.push(registry)
    const receiver = await spawnReady(
      process.execPath,
      [
        ...NODE_ARGS,
        BIN,
        'start',
        '--data',
        join(dir, 'b'),
        '--registry',
        registry.info.listen[0],
        '--admin',
        '127.0.0.1:0',
      ],
      { env: { ...env, XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1' } },
    )
    procs.push(receiver)
    const baselineSink = await spawnReady(
      process.execPath,
      ['--import', 'tsx', resolve('bench/messaging.bench.ts'), '--sink'],
      {
        env,
      },
    )
    procs.push(baselineSink)
    sender = await XLatticeNode.start({
      dataDir: join(dir, 'a'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      registry: registry.info.listen[0],
      heartbeatSec: 10,
      neighbourRefreshSec: 1,
      registerRetryMaxSec: 5,
    })
    let to: string | null = null
    for (let i = 0; i < 300 && (to === null || sender.nodeId === null); i++) {
      await new Promise((r) => setTimeout(r, 100))
      const s = (await (await fetch(`http://${receiver.info.admin}/status`)).json()) as {
        nodeId: string | null
      }
      to = s.nodeId
    }
    if (to === null || sender.nodeId === null) throw new Error('nodes did not register')
    const target = to
    const payload = randomBytes(PAYLOAD)
    // The session and the first sealed epoch are set up before anything is timed.
    for (const plaintext of [false, true])
      await (await sender.messaging.send(target, payload, { plaintext })).acked

    const rows: Record<string, LoadResult> = {}
    const notes: string[] = []
    // CPU per message (sender process, receiver process): what the machine's load cannot blur.
    const cpu: string[] = []
    const measured = async (
      label: string,
      pids: number[],
      run: (done: () => void) => Promise<LoadResult>,
    ) => {
      let ops = 0
      const own0 = process.cpuUsage()
      const others0 = await Promise.all(pids.map(cpuMs))
      const result = await run(() => ops++)
      const own = process.cpuUsage(own0)
      const others = (await Promise.all(pids.map(cpuMs))).map((ms, i) => ms - others0[i])
      const us = (ms: number) => ((ms * 1000) / Math.max(1, ops)).toFixed(0)
      cpu.push(
        `${label}: CPU per message ${us((own.user + own.system) / 1000)} us in the sender process, ` +
          `${others.map(us).join(' + ')} us in the receiving process`,
      )
      return result
    }
    const load = (plaintext: boolean, window: number) =>
      measured(
        `${plaintext ? 'plaintext' : 'encrypted'}, window ${window}`,
        [receiver.child.pid as number],
        (done) =>
          closedLoop(
            Array.from({ length: window }, () => () => async () => {
              const s = await sender!.messaging.send(target, payload, { plaintext })
              await s.acked
              done()
            }),
            WARMUP,
            SECONDS,
          ),
      )
    for (const window of WINDOWS) {
      const encrypted = MODES.includes('encrypted') ? await load(false, window) : undefined
      const plaintext = MODES.includes('plaintext') ? await load(true, window) : undefined
      // What one encrypted message puts on the wire: envelope (NodeIDs, seq, time, kind), the
      // sealed header (NodeID, sequence, enc, tag), framing, and its share of a transport frame.
      const frameBytes = PAYLOAD + 210
      const raw = await rawStream(sender, baselineSink.info.listen[0], new Uint8Array(frameBytes))
      const baseline = await measured(
        `raw stream, window ${window}`,
        [baselineSink.child.pid as number],
        (done) =>
          closedLoop(
            Array.from({ length: window }, () => () => () => raw.send().then(done)),
            WARMUP,
            SECONDS,
          ),
      )
      await raw.close()
      const ratio = (r: LoadResult | undefined) =>
        r === undefined ? '-' : `${(r.opsPerSec / baseline.opsPerSec).toFixed(2)}x`
      if (encrypted !== undefined) rows[`encrypted (sealed + session) 1 KB, window ${window}`] = encrypted
      if (plaintext !== undefined) rows[`plaintext-signed 1 KB, window ${window}`] = plaintext
      rows[`baseline: raw libp2p stream, window ${window}`] = baseline
      notes.push(
        `window ${window}: encrypted ${ratio(encrypted)} the raw stream, plaintext ${ratio(plaintext)} ` +
          `(targets for encrypted: >= 0.7x, >= 10,000 msg/s, p50 <= 1 ms)`,
      )
    }
    const s = sender.messaging.status()
    const machine = await calibrate(dir)
    report('node-to-node messages', rows, [
      'encrypted: SEALED at queue time (HPKE epoch key, ChaCha20-Poly1305) on a /xlattice/session/1.0.0 stream (Noise keys, one AEAD per packed batch); plaintext: Ed25519 sign + verify per message on the same kind of stream',
      `sender: XLatticeNode in the bench process; receiver: \`xlattice start\` child; ${WARMUP} s warm-up, ${SECONDS} s window`,
      'acked = persisted by the receiver (synced LevelDB group commit) and by the sender (before sending, or with few unacked alongside, within its reservation: gateway/messaging/outbox.ts); log level warn',
      `sender totals: ${s.sent} sent, ${s.delivered} acked, ${s.queued} still queued`,
      machine,
      ...notes,
      ...cpu,
    ])
  } finally {
    await sender?.stop()
    await Promise.all(procs.map((p) => p.stop()))
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--sink')) await sink()
else await main()
