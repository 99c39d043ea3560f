import type { Command } from 'commander'
import { toB64u, toHex } from '../../lib/encoding.js'
import { identityPeerId, loadOrCreateIdentity } from '../../lib/identity.js'
import { action } from '../common.js'

export function register(program: Command): void {
  program
    .command('id')
    .description("print this node's identity (created if missing) and NodeID")
    .requiredOption('--data <dir>', 'data directory')
    .option('--json', 'print JSON for scripts')
    .action(
      action(async (options: { data: string; json?: boolean }) => {
        // Loaded lazily: libp2p costs ~0.5 s to import, and --help/--version need none of it.
        const { loadCertificate, registryWire } = await import('../../gateway/index.js')
        const { identity, created } = await loadOrCreateIdentity(options.data)
        if (created) process.stderr.write(`created a new identity in ${options.data}\n`)
        const saved = await loadCertificate(options.data)
        const nodeId =
          saved === undefined ? null : toHex(registryWire.NodeCertificate.decode(saved.certificate).nodeId)
        const out = {
          peerId: (await identityPeerId(identity)).toString(),
          sigPublicKey: toB64u(identity.sigPublicKey),
          commsPublicKey: toB64u(identity.commsPublicKey),
          nodeId,
        }
        if (options.json === true) process.stdout.write(`${JSON.stringify(out)}\n`)
        else
          for (const [k, v] of Object.entries(out))
            process.stdout.write(`${k.padEnd(15)} ${v ?? '(not assigned yet)'}\n`)
      }),
    )
}
