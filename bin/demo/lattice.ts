/**
 * The processes of `xlattice demo`: an XLattice server, a cluster of nodes and (unless told
 * otherwise) two private Prosody servers with one node attached to each as its component.
 * start() brings them up and waits until the cluster's replicas commit and both components are
 * online; stop() ends all of it, also in the middle of start().
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type Started, spawnReady } from '../../lib/child.js'
import { withMallocEnv } from '../../lib/malloc-env.js'
import { fetchStatus } from '../commands/status.js'
import { type DemoProsody, DemoError, type DemoUser, findProsody, startDemoProsody } from './prosody.js'

/**
 * Short intervals so neighbour lists and the cluster settle in seconds rather than a minute (the
 * same values the integration tests use). The caller's environment overrides them.
 */
export const DEMO_ENV: Record<string, string> = {
  XLATTICE_NODE_HEARTBEAT_SEC: '1',
  XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1',
  XLATTICE_NODE_PING_INTERVAL_SEC: '1',
  XLATTICE_CLUSTER_FORMATION_INTERVAL_SEC: '1',
  XLATTICE_CLUSTER_LOCK_SEC: '4',
  XLATTICE_REGISTRY_NEIGHBOUR_K: '16',
}

export interface DemoSite {
  /** The XMPP server's domain (its one VirtualHost). */
  host: string
  /** The component domain D of the node attached to it. */
  componentDomain: string
  users: DemoUser[]
}

/** Nodes 1 and 2 serve these; the others run without XMPP. */
export const SITES: DemoSite[] = [
  {
    host: 'a.localhost',
    componentDomain: 'lattice.a.localhost',
    users: [{ user: 'alice', password: 'alice' }],
  },
  { host: 'b.localhost', componentDomain: 'lattice.b.localhost', users: [{ user: 'bob', password: 'bob' }] },
]

/** Members of a cluster with the default `cluster.size`. */
export const CLUSTER_SIZE = 4

export interface DemoOptions {
  dir: string
  nodes: number
  xmpp: boolean
  /** Each child's stderr lines (JSON logs), by name: registry, node1, ... */
  onLog?: (name: string, line: string) => void
  readyTimeoutMs?: number
}

export interface Attached {
  site: DemoSite
  server: DemoProsody
  node: Started
}

class Stopped extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const self = () => [...process.execArgv, process.argv[1]]

export class Demo {
  registry?: Started
  readonly nodes: Started[] = []
  readonly servers: DemoProsody[] = []
  /** Each node's /status once the demo is up. */
  statuses: any[] = []
  private stopping = false
  private starting?: Promise<void>

  constructor(private readonly opts: DemoOptions) {}

  get attached(): Attached[] {
    return this.servers.map((server, i) => ({ site: SITES[i], server, node: this.nodes[i] }))
  }

  start(): Promise<void> {
    this.starting ??= this.run()
    return this.starting
  }

  private check(): void {
    if (this.stopping) throw new Stopped('stopped while starting')
  }

  private async run(): Promise<void> {
    const { dir, xmpp } = this.opts
    const env = withMallocEnv({
      ...DEMO_ENV,
      ...process.env,
      XLATTICE_LOG_LEVEL: process.env.XLATTICE_LOG_LEVEL ?? 'warn',
    })
    // The XMPP servers first: ~0.1 s each, and the nodes then find their components' ports open.
    const secrets: string[] = []
    if (xmpp) {
      const commands = findProsody()
      for (const site of SITES) {
        const secret = randomBytes(24).toString('hex')
        const server = await startDemoProsody(commands, {
          dir: join(dir, `prosody-${site.host}`),
          host: site.host,
          componentDomain: site.componentDomain,
          componentSecret: secret,
          users: site.users,
        })
        this.servers.push(server)
        secrets.push(secret)
        this.check()
      }
    }
    this.registry = await this.spawn('registry', ['registry', '--data', join(dir, 'registry')], env)
    this.check()
    const registryAddr = this.registry.info.listen[0]
    const started = await Promise.allSettled(
      Array.from({ length: this.opts.nodes }, (_, i) => {
        const args = ['start', '--data', join(dir, `node${i + 1}`), '--registry', registryAddr]
        const server = this.servers[i]
        if (server === undefined) return this.spawn(`node${i + 1}`, args, env)
        args.push('--component-domain', server.componentDomain, '--component-host', '127.0.0.1')
        args.push('--component-port', String(server.componentPort))
        // The secret in the environment, not on the command line where `ps` shows it.
        return this.spawn(`node${i + 1}`, args, { ...env, XLATTICE_XMPP_SECRET: secrets[i] })
      }),
    )
    for (const r of started) if (r.status === 'fulfilled') this.nodes.push(r.value)
    for (const r of started) if (r.status === 'rejected') throw r.reason
    this.check()
    await this.waitReady()
  }

