/**
 * Baseline (c) of bench/xmpp.bench.ts, the floor of any design that attaches a process to each
 * XMPP server as a component and joins the two: one process per server, attached with
 * @xmpp/component, the two joined by one plain TCP socket. A message to `user@<own domain>` from
 * `sender@server/res` leaves on the peer's server as `sender@<peer domain>` -> `user@<peer host>`.
 * Nothing is stored, signed, encrypted, acknowledged or looked up: the parse, the two address
 * rewrites and the serialisation are all it does, so what the lattice costs beyond this is its own.
 *
 * Run as a child process, one per server (`node --import tsx bench/xmpp-relay.ts` with JSON
 * options as the one argument: service, domain, secret, peerDomain, peerHost, and either
 * listen: true or connect: PORT); prints `{"ready":true,"port":...}` once attached (the listening one
 * before its peer has joined: messages until then are dropped).
 */
import net from 'node:net'
import { component } from '@xmpp/component'

interface Options {
  service: string
  domain: string
  secret: string
  peerDomain: string
  peerHost: string
  listen?: boolean
  connect?: number
}

const o = JSON.parse(process.argv[2]) as Options
const xmpp = component({ service: o.service, domain: o.domain, password: o.secret })
xmpp.on('connect', () => xmpp.socket?.setNoDelay?.(true))
xmpp.on('error', (err: Error) => process.stderr.write(`relay ${o.domain}: ${err.message}\n`))

let peer: net.Socket | undefined
const join = (s: net.Socket) => {
  peer = s
  s.setNoDelay(true)
  let pending: Buffer = Buffer.alloc(0)
  s.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const n = pending.readUInt32BE(0)
      if (pending.length < 4 + n) break
      xmpp.socket?.write(pending.subarray(4, 4 + n))
      pending = pending.subarray(4 + n)
    }
  })
  s.on('close', () => process.exit(0))
}
let port = 0
if (o.connect !== undefined) {
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(o.connect as number, '127.0.0.1', () => resolve(join(s)))
    s.once('error', reject)
  })
} else {
  const server = net.createServer((s) => {
    server.close()
    join(s)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as net.AddressInfo).port
}

// Frames on the peer socket: a 4-byte length, then the serialised stanza.
xmpp.on('stanza', (stanza) => {
  if (!stanza.is('message')) return
  const to = String(stanza.attrs.to ?? '')
  const from = String(stanza.attrs.from ?? '')
  if (!to.includes('@') || !from.includes('@')) return
  const user = to.slice(0, to.indexOf('@'))
  const sender = from.slice(0, from.indexOf('@'))
  stanza.attrs.to = `${user}@${o.peerHost}`
  stanza.attrs.from = `${sender}@${o.peerDomain}`
  const body = Buffer.from(stanza.toString())
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length)
  peer?.write(Buffer.concat([head, body]))
})

process.on('SIGTERM', () => process.exit(0))

await xmpp.start()
process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`)
