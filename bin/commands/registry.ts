import type { Command } from 'commander'
import { hostPort, startAdmin } from '../../lib/admin.js'
import { action, announceReady, collect, configFromFlags, onShutdown, processMetrics } from '../common.js'

export function register(program: Command): void {
  program
    .command('registry')
    .description('run an XLattice server: node registry, NodeIDs and neighbour lists')
    .option('--config <file>', 'TOML config file')
    .option('--data <dir>', 'data directory (identity, store)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect)
    .option('--admin <host:port>', 'admin HTTP endpoint (loopback)')
    .option('--public <host:port>', 'read-only public HTTP listener for releases (off by default)')
    .action(
      action(async (options: Record<string, unknown>) => {
        // Loaded lazily: libp2p costs ~0.5 s to import, and --help/--version need none of it.
        const { releaseAdminRoutes, startRegistry } = await import('../../gateway/index.js')
        const config = configFromFlags('registry', options, [
          { option: 'data', key: 'data.dir', flag: '--data' },
          { option: 'listen', key: 'registry.listen', flag: '--listen' },
          { option: 'admin', key: 'admin.listen', flag: '--admin' },
          { option: 'public', key: 'registry.public', flag: '--public' },
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
          referrals: r.referrals,
          rateLimit: r.rateLimit,
          publicListen: r.public === undefined ? undefined : hostPort(r.public),
          releaseMaxBytes: r.releaseMaxBytes,
        })
        const admin = await startAdmin({
          ...hostPort(config.admin.listen),
          status: () => registry.status(),
          metrics: processMetrics(registry.metrics),
          routes: releaseAdminRoutes(registry.releases),
        })
        onShutdown(async () => {
          await admin.close()
          await registry.stop()
        })
        announceReady({
          admin: admin.address,
          peerId: registry.host.peerId.toString(),
          listen: registry.host.getMultiaddrs().map((a) => a.toString()),
          ...(registry.publicAddress === undefined ? {} : { public: registry.publicAddress }),
        })
      }),
    )
}
