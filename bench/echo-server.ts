/**
 * Baseline peer: the same libp2p host configuration as the registry, answering each
 * length-prefixed frame on `/xlattice/bench-echo/1.0.0` with a frame of the requested size.
 * Prints the ready line like an `xlattice` process.
 */
import '../lib/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHost } from '../gateway/p2p/host.js'
import { serveStream } from '../gateway/p2p/rpc.js'
import { logger } from '../lib/log.js'

import { ECHO_PROTOCOL } from './lib.js'
const replySize = Number(process.env.ECHO_REPLY_BYTES ?? 256)

const host = await createHost({
  privateKey: await generateKeyPair('Ed25519'),
  listen: ['/ip4/127.0.0.1/tcp/0'],
})
const reply = new Uint8Array(replySize)
await host.handle(
  ECHO_PROTOCOL,
  (stream) =>
    serveStream(stream, {
      maxFrameBytes: 1 << 20,
      idleMs: 120_000,
      log: logger('bench:echo'),
      handle: async () => reply,
      oversize: () => new Uint8Array(),
    }),
  { maxInboundStreams: 64 },
)
process.stdout.write(
  `${JSON.stringify({ ready: true, admin: '', peerId: host.peerId.toString(), listen: host.getMultiaddrs().map(String) })}\n`,
)
process.on('SIGTERM', () => {
  Promise.resolve(host.stop()).then(() => process.exit(0))
})
