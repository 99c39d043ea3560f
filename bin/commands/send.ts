import type { Command } from 'commander'
import { hostPort } from '../../lib/admin.js'
import { action } from '../common.js'

/** POSTs JSON to a running node's admin endpoint; a refusal becomes one readable error line. */
export async function postAdmin(admin: string, path: string, body: object, timeoutMs = 70_000): Promise<any> {
  const { host, port } = hostPort(admin)
  const h = host.includes(':') ? `[${host}]` : host
  let res: Response
  try {
    res = await fetch(`http://${h}:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err: any) {
    throw new TypeError(`cannot reach the admin endpoint at ${admin}: ${err.cause?.message ?? err.message}`)
  }
  const out: any = await res.json().catch(() => ({}))
  if (!res.ok) throw new TypeError(out.error ?? `admin endpoint at ${admin} answered HTTP ${res.status}`)
  return out
}

export function register(program: Command): void {
  program
    .command('send')
    .description('send a text message to a node by NodeID through a running node')
    .argument('<nodeId>', 'the receiving NodeID (64 hex characters)')
    .argument('<text>', 'the message')
    .requiredOption('--admin <host:port>', "the running node's admin endpoint")
    .option('--plaintext', 'send signed plaintext instead of encrypted (labelled as such at both ends)')
    .option('--wait <seconds>', 'how long to wait for the receiver to acknowledge', '5')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (nodeId: string, text: string, options: Record<string, any>) => {
        const wait = Number(options.wait)
        if (!Number.isFinite(wait) || wait < 0) throw new TypeError('--wait takes a number of seconds')
        const out = await postAdmin(options.admin, '/send', {
          nodeId,
          text,
          plaintext: options.plaintext === true ? true : undefined,
          waitMs: wait * 1000,
        })
        if (options.json === true) process.stdout.write(`${JSON.stringify(out)}\n`)
        else {
          const label = out.plaintext ? 'plaintext' : out.mode
          const state = out.acked
            ? 'delivered (acknowledged)'
            : 'queued; it will be retried until the node acknowledges it'
          process.stdout.write(`seq ${out.seq} (${label}): ${state}\n`)
        }
      }),
    )
}
