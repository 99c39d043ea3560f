import type { Command } from 'commander'
import { ConfigError } from '../../lib/errors.js'
import { hostPort, startAdmin } from '../../lib/admin.js'
import { action, announceReady, collect, configFromFlags, onShutdown } from '../common.js'

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run a node: register with the XLattice server, keep neighbours alive, send and receive messages',
    )
    .option('--config <file>', 'TOML config file')
    .option('--data <dir>', 'data directory (identity, store)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect)
    .option('--registry <multiaddr>', 'the XLattice server, including /p2p/<peerId>')
    .option('--admin <host:port>', 'admin HTTP endpoint (loopback)')
    .action(
      action(async (options: Record<string, unknown>) => {
        // Loaded lazily: libp2p costs ~0.5 s to import, and --help/--version need none of it.
        const { XLatticeNode, nodeAdminRoutes, parsePublicKey } = await import('../../gateway/index.js')
        const config = configFromFlags('node', options, [
          { option: 'data', key: 'data.dir', flag: '--data' },
          { option: 'listen', key: 'node.listen', flag: '--listen' },
          { option: 'registry', key: 'node.registry', flag: '--registry' },
          { option: 'admin', key: 'admin.listen', flag: '--admin' },
        ])
        if (config.node.registry === undefined) {
          throw new ConfigError(
            'no XLattice server given: pass --registry /ip4/HOST/tcp/PORT/p2p/PEERID or set node.registry',
          )
        }
        const node = await XLatticeNode.start({
          dataDir: config.data.dir,
          listen: config.node.listen,
          registry: config.node.registry,
          heartbeatSec: config.node.heartbeatSec,
          neighbourRefreshSec: config.node.neighbourRefreshSec,
          registerRetryMaxSec: config.node.registerRetryMaxSec,
          pingIntervalSec: config.node.pingIntervalSec,
          deadAfterMisses: config.node.deadAfterMisses,
          reconnectMaxSec: config.node.reconnectMaxSec,
          idleConnectionSec: config.node.idleConnectionSec,
          messaging: config.messaging,
          cluster: {
            size: config.cluster.size,
            intervalMs: config.cluster.formationIntervalSec * 1000,
            lockMs: config.cluster.lockSec * 1000,
            pinned: config.cluster.members.length > 0 ? config.cluster.members : undefined,
          },
          update: { ...config.update, keys: config.update.keys.map(parsePublicKey) },
        })
        const admin = await startAdmin({
          ...hostPort(config.admin.listen),
          status: () => node.status(),
          metrics: node.metrics,
          routes: nodeAdminRoutes(node),
        })
        onShutdown(async () => {
          await admin.close()
          await node.stop()
        })
        announceReady({
          admin: admin.address,
          peerId: node.host.peerId.toString(),
          listen: node.host.getMultiaddrs().map((a) => a.toString()),
        })
      }),
    )
}