  private async spawn(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
    return spawnReady(process.execPath, [...self(), ...args, '--admin', '127.0.0.1:0'], {
      env,
      onStderr: (line) => this.opts.onLog?.(name, line),
    })
  }

  /**
   * Up means: every node has its NodeID and a full neighbour list; a cluster of four whose
   * replicas have committed a block, the attached nodes among its members; each attached node's
   * component online at its Prosody.
   */
  private async waitReady(): Promise<void> {
    const count = this.nodes.length
    const k = Number(process.env.XLATTICE_REGISTRY_NEIGHBOUR_K || DEMO_ENV.XLATTICE_REGISTRY_NEIGHBOUR_K)
    const neighbours = Math.min(count - 1, k)
    const front = Math.max(this.servers.length, 1)
    const timeoutMs = this.opts.readyTimeoutMs ?? 120_000
    const deadline = Date.now() + timeoutMs
    let missing: string[] = []
    for (;;) {
      this.check()
      for (const [i, n] of this.nodes.entries()) {
        if (n.child.exitCode !== null || n.child.signalCode !== null)
          throw new DemoError(`node${i + 1} exited while the demo started:\n${n.stderr().slice(-2000)}`)
      }
      const statuses = await Promise.all(this.nodes.map((n) => fetchStatus(n.info.admin).catch(() => null)))
      missing = []
      for (const [i, s] of statuses.entries()) {
        const name = `node${i + 1}`
        if (s === null) missing.push(`${name}: no answer from its admin endpoint`)
        else if (s.nodeId === null) missing.push(`${name}: no NodeID yet`)
        else if (s.neighbours.length < neighbours) missing.push(`${name}: ${s.neighbours.length} neighbours`)
      }
      const committing = statuses.filter((s) => (s?.cluster?.replica?.height ?? 0) > 0).length
      if (count >= CLUSTER_SIZE) {
        if (committing < CLUSTER_SIZE) missing.push(`${committing} of ${CLUSTER_SIZE} replicas committing`)
        for (let i = 0; i < front; i++) {
          if ((statuses[i]?.cluster?.replica?.height ?? 0) === 0)
            missing.push(`node${i + 1}: not in a cluster yet`)
        }
      }
      for (const [i, { site }] of this.attached.entries()) {
        const x = statuses[i]?.xmpp
        if (x?.state !== 'online')
          missing.push(
            `node${i + 1}: ${site.componentDomain} ${x?.state ?? 'not attached'}${x?.lastError ? ` (${x.lastError})` : ''}`,
          )
      }
      if (missing.length === 0) {
        this.statuses = statuses
        return
      }
      if (Date.now() > deadline)
        throw new DemoError(`the demo was not up within ${timeoutMs / 1000} s: ${missing.join('; ')}`)
      await sleep(200)
    }
  }

  /** Ends every process the demo started, waiting for a start() in progress to give up first. */
  async stop(): Promise<void> {
    this.stopping = true
    await this.starting?.catch(() => {})
    // Nodes first, so each component closes its stream while its server is still there.
    await Promise.all(this.nodes.map((n) => n.stop()))
    await Promise.all([
      ...(this.registry ? [this.registry.stop()] : []),
      ...this.servers.map((s) => s.stop()),
    ])
  }

  /** SIGKILL for everything still running: the synchronous last resort of an exit hook. */
  killNow(): void {
    for (const c of [...this.nodes, ...(this.registry ? [this.registry] : [])]) {
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
    }
    for (const s of this.servers) s.killNow()
  }
}

export function isStopped(err: unknown): boolean {
  return err instanceof Stopped
}
