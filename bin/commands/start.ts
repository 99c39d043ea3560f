import type { Command } from 'commander'
import type { RunningComponent } from '../../component/index.js'
import { xmppAttachment } from '../../lib/config/index.js'
import { ConfigError } from '../../lib/errors.js'
import { hostPort, startAdmin } from '../../lib/admin.js'
import {
  action,
  announceReady,
  collect,
  configFromFlags,
  type FlagSpec,
  onShutdown,
  processMetrics,
} from '../common.js'

/** Flags of `xlattice start` and the config keys they set (docs/configuration.md). */
export const START_FLAGS: FlagSpec[] = [
  { option: 'data', key: 'data.dir', flag: '--data' },
  { option: 'listen', key: 'node.listen', flag: '--listen' },
  { option: 'registry', key: 'node.registry', flag: '--registry' },
  { option: 'admin', key: 'admin.listen', flag: '--admin' },
  { option: 'componentDomain', key: 'xmpp.domain', flag: '--component-domain' },
  { option: 'componentHost', key: 'xmpp.host', flag: '--component-host' },
  { option: 'componentPort', key: 'xmpp.port', flag: '--component-port' },
  { option: 'componentSecret', key: 'xmpp.secret', flag: '--component-secret' },
  { option: 'componentSecretFile', key: 'xmpp.secretFile', flag: '--component-secret-file' },
]

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
    .option('--component-domain <domain>', 'attach to an XMPP server as this component domain (XEP-0114)')
    .option('--component-host <host>', "the XMPP server's component listener host (default 127.0.0.1)")
    .option('--component-port <port>', "the XMPP server's component listener port (default 5347)")
    .option(
      '--component-secret <secret>',
      'the component secret (visible in ps: prefer the file or XLATTICE_XMPP_SECRET)',
    )
    .option('--component-secret-file <file>', 'a file holding the component secret')
    .action(
      action(async (options: Record<string, unknown>) => {
        const config = configFromFlags('node', options, START_FLAGS)
        if (config.node.registry === undefined) {
          throw new ConfigError(
            'no XLattice server given: pass --registry /ip4/HOST/tcp/PORT/p2p/PEERID or set node.registry',
          )
        }
        // Loaded lazily, once the config is known good: libp2p costs ~0.5 s to import, and
        // --help, --version and a config error need none of it.
        const { XLatticeNode, currentVersion, nodeAdminRoutes, parsePublicKey } = await import(
          '../../gateway/index.js'
        )
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
            replaceAfterMs: config.cluster.replaceAfterSec * 1000,
          },
          update: { ...config.update, keys: config.update.keys.map(parsePublicKey) },
        })
        // Not waiting for the XMPP server: the component connects and reconnects by itself, and
        // its state shows in /status under `xmpp`.
        const xmpp = xmppAttachment(config)
        let component: RunningComponent | undefined
        if (xmpp !== undefined) {
          const { attachComponent } = await import('../../component/attach.js')
          try {
            component = await attachComponent(node, { ...xmpp, version: currentVersion() })
          } catch (err) {
            // Close the store and the host cleanly before the error ends the process.
            await node.stop().catch(() => {})
            throw err
          }
        }
        const admin = await startAdmin({
          ...hostPort(config.admin.listen),
          status: () => ({ ...node.status(), xmpp: component?.status() ?? null }),
          metrics: processMetrics(node.metrics),
          routes: nodeAdminRoutes(node),
        })
        onShutdown(async () => {
          await admin.close()
          await component?.stop()
          await node.stop()
        })
        announceReady({
          admin: admin.address,
          peerId: node.host.peerId.toString(),
          listen: node.host.getMultiaddrs().map((a) => a.toString()),
          ...(xmpp === undefined ? {} : { xmpp: xmpp.domain }),
        })
      }),
    )
}
