import type { Command } from 'commander'
import { action } from '../common.js'
import { postAdmin } from './send.js'

export function register(program: Command): void {
  program
    .command('ping')
    .description('ping a node by NodeID through a running node (libp2p ping; RTT in ms)')
    .argument('<nodeId>', 'the NodeID to ping (64 hex characters)')
    .requiredOption('--admin <host:port>', "the running node's admin endpoint")
    .option('--json', 'print the raw JSON')
    .action(
      action(async (nodeId: string, options: { admin: string; json?: boolean }) => {
        const out = await postAdmin(options.admin, '/ping', { nodeId })
        if (options.json === true) process.stdout.write(`${JSON.stringify(out)}\n`)
        else
          process.stdout.write(`${nodeId.slice(0, 16)}…  ${out.rttMs} ms  (${out.peerId}, via ${out.via})\n`)
      }),
    )
}
