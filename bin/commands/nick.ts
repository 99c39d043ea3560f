import type { Command } from 'commander'
import { hostPort } from '../../lib/admin.js'
import { action } from '../common.js'

async function call(admin: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const { host, port } = hostPort(admin)
  const h = host.includes(':') ? `[${host}]` : host
  let res: Response
  try {
    res = await fetch(`http://${h}:${port}${path}`, { ...init, signal: AbortSignal.timeout(35_000) })
  } catch (err: any) {
    throw new TypeError(`cannot reach the admin endpoint at ${admin}: ${err.cause?.message ?? err.message}`)
  }
  return { status: res.status, body: await res.json() }
}

export function register(program: Command): void {
  const nick = program.command('nick').description("nicks in the node's cluster registry")
  nick
    .command('register <nick>')
    .description('register a nick for a new user key pair kept by the node (answered once committed)')
    .requiredOption('--admin <host:port>', 'the admin endpoint')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (name: string, options: { admin: string; json?: boolean }) => {
        const { status, body } = await call(options.admin, '/nick', {
          method: 'POST',
          body: JSON.stringify({ nick: name }),
        })
        if (options.json === true) process.stdout.write(`${JSON.stringify(body)}\n`)
        else if (status === 200)
          process.stdout.write(
            `${body.nick}: registered at height ${body.height}, user NodeID ${body.userNodeId}\n`,
          )
        else if (status === 409)
          process.stdout.write(`${body.nick}: refused (${body.reason}) at height ${body.height}\n`)
        else throw new TypeError(body.error ?? `admin endpoint answered HTTP ${status}`)
        if (status !== 200) process.exitCode = 1
      }),
    )
  nick
    .command('show <nick>')
    .description('show the binding of a nick (keys, user NodeID, home node) at the current height')
    .requiredOption('--admin <host:port>', 'the admin endpoint')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (name: string, options: { admin: string; json?: boolean }) => {
        const { status, body } = await call(options.admin, `/nick?name=${encodeURIComponent(name)}`)
        if (options.json === true) process.stdout.write(`${JSON.stringify(body)}\n`)
        else if (status === 200) {
          process.stdout.write(`${body.nick} (since height ${body.since}, now ${body.height})\n`)
          process.stdout.write(`  user NodeID ${body.userNodeId}\n  signing key ${body.signingKey}\n`)
          process.stdout.write(`  agreement key ${body.agreementKey}\n  home ${body.home}\n`)
        } else if (status === 404)
          process.stdout.write(`${body.nick}: not registered (height ${body.height})\n`)
        else throw new TypeError(body.error ?? `admin endpoint answered HTTP ${status}`)
        if (status !== 200) process.exitCode = 1
      }),
    )
}
