/**
 * An in-process libp2p peer with a real certificate from a running registry, speaking
 * /xlattice/msg/1.0.0 frame by frame, so tests can send what an honest node never would:
 * replays, forged `from`s, someone else's certificate, bad signatures, fuzz. It keeps its
 * certified X25519 key, so it can also open /xlattice/session/1.0.0 streams: honestly through
 * the product's initiator (`openSession`), or through a driver that holds the Session and
 * seals whatever the test wants (`session`), and it seals SEALED messages (`sealed`).
 */
import '../../lib/polyfill.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type Channel, sessionInitiator } from '../../gateway/messaging/channel.js'
import { MSG_PROTOCOL, MAX_FRAME_BYTES } from '../../gateway/messaging/constants.js'
import { encodeEnvelope } from '../../gateway/messaging/envelope.js'
import { FrameWriter, readFrames } from '../../gateway/messaging/framing.js'
import { decodeFrame, helloFrame, messageFrame } from '../../gateway/messaging/hello.js'
import { Message, Mode } from '../../gateway/messaging/messaging.pb.js'
import { sealedToNode } from '../../gateway/messaging/sealer.js'
import { packFrames, unpackFrames } from '../../gateway/p2p/frames.js'
import { createHost, type Host } from '../../gateway/p2p/host.js'
import { RegistryClient, sealPeerRecord } from '../../gateway/index.js'
import { verifyCertificate } from '../../gateway/registry/certificate.js'
import {
  DhKey,
  initiate,
  MAX_FRAME_BYTES as MAX_TRANSPORT_BYTES,
  type PendingHandshake,
  type Session,
  SESSION_PROTOCOL,
} from '../../gateway/session/index.js'
import { ed25519Generate, Signer, type X25519Keys, x25519Generate } from '../../lib/crypto.js'
import { fromB64u, fromHex, toHex } from '../../lib/encoding.js'
import { SignedCertificate } from '../../gateway/registry/registry.pb.js'

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

/** A /xlattice/session/1.0.0 stream after an honest handshake, with the initiator's Session in hand. */
export interface SessionStream {
  stream: Stream
  /** Our half of the session: seals any plaintext, so the test can send what no node would. */
  session: Session
  /** Seals `plaintext` as one encoded TransportFrame (not sent). */
  seal(plaintext: Uint8Array): Uint8Array
  /** Packs messaging Frames into one plaintext and seals it, as an honest node does (not sent). */
  pack(frames: Uint8Array[]): Uint8Array
  /** Length-prefixes and sends transport frames (or junk), waiting for drain; rejects once closed. */
  send(frames: Uint8Array[]): Promise<void>
  /** Sends raw bytes: bad length prefixes, truncated frames. */
  raw(bytes: Uint8Array): void
  /** True once the node has closed or reset the stream. */
  ended(): boolean
  /** Resolves true once the node has closed or reset the stream, false after `timeoutMs`. */
  closed(timeoutMs: number): Promise<boolean>
  /** The node's Frames opened so far, decoded loosely; `UNREADABLE` for one that does not open. */
  received(): Exchange[]
  close(): Promise<void>
}

export interface InitiatorOptions {
  /** The node's certified X25519 key: IK. Absent: XX. */
  remoteStatic?: Uint8Array
  /** The NodeID dialled (hex); the node must be certified under it. */
  to?: string
  /** An encoded SignedCertificate to present instead of ours. */
  certificate?: Uint8Array
  /** A static X25519 key to prove instead of our certified one. */
  staticKey?: DhKey
}

