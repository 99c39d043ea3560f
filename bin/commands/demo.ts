/**
 * `xlattice demo`: the whole thing on this machine. An XLattice server, a cluster of four nodes
 * and two private Prosody servers (a.localhost with alice/alice, b.localhost with bob/bob), node1
 * attached to the first as lattice.a.localhost and node2 to the second as lattice.b.localhost;
 * nodes 3 and 4 run without XMPP. Every process is a child of this one, on loopback; once the
 * cluster commits and both components are online it says how to connect an XMPP client (or, with
 * --json, prints one JSON line). Ctrl-C stops all of it and removes the data unless --data.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { CLUSTER_SIZE, Demo, isStopped } from '../demo/lattice.js'
import { describe, humanReport } from '../demo/report.js'
import { action } from '../common.js'
import { fetchStatus } from './status.js'

interface DemoFlags {
  nodes: string
  data?: string
  json?: boolean
  xmpp: boolean
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole thing on loopback: an XLattice server, a cluster of four nodes and two Prosody servers ' +
        'with a node attached to each (Ctrl-C stops it)',
    )
    .option('--nodes <n>', 'number of nodes', String(CLUSTER_SIZE))
    .option('--data <dir>', 'keep data here (default: a temporary directory removed on exit)')
    .option('--json', 'print one JSON line describing the demo once it is up')
    .option('--no-xmpp', 'no Prosody servers: the lattice alone')
    .action(
      action(async (options: DemoFlags) => {
        const began = Date.now()
        const count = Number(options.nodes)
        if (!Number.isInteger(count) || count < 1 || count > 32) throw new TypeError('--nodes must be 1..32')
        if (options.xmpp && count < CLUSTER_SIZE)
          throw new TypeError(
            `--nodes must be at least ${CLUSTER_SIZE} with XMPP (one cluster); --no-xmpp runs fewer`,
          )
        const json = options.json === true
        const say = (text: string) => {
          if (!json) process.stdout.write(`${text}\n`)
        }
        const dir =
          options.data === undefined ? await mkdtemp(join(tmpdir(), 'xlattice-demo-')) : resolve(options.data)
        await mkdir(dir, { recursive: true })
        const demo = new Demo({
          dir,
          nodes: count,
          xmpp: options.xmpp,
          onLog: (name, line) => {
            if (!json) process.stderr.write(`[${name}] ${line}\n`)
          },
        })
        // A crash or an uncaught error must not leave servers behind.
        process.on('exit', () => demo.killNow())
        let cleaning: Promise<void> | undefined
        const cleanup = () => {
          cleaning ??= (async () => {
            await demo.stop()
            if (options.data === undefined) await rm(dir, { recursive: true, force: true })
          })()
          return cleaning
        }
        const onSignal = () => {
          say('\nstopping…')
          void cleanup().then(() => process.exit(0))
        }
        // SIGHUP too: the Prosody servers are in their own process group, so a closed terminal
        // reaches them only through us.
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)
        say(
          options.xmpp
            ? `starting two Prosody servers, an XLattice server and ${count} nodes (their cluster takes ~10 s)…`
            : `starting an XLattice server and ${count} nodes…`,
        )
        try {
          await demo.start()
        } catch (err) {
          // Stopped by Ctrl-C while starting: the signal handler finishes and exits.
          if (isStopped(err)) await new Promise(() => {})
          await cleanup()
          throw err
        }
        const registry = await fetchStatus(demo.registry!.info.admin)
        const description = describe(demo, registry, dir, Date.now() - began)
        if (json) process.stdout.write(`${JSON.stringify(description)}\n`)
        else say(`\n${humanReport(description, options.data !== undefined)}`)
        // Stay in the foreground until Ctrl-C.
        await new Promise(() => {})
      }),
    )
}
