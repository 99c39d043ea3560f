import type { Command } from 'commander'
import { hostPort, startAdmin } from '../../lib/admin.js'
import { startRegistry } from '../../gateway/index.js'
import { action, announceReady, collect, configFromFlags, onShutdown } from '../common.js'

export function register(program: Command): void {
  program
    .command('registry')
    .description('run an XLattice server: node registry, NodeIDs and neighbour lists')
    .option('--config <file>', 'TOML config file')
    .option('--data <dir>', 'data directory (identity, store)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect)
    .option('--admin <host:port>', 'admin HTTP endpoint (loopback)')
    .action(
      action(async (options: Record<string, unknown>) => {
        const config = configFromFlags('registry', options, [
          { option: 'data', key: 'data.dir', flag: '--data' },
          { option: 'listen', key: 'registry.listen', flag: '--listen' },
          { option: 'admin', key: 'admin.listen', flag: '--admin' },
        ])
        const r = config.registry
        const registry = await startRegistry({
          dataDir: config.data.dir,
          listen: r.listen,
          heartbeatTtlSec: r.heartbeatTtlSec,
          neighbourK: r.neighbourK,
          maxMessageBytes: r.maxMessageBytes,
          clockSkewSec: r.clockSkewSec,
          nonceRetentionSec: r.nonceRetentionSec,
          rateLimit: r.rateLimit,
        })
        const admin = await startAdmin({
          ...hostPort(config.admin.listen),
          status: () => registry.status(),
          metrics: registry.metrics,
        })
        onShutdown(async () => {
          await admin.close()
          await registry.stop()
        })
        announceReady({
          admin: admin.address,
          peerId: registry.host.peerId.toString(),
          listen: registry.host.getMultiaddrs().map((a) => a.toString()),
        })
      }),
    )
}
