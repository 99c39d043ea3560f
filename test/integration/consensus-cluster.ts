/**
 * Real `xlattice validator` processes for the consensus specs and the benchmark: identities
 * made up front (so the shared config can list every validator with its peer ID, key and
 * address), fixed loopback ports, and small HTTP helpers for the admin endpoint.
 */
import { writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import type { Started } from '../../lib/child.js'
import { toB64u } from '../../lib/encoding.js'
import { identityPeerId, loadOrCreateIdentity } from '../../lib/identity.js'
import { freePorts } from '../harness/ports.js'

export interface Member {
  index: number
  dataDir: string
  port: number
  peerId: string
  publicKey: string
  seed: Uint8Array
  proc?: Started
}

export interface ClusterOptions {
  /** Validators whose processes the caller runs itself (in-process peers): they only get keys. */
  external?: number
  /** How many of the members the config lists as the genesis set (default all); the rest follow. */
  genesis?: number
  proposeTimeoutMs?: number
  env?: NodeJS.ProcessEnv
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 })

/** One HTTP request to an admin endpoint; resolves with status and parsed JSON. */
export function call(
  admin: string,
  method: string,
  path: string,
  body?: Uint8Array | string,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const [host, port] = [
    admin.slice(0, admin.lastIndexOf(':')),
    Number(admin.slice(admin.lastIndexOf(':') + 1)),
  ]
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, method, path, agent, headers: { 'content-type': contentType } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: any = text
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

export class Cluster {
  readonly members: Member[] = []
  configPath = ''

  private constructor(
    readonly dir: string,
    readonly spawn: (args: string[], env?: NodeJS.ProcessEnv) => Promise<Started>,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Keys, ports and the shared config for `n` validators; starts the first n - external of them. */
  static async create(
    dir: string,
    n: number,
    spawn: (args: string[], env?: NodeJS.ProcessEnv) => Promise<Started>,
    opts: ClusterOptions = {},
  ): Promise<Cluster> {
    const c = new Cluster(dir, spawn, opts.env ?? {})
    const ports = await freePorts(n)
    for (let i = 0; i < n; i++) {
      const dataDir = join(dir, `v${i}`)
      await mkdir(dataDir, { recursive: true })
      const { identity } = await loadOrCreateIdentity(dataDir)
      c.members.push({
        index: i,
        dataDir,
        port: ports[i],
        peerId: (await identityPeerId(identity)).toString(),
        publicKey: toB64u(identity.sigPublicKey),
        seed: identity.sigSeed,
      })
    }
    const lines = ['[consensus]', `proposeTimeoutMs = ${opts.proposeTimeoutMs ?? 1000}`, '']
    for (const m of c.members.slice(0, opts.genesis ?? n)) {
      lines.push(
        '[[consensus.validators]]',
        `peerId = "${m.peerId}"`,
        `publicKey = "${m.publicKey}"`,
        'weight = 1',
      )
      lines.push(`addrs = ["/ip4/127.0.0.1/tcp/${m.port}"]`, '')
    }
    c.configPath = join(dir, 'validators.toml')
    writeFileSync(c.configPath, lines.join('\n'))
    await Promise.all(c.members.slice(0, n - (opts.external ?? 0)).map((m) => c.start(m.index)))
    return c
  }

  async start(i: number): Promise<Started> {
    const m = this.members[i]
    m.proc = await this.spawn(
      [
        'validator',
        '--data',
        m.dataDir,
        '--listen',
        `/ip4/127.0.0.1/tcp/${m.port}`,
        '--admin',
        '127.0.0.1:0',
        '--config',
        this.configPath,
      ],
      this.env,
    )
    return m.proc
  }

  admin(i: number): string {
    const p = this.members[i].proc
    if (p === undefined) throw new Error(`validator ${i} is not running`)
    return p.info.admin
  }

  running(): Member[] {
    return this.members.filter(
      (m) => m.proc !== undefined && m.proc.child.exitCode === null && m.proc.child.signalCode === null,
    )
  }

  async status(i: number): Promise<any> {
    return (await call(this.admin(i), 'GET', '/status')).body
  }

  /** SIGKILL: no shutdown code runs, as in a crash. */
  async kill(i: number): Promise<void> {
    await this.members[i].proc?.kill()
    this.members[i].proc = undefined
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.members.map((m) => m.proc?.stop()))
  }
}
