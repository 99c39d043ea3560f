/**
 * `xlattice demo`: a whole lattice on this machine. For now: an XLattice server and four
 * nodes, each its own process on loopback, that register, get NodeIDs and neighbour lists.
 * Ctrl-C stops everything it started.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { type Started, spawnReady } from '../../lib/child.js'
import { action } from '../common.js'
import { fetchStatus } from './status.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function self(): string[] {
  return [...process.execArgv, process.argv[1]]
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a local lattice: an XLattice server and four nodes on loopback (Ctrl-C stops it)')
    .option('--nodes <n>', 'number of nodes', '4')
    .option('--data <dir>', 'keep data here (default: a temporary directory removed on exit)')
    .option('--json', 'print one JSON line describing the lattice once it is up')
    .action(
      action(async (options: { nodes: string; data?: string; json?: boolean }) => {
        const count = Number(options.nodes)
        if (!Number.isInteger(count) || count < 1 || count > 32) throw new TypeError('--nodes must be 1..32')
        const dir = options.data ?? (await mkdtemp(join(tmpdir(), 'xlattice-demo-')))
        const children: Started[] = []
        const say = (line: string) => {
          if (options.json !== true) process.stdout.write(`${line}\n`)
        }
        let stopping = false
        const stopAll = async () => {
          if (stopping) return
          stopping = true
          say('\nstopping…')
          await Promise.all(children.map((c) => c.stop()))
          if (options.data === undefined) await rm(dir, { recursive: true, force: true })
          process.exit(0)
        }
        process.on('SIGINT', stopAll)
        process.on('SIGTERM', stopAll)
        const env = { ...process.env, XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '3', XLATTICE_LOG_LEVEL: 'warn' }
        const forward = (name: string) => (line: string) => {
          if (options.json !== true) process.stderr.write(`[${name}] ${line}\n`)
        }
        try {
          const registry = await spawnReady(
            process.execPath,
            [...self(), 'registry', '--data', join(dir, 'registry'), '--admin', '127.0.0.1:0'],
            { env, onStderr: forward('registry') },
          )
          children.push(registry)
          const registryAddr = registry.info.listen[0]
          say(`XLattice server  ${registryAddr}\n  admin http://${registry.info.admin}/status`)
          for (let i = 1; i <= count; i++) {
            const node = await spawnReady(
              process.execPath,
              [
                ...self(),
                'start',
                '--data',
                join(dir, `node${i}`),
                '--registry',
                registryAddr,
                '--admin',
                '127.0.0.1:0',
              ],
              { env, onStderr: forward(`node${i}`) },
            )
            children.push(node)
          }
          // Wait until every node has its NodeID and a full neighbour list (all other nodes, up to k).
          const want = Math.min(count - 1, 8)
          let statuses: any[] = []
          for (let tries = 0; tries < 100; tries++) {
            statuses = await Promise.all(children.slice(1).map((c) => fetchStatus(c.info.admin)))
            if (statuses.every((s) => s.nodeId !== null && s.neighbours.length >= want)) break
            await sleep(200)
          }
          if (options.json === true) {
            const registryStatus = await fetchStatus(registry.info.admin)
            process.stdout.write(
              `${JSON.stringify({ registry: { ...registryStatus, admin: registry.info.admin }, nodes: statuses.map((s, i) => ({ ...s, admin: children[i + 1].info.admin })) })}\n`,
            )
          } else {
            for (const [i, s] of statuses.entries()) {
              say(
                `\nnode${i + 1}  NodeID ${s.nodeId}\n  peer ${s.peerId}\n  admin http://${children[i + 1].info.admin}/status`,
              )
              say(`  neighbours (XOR-closest live nodes, from the server, RTT by libp2p ping):`)
              for (const n of s.neighbours)
                say(`    ${n.nodeId}  ${n.rttMs === null ? '-' : `${n.rttMs} ms`}`)
            }
            say(
              `\ndata in ${dir}; \`xlattice status --admin HOST:PORT\` shows any of them. Ctrl-C stops everything.`,
            )
          }
        } catch (err) {
          await Promise.all(children.map((c) => c.stop()))
          throw err
        }
        // Stay in the foreground until Ctrl-C.
        await new Promise(() => {})
      }),
    )
}
