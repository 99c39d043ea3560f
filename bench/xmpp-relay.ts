/**
 * Baseline (c) of bench/xmpp.bench.ts, the floor of any design that attaches a process to each
 * XMPP server as a component and joins the two: one process per server, attached with
 * @xmpp/component, the two joined by one plain TCP socket. A message to `user@<own domain>` from
 * `sender@server/res` leaves on the peer's server as `sender@<peer domain>` -> `user@<peer host>`.
 * Nothing is stored, signed, encrypted, acknowledged or looked up: the parse, the two address
 * rewrites and the serialisation are all it does, so what the lattice costs beyond this is its own.
 *
 * Baseline (d) is the same relay with the lattice's own libp2p host between the two processes
 * (`libp2p: true`: TCP, Noise, Yamux as gateway/p2p/host.ts configures them for a node; one
 * stream, length-prefixed frames): what the p2p transport itself adds to (c).
 *
 * Run as a child process, one per server (`node --import tsx bench/xmpp-relay.ts` with JSON
 * options as the one argument: service, domain, secret, peerDomain, peerHost, libp2p, and either
 * listen: true or connect: PORT (or the listener's multiaddr with libp2p)); prints
 * `{"ready":true,"port":...,"addr":...}` once attached (the listening one before its peer has
 * joined: messages until then are dropped).
 */
import net from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { component } from '@xmpp/component'
import { createHost } from '../gateway/p2p/host.js'
import { decodeChunk, packFrames } from '../gateway/p2p/frames.js'

interface Options {
  service: string
  domain: string
  secret: string
  peerDomain: string
  peerHost: string
  listen?: boolean
  connect?: number | string
  libp2p?: boolean
}

const PROTOCOL = '/xlattice/bench-relay/1.0.0'
const MAX_FRAME = 1 << 20

const o = JSON.parse(process.argv[2]) as Options
const xmpp = component({ service: o.service, domain: o.domain, password: o.secret })
xmpp.on('connect', () => xmpp.socket?.setNoDelay?.(true))
xmpp.on('error', (err: Error) => process.stderr.write(`relay ${o.domain}: ${err.message}\n`))

/** Writes one serialised stanza to the peer relay. */
let toPeer: ((stanza: Buffer) => void) | undefined

/**
 * Joins the peer relay over either transport: frames are a varint length, then the serialised
 * stanza, each written on to this relay's server as it arrives.
 */
const joinPeer = (
  send: (bytes: Uint8Array) => void,
  onChunk: (take: (chunk: Uint8Array) => void) => void,
) => {
  toPeer = (body) => send(packFrames([body]))
  const decoder = new LengthPrefixedDecoder({ maxDataLength: MAX_FRAME, maxBufferSize: 4 * MAX_FRAME })
  onChunk((chunk) => decodeChunk(decoder, chunk, MAX_FRAME, (frame) => xmpp.socket?.write(frame)))
}

const joinStream = (s: Stream) => {
  joinPeer(
    (bytes) => s.send(bytes),
    (take) => s.addEventListener('message', (evt) => take(evt.data.subarray())),
  )
  s.addEventListener('close', () => process.exit(0))
}

const join = (s: net.Socket) => {
  s.setNoDelay(true)
  joinPeer(
    (bytes) => s.write(bytes),
    (take) => s.on('data', take),
  )
  s.on('close', () => process.exit(0))
}
let port = 0
let addr = ''
if (o.libp2p === true) {
  const host = await createHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: o.listen === true ? ['/ip4/127.0.0.1/tcp/0'] : [],
    dht: false,
  })
  if (o.listen === true) {
    await host.handle(PROTOCOL, (stream: Stream) => joinStream(stream))
    addr = host.getMultiaddrs()[0].toString()
  } else {
    joinStream(await host.dialProtocol(multiaddr(String(o.connect)), PROTOCOL))
  }
} else if (o.connect !== undefined) {
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

xmpp.on('stanza', (stanza) => {
  if (!stanza.is('message')) return
  const to = String(stanza.attrs.to ?? '')
  const from = String(stanza.attrs.from ?? '')
  if (!to.includes('@') || !from.includes('@')) return
  const user = to.slice(0, to.indexOf('@'))
  const sender = from.slice(0, from.indexOf('@'))
  stanza.attrs.to = `${user}@${o.peerHost}`
  stanza.attrs.from = `${sender}@${o.peerDomain}`
  toPeer?.(Buffer.from(stanza.toString()))
})

process.on('SIGTERM', () => process.exit(0))

await xmpp.start()
process.stdout.write(`${JSON.stringify({ ready: true, port, addr })}\n`)
