/**
 * An in-process libp2p peer with a real certificate from a running registry, speaking
 * /xlattice/msg/1.0.0 frame by frame, so tests can send what an honest node never would:
 * replays, forged `from`s, someone else's certificate, bad signatures, fuzz.
 */
import '../../lib/polyfill.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { MSG_PROTOCOL } from '../../gateway/messaging/constants.js'
import { encodeEnvelope } from '../../gateway/messaging/envelope.js'
import { FrameWriter, readFrames } from '../../gateway/messaging/framing.js'
import { decodeFrame, helloFrame, messageFrame } from '../../gateway/messaging/hello.js'
import { Message, Mode } from '../../gateway/messaging/messaging.pb.js'
import { createHost, type Host } from '../../gateway/p2p/host.js'
import { RegistryClient, sealPeerRecord } from '../../gateway/index.js'
import { ed25519Generate, Signer, x25519Generate } from '../../lib/crypto.js'
import { fromB64u, toHex } from '../../lib/encoding.js'
import type { SignedCertificate } from '../../gateway/registry/registry.pb.js'

export interface Exchange {
  ack?: bigint
  refusal?: string
}

export interface PeerStream {
  stream: Stream
  /** The NodeID in the node's Hello, when it answered with one. */
  remoteNodeId?: string
  /** The refusal code, when it refused our Hello. */
  refusal?: string
  /** Sends raw bytes (already length-prefixed frames or junk). */
  raw(bytes: Uint8Array): void
  /** Length-prefixes and sends frames, waiting for drain; rejects once the stream is closed. */
  send(frames: Uint8Array[]): Promise<void>
  /** True once the node has closed or reset the stream. */
  ended(): boolean
  /** Sends frames and collects what comes back: an ack, or a refusal (and an ack if one follows). */
  exchange(...frames: Uint8Array[]): Promise<Exchange>
  /** Every frame received so far, decoded loosely. */
  received(): Exchange[]
  close(): Promise<void>
}

export interface RegisteredPeer {
  host: Host
  signer: Signer
  nodeId: string
  nodeIdBytes: Uint8Array
  certificate: SignedCertificate
  open(addr: Multiaddr, opts?: { certificateOf?: string }): Promise<PeerStream>
  message(m: {
    to: Uint8Array
    seq: bigint
    text: string
    from?: Uint8Array
    badSignature?: boolean
  }): Uint8Array
  stop(): Promise<void>
}

export async function registeredPeer(registryAddr: string): Promise<RegisteredPeer> {
  const privateKey = await generateKeyPair('Ed25519')
  const host = await createHost({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], dht: false })
  const signer = new Signer({ seed: privateKey.raw.subarray(0, 32), publicKey: privateKey.publicKey.raw })
  const client = new RegistryClient(host, registryAddr)
  const record = await sealPeerRecord(
    privateKey,
    host.getMultiaddrs().map((a) => a.decapsulateCode(421).toString()),
  )
  const { certificate, cert } = await client.register(
    { signer, commsPublicKey: x25519Generate().publicKey },
    record,
  )
  await client.close()
  const stranger = new Signer(ed25519Generate())

  const open = async (addr: Multiaddr, opts: { certificateOf?: string } = {}): Promise<PeerStream> => {
    let presented = certificate
    if (opts.certificateOf !== undefined) {
      const saved = JSON.parse(await readFile(join(opts.certificateOf, 'node-certificate.json'), 'utf8'))
      presented = { certificate: fromB64u(saved.certificate), signature: fromB64u(saved.signature) }
    }
    const stream = await host.dialProtocol(addr, MSG_PROTOCOL)
    const writer = new FrameWriter(stream)
    const inbox: Exchange[] = []
    const waiters: (() => void)[] = []
    let ended = false
    const notify = () => {
      for (const w of waiters.splice(0)) w()
    }
    void (async () => {
      try {
        for await (const raw of readFrames(stream)) {
          const f = decodeFrame(raw)
          inbox.push({
            ack: f.ack?.seq,
            refusal: f.refusal?.code,
            ...(f.hello ? { hello: f.hello } : {}),
          } as Exchange)
          notify()
        }
      } catch {
        // stream reset: nothing more will come
      } finally {
        ended = true
        notify()
      }
    })()
    const next = async (timeoutMs: number): Promise<(Exchange & { hello?: any }) | undefined> => {
      const deadline = Date.now() + timeoutMs
      while (inbox.length === 0 && !ended && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, deadline - Date.now())
          waiters.push(() => {
            clearTimeout(t)
            resolve()
          })
        })
      }
      return inbox.shift()
    }
    await writer.write([helloFrame({ nodeId: '', nodeIdBytes: new Uint8Array(), certificate: presented })])
    const first = await next(5000)
    const ps: PeerStream = {
      stream,
      raw: (bytes) => {
        stream.send(bytes)
      },
      send: (frames) => writer.write(frames),
      ended: () => ended,
      received: () => inbox.splice(0),
      exchange: async (...frames) => {
        await writer.write(frames)
        const out: Exchange = {}
        for (let f = await next(5000); f !== undefined; f = await next(out.refusal && !out.ack ? 300 : 0)) {
          if (f.refusal !== undefined) out.refusal = f.refusal
          if (f.ack !== undefined) out.ack = f.ack
          if (out.ack !== undefined) break
        }
        return out
      },
      close: async () => {
        await stream.close().catch(() => stream.abort(new Error('close')))
      },
    }
    const hello = (first as any)?.hello
    if (hello !== undefined) {
      const { NodeCertificate } = await import('../../gateway/registry/registry.pb.js')
      ps.remoteNodeId = toHex(NodeCertificate.decode(hello.certificate).nodeId)
    } else ps.refusal = first?.refusal
    return ps
  }

  return {
    host,
    signer,
    nodeId: toHex(cert.nodeId),
    nodeIdBytes: cert.nodeId,
    certificate,
    open,
    message: (m) => {
      const body = encodeEnvelope({
        from: m.from ?? cert.nodeId,
        to: m.to,
        seq: m.seq,
        timestamp: Date.now(),
        kind: 'text',
        payload: new TextEncoder().encode(m.text),
      })
      const by = m.badSignature === true ? stranger : signer
      return messageFrame(
        Message.encode({ mode: Mode.PLAINTEXT_SIGNED, body, signature: by.sign('xlattice/msg/v1', body) }),
      )
    },
    stop: async () => {
      await host.stop()
    },
  }
}
