/**
 * The five paths of bench/xmpp.bench.ts, all running during the whole bench (the baselines'
 * servers start while the cluster forms) and stopped together:
 *   - one:     one Prosody, alice@one.localhost -> bob@one.localhost (baseline b);
 *   - s2s:     two Prosody federated over s2s at two loopback addresses of their own,
 *              alice@a.s2s.test -> bob@b.s2s.test (baseline a, what the lattice replaces); with
 *              TLS (the default) as on the Internet: encrypted, peers authenticated by their
 *              certificates (SASL EXTERNAL), else dialback in the clear; names resolve
 *              from a hosts file each server's resolver reads, so /etc/hosts is left alone
 *              (test/harness/prosody.ts, options s2s and tls);
 *   - lattice: two Prosody with an `xlattice start` node attached to each (XEP-0114, component
 *              domains lattice.a.localhost and lattice.b.localhost), two more nodes without XMPP
 *              and a registry: alice@a.localhost -> bob@lattice.a.localhost -> bob@b.localhost;
 *   - relay:   baseline (c) on the lattice's two Prosody, the floor of a design with a component
 *              process on each server: two bare relays joined by one TCP socket
 *              (bench/xmpp-relay.ts), ralice@a.localhost -> rbob@relay.a.localhost -> rbob@b.localhost;
 *   - relayp2p: baseline (d), the same two relays joined by the nodes' libp2p transport instead
 *              (TCP, Noise, Yamux; one stream), palice@a.localhost -> pbob@p2p.a.localhost -> pbob@b.localhost.
 * Every senders' server also has `senders` extra accounts s0, s1, ... beside alice; lattice A has
 * carol, a receiver on the senders' own node (the path without a hop between nodes).
 * Prosody A of the lattice serves guests.a.localhost with anonymous login (XEP-0175): fresh
 * bare JIDs, so every registration comes from a user who has never registered.
 */
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { join, resolve } from 'node:path'
import { type Started, spawnReady } from '../lib/child.js'
import { randomBytes } from '../lib/crypto.js'
import { CLUSTER_FAST } from '../test/helpers/cluster.js'
import { eventually, status } from '../test/helpers/procs.js'
import {
  type CertificateAuthority,
  type ProsodyOptions,
  type ProsodyServer,
  S2S_PORT,
  startProsody,
} from '../test/harness/index.js'

export const SECRET = 'bench-component-secret'
export const PASSWORD = 'bench-pw'
export const GUESTS = 'guests.a.localhost'
const BIN = resolve('dist/bin/xlattice.js')

export interface Path {
  /** The senders' server and domain, and the receiver's. */
  from: { server: ProsodyServer; host: string }
  to: { server: ProsodyServer; host: string }
  /** The receiver bob as the senders address him. */
  bobAddress: string
}

export interface Sites {
  one: Path
  /** Absent when two loopback addresses could not be bound (the reason is in s2sSkipped). */
  s2s?: Path
  s2sSkipped?: string
  lattice: Path & { nodes: Started[]; registry: Started; domains: [string, string] }
  /** Baseline (c): two bare relays on the lattice's servers (bench/xmpp-relay.ts). */
  relay: Path & { procs: Started[] }
  /** Baseline (d): the same joined by libp2p. */
  relayp2p: Path & { procs: Started[] }
  servers: ProsodyServer[]
  stop(): Promise<void>
}

/** CPU time (user + system) of a process so far, in seconds (clock ticks of 10 ms). */
export async function cpuSec(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export async function prosodyPid(server: ProsodyServer): Promise<number> {
  return Number((await readFile(join(server.dataDir, 'prosody.pid'), 'utf8')).trim())
}

/** True when this process can listen on address:port (a loopback address nobody uses there). */
function canBind(address: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const s = net.createServer()
    s.once('error', (err) => done(err.message))
    s.listen(port, address, () => s.close(() => done(undefined)))
  })
}

