import type { Command } from 'commander'
import { hostPort, startAdmin } from '../../lib/admin.js'
import { action, announceReady, collect, configFromFlags, onShutdown, processMetrics } from '../common.js'

export function register(program: Command): void {
  program
    .command('validator')
    .description('run a consensus validator (Tendermint over libp2p) with the key-value application')
    .option('--config <file>', 'TOML config file; its [[consensus.validators]] are the genesis set')
    .option('--data <dir>', 'data directory (identity, store)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect)
    .option('--admin <host:port>', 'admin HTTP endpoint (loopback)')
    .action(
      action(async (options: Record<string, unknown>) => {
        // Loaded lazily: libp2p costs ~0.5 s to import, and --help/--version need none of it.
        const { startValidator, validatorAdminRoutes } = await import(
          '../../gateway/consensus/driver/index.js'
        )
        const config = configFromFlags('node', options, [
          { option: 'data', key: 'data.dir', flag: '--data' },
          { option: 'listen', key: 'node.listen', flag: '--listen' },
          { option: 'admin', key: 'admin.listen', flag: '--admin' },
        ])
        const validator = await startValidator({
          dataDir: config.data.dir,
          listen: config.node.listen,
          validators: config.consensus.validators,
          proposeTimeoutMs: config.consensus.proposeTimeoutMs,
        })
        const admin = await startAdmin({
          ...hostPort(config.admin.listen),
          status: () => validator.status(),
          metrics: processMetrics(validator.metrics),
          routes: validatorAdminRoutes(validator),
        })
        // A failed synced write means this validator can no longer promise not to equivocate.
        void validator.fatal.then((err) => {
          process.stderr.write(`xlattice: consensus halted: ${err.message}\n`)
          process.exit(1)
        })
        onShutdown(async () => {
          await admin.close()
          await validator.stop()
        })
        announceReady({
          admin: admin.address,
          peerId: validator.host.peerId.toString(),
          listen: validator.host.getMultiaddrs().map((a) => a.toString()),
        })
      }),
    )
}