export interface RegisteredPeer {
  host: Host
  signer: Signer
  nodeId: string
  nodeIdBytes: Uint8Array
  certificate: SignedCertificate
  /** The certified X25519 key pair (sessions, SEALED messages). */
  comms: X25519Keys
  /** The registry's key: the issuer nodes trust. */
  registryKey: Uint8Array
  open(addr: Multiaddr, opts?: { certificateOf?: string }): Promise<PeerStream>
  message(m: {
    to: Uint8Array
    seq: bigint
    text: string
    from?: Uint8Array
    badSignature?: boolean
  }): Uint8Array
  /** A session handshake's first message, as this peer (or with another certificate or key). */
  initiator(opts?: InitiatorOptions): { handshake: PendingHandshake; send: Uint8Array }
  /** An honest session through the product's initiator (gateway/messaging/channel.ts). */
  openSession(
    addr: Multiaddr,
    to: string,
    remoteStatic?: Uint8Array,
  ): Promise<{ channel: Channel; stream: Stream }>
  /** A session through a handshake driven here; throws if the node ends the stream during it. */
  session(addr: Multiaddr, opts?: InitiatorOptions): Promise<SessionStream>
  /**
   * A Frame holding a SEALED Message to `to`: `text` in an envelope (from this peer unless
   * `from`), or `envelope` bytes as given, sealed with `sealAs` (default: our certified key).
   */
  sealed(m: {
    to: string
    toComms: Uint8Array
    seq: bigint
    text?: string
    from?: Uint8Array
    envelope?: Uint8Array
    sealAs?: X25519Keys
  }): Promise<Uint8Array>
  stop(): Promise<void>
}

/** What a reader collected from the node, and a way to wait for more. */
function collector() {
  const inbox: (Exchange & { hello?: any })[] = []
  const waiters: (() => void)[] = []
  let ended = false
  const notify = () => {
    for (const w of waiters.splice(0)) w()
  }
  const wait = (deadline: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, deadline - Date.now())
      waiters.push(() => {
        clearTimeout(t)
        resolve()
      })
    })
  return {
    inbox,
    push(e: Exchange & { hello?: any }) {
      inbox.push(e)
      notify()
    },
    end() {
      ended = true
      notify()
    },
    ended: () => ended,
    async closed(timeoutMs: number): Promise<boolean> {
      const deadline = Date.now() + timeoutMs
      while (!ended && Date.now() < deadline) await wait(deadline)
      return ended
    },
    async next(timeoutMs: number): Promise<(Exchange & { hello?: any }) | undefined> {
      const deadline = Date.now() + timeoutMs
      while (inbox.length === 0 && !ended && Date.now() < deadline) await wait(deadline)
      return inbox.shift()
    },
  }
}