/**
 * Two loopback addresses 127.0.k.2 and 127.0.k.3 with k chosen at random, so benchmarks run by
 * others at the same time do not meet on port 5269; both free on that port.
 */
async function s2sAddresses(): Promise<[string, string] | string> {
  let why = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    const k = 1 + (randomBytes(1)[0] % 254)
    const pair: [string, string] = [`127.0.${k}.2`, `127.0.${k}.3`]
    const failures = (await Promise.all(pair.map((a) => canBind(a, S2S_PORT)))).filter(Boolean)
    if (failures.length === 0) return pair
    why = `${pair.join(' and ')}: ${failures.join('; ')}`
  }
  return why
}

export interface SiteOptions {
  /** Accounts s0..s(n-1) on each senders' server. */
  senders: number
  env: NodeJS.ProcessEnv
  /** Node flags for the attached nodes (e.g. --cpu-prof). */
  nodeArgs: string[]
  dataDir: string
  /** TLS on every server, certificates from this CA (see ProsodyOptions.tls); absent: none. */
  tls?: CertificateAuthority
  /** Every server's Nagle setting (ProsodyOptions.nagle); absent: Prosody's default (on). */
  nagle?: boolean
}

export async function startSites(o: SiteOptions): Promise<Sites> {
  const servers: ProsodyServer[] = []
  const procs: Started[] = []
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await Promise.all(servers.map((s) => s.stop()))
  }
  process.on('exit', () => {
    for (const p of procs) p.child.kill('SIGKILL')
  })
  // One server at a time: each registers its accounts with a prosodyctl process per user, and
  // hundreds of those at once on a loaded machine have kept a server from starting in time.
  const prosody = async (host: string, names: string[], opts: Partial<ProsodyOptions> = {}) => {
    const server = await startProsody({
      domains: [{ host }],
      tls: o.tls,
      nagle: o.nagle,
      ...opts,
      users: names.map((user) => ({ user, host, password: PASSWORD })),
      readyTimeoutMs: 30_000,
    })
    servers.push(server)
    return server
  }
  const senders = ['alice', ...Array.from({ length: o.senders }, (_, i) => `s${i}`)]
  try {
    const component = (host: string) => [
      {
        host,
        components: ['lattice', 'relay', 'p2p'].map((sub) => ({ domain: `${sub}.${host}`, secret: SECRET })),
      },
    ]
    const a = await prosody('a.localhost', [...senders, 'carol', 'ralice', 'palice'], {
      domains: [...component('a.localhost'), { host: GUESTS, anonymous: true }],
    })
    const b = await prosody('b.localhost', ['bob', 'rbob', 'pbob'], { domains: component('b.localhost') })
    /** The ends of the lattice's path and of both floors': its own two servers. */
    const ends = { from: { server: a, host: 'a.localhost' }, to: { server: b, host: 'b.localhost' } }
    /** A child process, stopped with the rest. */
    const tracked = async (started: Promise<Started>) => {
      const p = await started
      procs.push(p)
      return p
    }
    const spawn = (args: string[], nodeArgs: string[] = [], fast = true) =>
      tracked(
        spawnReady(process.execPath, [...nodeArgs, BIN, ...args], {
          env: fast ? { ...o.env, ...CLUSTER_FAST } : o.env,
          timeoutMs: 60_000,
        }),
      )
    const listen = ['--listen', '/ip4/127.0.0.1/tcp/0', '--admin', '127.0.0.1:0']
    const registry = await spawn(['registry', '--data', join(o.dataDir, 'registry'), ...listen])
    const attach = (server: ProsodyServer, d: string) => [
      ...['--component-domain', d, '--component-host', '127.0.0.1'],
      ...['--component-port', String(server.componentPort), '--component-secret', SECRET],
    ]
    const domains: [string, string] = ['lattice.a.localhost', 'lattice.b.localhost']
    const nodeArgs = [attach(a, domains[0]), attach(b, domains[1]), [], []].map((extra, i) => [
      'start',
      ...['--data', join(o.dataDir, `n${i}`), '--registry', registry.info.listen[0]],
      ...['--admin', '127.0.0.1:0', ...extra],
    ])
    let nodes = await Promise.all(nodeArgs.map((args) => spawn(args)))
    const relay = (server: ProsodyServer, own: string, peer: string, join: object, sub = 'relay') =>
      tracked(
        spawnReady(
          process.execPath,
          [
            ...['--import', 'tsx', resolve('bench/xmpp-relay.ts')],
            JSON.stringify({
              service: server.componentService,
              ...{ domain: `${sub}.${own}`, secret: SECRET, peerDomain: `${sub}.${peer}`, peerHost: peer },
              ...join,
            }),
          ],
          { env: o.env, timeoutMs: 30_000 },
        ),
      )
    const relayA = await relay(a, 'a.localhost', 'b.localhost', { listen: true })
    const relayB = await relay(b, 'b.localhost', 'a.localhost', { connect: relayA.info.port })
    const p2pA = await relay(a, 'a.localhost', 'b.localhost', { listen: true, libp2p: true }, 'p2p')
    const p2pB = await relay(
      b,
      'b.localhost',
      'a.localhost',
      { connect: p2pA.info.addr, libp2p: true },
      'p2p',
    )
    // The baselines' servers start while the cluster forms.
    const one = await prosody('one.localhost', [...senders, 'bob'])
    const addresses = await s2sAddresses()
    const s2s =
      typeof addresses === 'string'
        ? undefined
        : [
            await prosody('a.s2s.test', senders, {
              s2s: { address: addresses[0], peers: { 'b.s2s.test': addresses[1] } },
            }),
            await prosody('b.s2s.test', ['bob'], {
              s2s: { address: addresses[1], peers: { 'a.s2s.test': addresses[0] } },
            }),
          ]
    const settled = (why: string) =>
      eventually(
        `${why}: a cluster of four with replicas committing, both components online`,
        async () => {
          const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
          const committing = all.every((s) => (s.cluster?.replica?.height ?? 0) > 0)
          return committing && all[0].xmpp?.state === 'online' && all[1].xmpp?.state === 'online'
        },
        120_000,
      )
    await settled('formed')
    // Formed with CLUSTER_FAST's short intervals, measured with the production ones: each node
    // restarts on its data directory with the defaults (registry heartbeats, neighbour pings and
    // refreshes every 10 s), so the background work the figures include is an operator's.
    await Promise.all(nodes.map((n) => n.stop()))
    for (const n of nodes) procs.splice(procs.indexOf(n), 1)
    nodes = await Promise.all(nodeArgs.map((args, i) => spawn(args, i < 2 ? o.nodeArgs : [], false)))
    await settled('restarted with production intervals')
    return {
      one: {
        from: { server: one, host: 'one.localhost' },
        to: { server: one, host: 'one.localhost' },
        bobAddress: 'bob@one.localhost',
      },
      s2s:
        s2s === undefined
          ? undefined
          : {
              from: { server: s2s[0], host: 'a.s2s.test' },
              to: { server: s2s[1], host: 'b.s2s.test' },
              bobAddress: 'bob@b.s2s.test',
            },
      s2sSkipped: typeof addresses === 'string' ? addresses : undefined,
      lattice: {
        ...ends,
        bobAddress: `bob@${domains[0]}`,
        nodes,
        registry,
        domains,
      },
      relay: { ...ends, bobAddress: 'rbob@relay.a.localhost', procs: [relayA, relayB] },
      relayp2p: { ...ends, bobAddress: 'pbob@p2p.a.localhost', procs: [p2pA, p2pB] },
      servers,
      stop,
    }
  } catch (err) {
    for (const p of procs) process.stderr.write(`--- ${p.child.pid}\n${p.stderr().slice(-2000)}`)
    await stop()
    throw err
  }
}