/** Loose decoding of what the node sends: an ack, a refusal code, or its Hello. */
function loosely(raw: Uint8Array): Exchange & { hello?: any } {
  const f = decodeFrame(raw)
  return { ack: f.ack?.seq, refusal: f.refusal?.code, ...(f.hello ? { hello: f.hello } : {}) }
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
  const comms = x25519Generate()
  const { certificate, cert } = await client.register({ signer, commsPublicKey: comms.publicKey }, record)
  const registryKey = client.registryKey
  await client.close()
  const stranger = new Signer(ed25519Generate())
  const self = { nodeId: toHex(cert.nodeId), nodeIdBytes: cert.nodeId, certificate }
  const staticKey = DhKey.fromPrivate(comms.privateKey)

  const open = async (addr: Multiaddr, opts: { certificateOf?: string } = {}): Promise<PeerStream> => {
    let presented = certificate
    if (opts.certificateOf !== undefined) {
      const saved = JSON.parse(await readFile(join(opts.certificateOf, 'node-certificate.json'), 'utf8'))
      presented = { certificate: fromB64u(saved.certificate), signature: fromB64u(saved.signature) }
    }
    const stream = await host.dialProtocol(addr, MSG_PROTOCOL)
    const writer = new FrameWriter(stream)
    const got = collector()
    void (async () => {
      try {
        for await (const raw of readFrames(stream)) got.push(loosely(raw))
      } catch {
        // stream reset: nothing more will come
      } finally {
        got.end()
      }
    })()
    await writer.write([helloFrame({ nodeId: '', nodeIdBytes: new Uint8Array(), certificate: presented })])
    const first = await got.next(5000)
    const ps: PeerStream = {
      stream,
      raw: (bytes) => {
        stream.send(bytes)
      },
      send: (frames) => writer.write(frames),
      ended: got.ended,
      received: () => got.inbox.splice(0),
      exchange: async (...frames) => {
        await writer.write(frames)
        const out: Exchange = {}
        for (
          let f = await got.next(5000);
          f !== undefined;
          f = await got.next(out.refusal && !out.ack ? 300 : 0)
        ) {
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
    const hello = first?.hello
    if (hello !== undefined) {
      const { NodeCertificate } = await import('../../gateway/registry/registry.pb.js')
      ps.remoteNodeId = toHex(NodeCertificate.decode(hello.certificate).nodeId)
    } else ps.refusal = first?.refusal
    return ps
  }

  const initiator = (opts: InitiatorOptions = {}) =>
    initiate({
      staticKey: opts.staticKey ?? staticKey,
      certificate: opts.certificate ?? SignedCertificate.encode(certificate),
      // Our driver trusts the registry's certificates; binding them to the connection is the node's job.
      verify: (bytes) => verifyCertificate(SignedCertificate.decode(bytes), [registryKey]),
      remoteStatic: opts.remoteStatic,
      expectedNodeId: opts.to === undefined ? undefined : fromHex(opts.to),
    })

  const session = async (addr: Multiaddr, opts: InitiatorOptions = {}): Promise<SessionStream> => {
    const stream = await host.dialProtocol(addr, SESSION_PROTOCOL)
    const writer = new FrameWriter(stream)
    const raw = readFrames(stream, MAX_TRANSPORT_BYTES)[Symbol.asyncIterator]()
    const { handshake, send } = initiator(opts)
    const timer = setTimeout(() => stream.abort(new Error('no handshake reply in time')), 10_000)
    await writer.write([send])
    let established: Session | undefined
    try {
      while (established === undefined) {
        const next = await raw.next()
        if (next.done === true) throw new Error('the node ended the stream during the handshake')
        const step = handshake.receive(next.value, Date.now())
        if (step.send !== undefined) await writer.write([step.send])
        established = step.established?.session
      }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    } finally {
      clearTimeout(timer)
    }
    const s = established
    const got = collector()
    void (async () => {
      try {
        for (let next = await raw.next(); next.done !== true; next = await raw.next()) {
          let frames: Uint8Array[]
          try {
            frames = unpackFrames(s.open(next.value, Date.now()), MAX_FRAME_BYTES)
          } catch {
            got.push({ refusal: 'UNREADABLE' })
            continue
          }
          for (const f of frames) got.push(loosely(f))
        }
      } catch {
        // stream reset: nothing more will come
      } finally {
        got.end()
      }
    })()
    return {
      stream,
      session: s,
      seal: (plaintext) => s.seal(plaintext, Date.now()),
      pack: (frames) => s.seal(packFrames(frames), Date.now()),
      send: (frames) => writer.write(frames),
      raw: (bytes) => {
        stream.send(bytes)
      },
      ended: got.ended,
      closed: got.closed,
      received: () => got.inbox.splice(0),
      close: async () => {
        await stream.close().catch(() => stream.abort(new Error('close')))
      },
    }
  }

  const openSession = async (addr: Multiaddr, to: string, remoteStatic?: Uint8Array) => {
    const conn = await host.dial(addr)
    const stream = await conn.newStream(SESSION_PROTOCOL)
    const remote = { remoteKey: conn.remotePeer.publicKey?.raw, remotePeer: conn.remotePeer.toString() }
    const channel = await sessionInitiator(stream, self, { staticKey }, { ...remote, to, remoteStatic }, [
      registryKey,
    ])
    return { channel, stream }
  }

  // One sealer per sealing key, so consecutive sequences share an HPKE epoch as an outbox's do.
  const sealersByKey = new Map<string, ReturnType<typeof sealedToNode>>()
  const sealed: RegisteredPeer['sealed'] = async (m) => {
    const keys = m.sealAs ?? comms
    const id = toHex(keys.publicKey)
    let sealer = sealersByKey.get(id)
    if (sealer === undefined) {
      sealer = sealedToNode(() => self, keys)
      sealersByKey.set(id, sealer)
    }
    const envelope =
      m.envelope ??
      encodeEnvelope({
        from: m.from ?? cert.nodeId,
        to: fromHex(m.to),
        seq: m.seq,
        timestamp: Date.now(),
        kind: 'text',
        payload: new TextEncoder().encode(m.text ?? ''),
      })
    const message = await sealer.seal(envelope, { nodeId: m.to, commsPublicKey: m.toComms }, m.seq)
    return messageFrame(Message.encode(message))
  }

  return {
    host,
    signer,
    nodeId: toHex(cert.nodeId),
    nodeIdBytes: cert.nodeId,
    certificate,
    comms,
    registryKey,
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
    initiator,
    openSession,
    session,
    sealed,
    stop: async () => {
      await host.stop()
    },
  }
}
