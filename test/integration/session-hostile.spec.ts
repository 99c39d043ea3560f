/**
 * Bad input on /xlattice/session/1.0.0 at a real node process (seed rows 0.0.6, 0.0.7): more
 * than 10,000 frames from a peer holding a real certificate. Before the handshake: random
 * bytes, HandshakeMessages with mutated fields, valid IK and XX first messages mutated, bad
 * length prefixes, junk instead of XX's third message, someone else's certificate or an
 * untrusted issuer's. After honest handshakes: junk and mutated transport frames (wrong
 * session, far epochs, counters at 2^64-1, replays), bad packing sealed under the session,
 * junk inner Frames, junk and forged SEALED messages, huge counts. Nothing crashes or fails
 * with an unnamed error, every refusal is the one expected, nothing fuzzed is delivered, a
 * valid message still is, and the node's memory and open file descriptors stay bounded.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Channel } from '../../gateway/messaging/channel.js'
import { FrameWriter, readFrames } from '../../gateway/messaging/framing.js'
import { decodeFrame, messageFrame } from '../../gateway/messaging/hello.js'
import { Envelope, Frame, Message, Mode } from '../../gateway/messaging/messaging.pb.js'
import { packFrames } from '../../gateway/p2p/frames.js'
import { issueCertificate } from '../../gateway/registry/certificate.js'
import { SignedCertificate } from '../../gateway/registry/registry.pb.js'
import {
  DhKey,
  MAX_FRAME_BYTES as MAX_TRANSPORT_BYTES,
  MAX_PLAINTEXT_BYTES,
  SESSION_PROTOCOL,
} from '../../gateway/session/index.js'
import { HandshakeMessage, SealedMessage, TransportFrame } from '../../gateway/session/session.pb.js'
import { ed25519Generate, randomBytes, Signer, x25519Generate } from '../../lib/crypto.js'
import type { Started } from '../../lib/child.js'
import { fromB64u, fromHex } from '../../lib/encoding.js'
import { procUsage } from '../helpers/p2p.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'
import { type Exchange, type InitiatorOptions, type RegisteredPeer, registeredPeer } from './node-peer.js'

const rnd = (n: number) => Math.floor(Math.random() * n)
const pick = <T>(xs: T[]): T => xs[rnd(xs.length)]
/** Picks by weight: [[weight, value], ...]. */
function weighted<T>(xs: [number, T][]): T {
  let r = Math.random() * xs.reduce((n, [w]) => n + w, 0)
  for (const [w, x] of xs) {
    r -= w
    if (r < 0) return x
  }
  return xs[xs.length - 1][1]
}

/** A protobuf field header. */
const tag = (field: number, wire: number) => (field << 3) | wire

function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return new Uint8Array(out)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** A HandshakeMessage by hand, so pattern and step can be anything a varint holds. */
function handshakeMessage(pattern: number, step: number, noise: Uint8Array, noiseLength = noise.length) {
  return concat(
    new Uint8Array([tag(1, 0)]),
    varint(pattern),
    new Uint8Array([tag(2, 0)]),
    varint(step),
    new Uint8Array([tag(3, 2)]),
    varint(noiseLength),
    noise,
  )
}

/** A valid message with bit flips, a truncation, an extension or a splice. */
function mutate(valid: Uint8Array): Uint8Array {
  const base = valid.slice()
  switch (rnd(4)) {
    case 0:
      for (let k = 1 + rnd(4); k > 0; k--) base[rnd(base.length)] ^= 1 << rnd(8)
      return base
    case 1:
      return base.subarray(0, rnd(base.length))
    case 2:
      return concat(base, randomBytes(1 + rnd(40)))
    default: {
      const at = rnd(base.length)
      base.set(randomBytes(Math.min(1 + rnd(8), base.length - at)), at)
      return base
    }
  }
}

/** What the fuzz aims at: the node, its certified key and certificate, and the peers playing. */
interface Target {
  addr: Multiaddr
  nodeId: string
  nodeComms: Uint8Array
  nodeCertificate: Uint8Array
  peer: RegisteredPeer
  /** Another registered node, whose certificate and key the peer presents as its own. */
  other: RegisteredPeer
}

/** Frames sent, and refusals the node must have counted for them, by reason. */
interface Tally {
  frames: number
  streams: number
  byCase: Record<string, number>
  mustCount: Record<string, number>
  /** Cases that could not send: the node reset the new stream (its per-connection stream limit). */
  failed: Record<string, number>
}

function tally(): Tally {
  return { frames: 0, streams: 0, byCase: {}, mustCount: {}, failed: {} }
}

/** Reads one frame within `ms`, or undefined. */
async function nextWithin(frames: AsyncIterator<Uint8Array>, ms: number): Promise<Uint8Array | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  const next = frames.next().then(
    (n) => (n.done === true ? undefined : n.value),
    () => undefined,
  )
  const got = await Promise.race([next, timeout])
  clearTimeout(timer)
  return got
}

/**
 * One pre-handshake case: sends on a fresh stream and returns how many frames it sent and the
 * reason the node must count (none when the input may pass, or only ends the stream).
 */
type PreCase = (t: Target, s: Stream) => Promise<{ frames: number; counts?: string }>

/** XX up to the third message: our first, the node's second; returns our honest third (not sent). */
async function xxThird(t: Target, s: Stream, opts: InitiatorOptions = {}): Promise<Uint8Array> {
  const frames = readFrames(s, MAX_TRANSPORT_BYTES)[Symbol.asyncIterator]()
  const { handshake, send: first } = t.peer.initiator({ to: t.nodeId, ...opts })
  await new FrameWriter(s).write([first])
  const second = await nextWithin(frames, 5000)
  assert.ok(second !== undefined, 'the node answers an XX first message')
  const third = handshake.receive(second, Date.now()).send
  assert.ok(third !== undefined)
  return third
}

/** Certificates and keys the peer presents that the node must refuse. */
function badIdentities(t: Target): (() => InitiatorOptions)[] {
  const untrusted = SignedCertificate.encode(
    issueCertificate(new Signer(ed25519Generate()), {
      nodeId: randomBytes(32),
      sigPublicKey: t.peer.signer.publicKey,
      commsPublicKey: t.peer.comms.publicKey,
      issuedAt: Date.now(),
    }),
  )
  const otherKey = DhKey.fromPrivate(t.other.comms.privateKey)
  const strangerKey = DhKey.generate()
  return [
    // Another node's real certificate and X25519 key: not this connection's Ed25519 key.
    () => ({ certificate: SignedCertificate.encode(t.other.certificate), staticKey: otherKey }),
    // The node's own certificate, presented back to it.
    () => ({ certificate: t.nodeCertificate }),
    // Our certificate, another static key: the proved key is not the certified one.
    () => ({ staticKey: strangerKey }),
    // A certificate from an issuer the node does not trust.
    () => ({ certificate: untrusted }),
    // Junk, nothing, or too much where the certificate goes.
    () => ({ certificate: randomBytes(1 + rnd(300)) }),
    () => ({ certificate: new Uint8Array(0) }),
    () => ({ certificate: randomBytes(2100 + rnd(1000)) }),
  ]
}

function preCases(t: Target): [number, string, PreCase][] {
  const ik = () => t.peer.initiator({ to: t.nodeId, remoteStatic: t.nodeComms }).send
  const valid = [
    ...Array.from({ length: 8 }, ik),
    ...Array.from({ length: 4 }, () => t.peer.initiator().send),
  ]
  const identities = badIdentities(t)
  const one =
    (bytes: () => Uint8Array, counts?: string): PreCase =>
    async (_t, s) => {
      s.send(bytes())
      return { frames: 1, counts }
    }
  const framed = (bytes: () => Uint8Array, counts?: string) => one(() => packFrames([bytes()]), counts)
  const hs = 'handshake'
  return [
    [12, 'random bytes', framed(() => randomBytes(1 + rnd(600)))],
    // HandshakeMessage fields out of range: unknown patterns, wrong steps, Noise bytes of wrong lengths.
    [4, 'unknown pattern', framed(() => handshakeMessage(pick([0, 3, 99, 2 ** 31]), 0, randomBytes(96)), hs)],
    [
      4,
      'wrong step',
      framed(() => handshakeMessage(1 + rnd(2), pick([1, 2, 7, 2 ** 32 - 1]), randomBytes(96)), hs),
    ],
    [
      4,
      'noise of a wrong length',
      framed(
        () =>
          pick([
            () => handshakeMessage(1, 0, randomBytes(pick([0, 31, 32, 79, 80, 95]))),
            () => handshakeMessage(2, 0, randomBytes(rnd(32))),
            () => handshakeMessage(1 + rnd(2), 0, randomBytes(4500 + rnd(2000))),
          ])(),
        hs,
      ),
    ],
    [
      2,
      'noise claiming a huge length',
      framed(() => handshakeMessage(1 + rnd(2), 0, randomBytes(64), pick([2 ** 32 - 1, 65_000, 4097])), hs),
    ],
    // Valid IK and XX first messages with bit flips, truncations, extensions, splices.
    [14, 'mutated first message', framed(() => mutate(pick(valid)))],
    // A valid IK first message again: the node completes a session nobody can use (session.md).
    [1, 'replayed IK first message', framed(() => pick(valid.slice(0, 8)))],
    // Bad length prefixes: huge claims, a prefix that never ends, truncated frames.
    [
      2,
      'length prefix claiming 4 GiB',
      one(() => new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), 'too_large'),
    ],
    [
      2,
      'frame over the limit',
      one(() => concat(varint(MAX_TRANSPORT_BYTES + 1 + rnd(1000)), randomBytes(200)), 'too_large'),
    ],
    [1, 'length prefix that never ends', one(() => new Uint8Array(300_000).fill(0xff), 'too_large')],
    [2, 'over-long varint, then close', one(() => new Uint8Array(11).fill(0xff))],
    [2, 'truncated frame', one(() => concat(varint(200 + rnd(2000)), randomBytes(rnd(150))))],
    [1, 'empty frame', one(() => new Uint8Array([0]), hs)],
    // XX: a valid first message, then junk instead of the third.
    [
      8,
      'junk instead of the XX third message',
      async (t, s) => {
        const third = await xxThird(t, s)
        const { noise } = HandshakeMessage.decode(third)
        const [junk, counts] = pick<[Uint8Array, string | undefined]>([
          [randomBytes(1 + rnd(200)), undefined], // may happen to decode as a message of step 2
          [mutate(third), undefined], // trailing junk can leave the message valid
          [handshakeMessage(2, pick([0, 1, 3]), noise), hs],
          [handshakeMessage(1, 2, noise), hs],
          [handshakeMessage(2, 2, randomBytes(64 + rnd(300))), hs],
          [handshakeMessage(2, 2, noise.subarray(0, rnd(noise.length))), hs],
        ])
        await new FrameWriter(s).write([junk])
        return { frames: 2, counts }
      },
    ],
    // Someone else's certificate, an untrusted issuer's, the wrong static key: in IK's first
    // message, or in XX's third.
    [
      5,
      'bad identity (IK)',
      framed(
        () => t.peer.initiator({ to: t.nodeId, remoteStatic: t.nodeComms, ...pick(identities)() }).send,
        hs,
      ),
    ],
    [
      3,
      'bad identity (XX)',
      async (t, s) => {
        await new FrameWriter(s).write([await xxThird(t, s, pick(identities)())])
        return { frames: 2, counts: hs }
      },
    ],
  ]
}

/** Runs `n` pre-handshake cases, each on its own stream, `parallel` streams at a time. */
async function preHandshake(t: Target, n: number, parallel: number): Promise<Tally> {
  const out = tally()
  const cases = preCases(t).map((c) => [c[0], c] as [number, [number, string, PreCase]])
  let left = n
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) {
        const [, name, run] = weighted(cases)
        const s = await t.peer.host.dialProtocol(t.addr, SESSION_PROTOCOL)
        try {
          const { frames, counts } = await run(t, s)
          out.frames += frames
          out.byCase[name] = (out.byCase[name] ?? 0) + frames
          if (counts !== undefined) out.mustCount[counts] = (out.mustCount[counts] ?? 0) + 1
        } catch (err) {
          const what = `${name}: ${(err as Error).message}`
          out.failed[what] = (out.failed[what] ?? 0) + 1
        } finally {
          out.streams++
          await s.close().catch(() => s.abort(new Error('done')))
        }
      }
    }),
  )
  return out
}

/** SEALED messages the node must refuse, sealed once and reused (a seal under a new key costs a KEM). */
interface Pools {
  /** The first honest message again. */
  duplicate: Uint8Array
  fromMismatch: Uint8Array[]
  wrongRecipient: Uint8Array[]
  /** Sealed with a key that is not the certified one, claiming our NodeID. */
  wrongKey: Uint8Array[]
  /** The sealed sequence is not the envelope's. */
  seqMismatch: Uint8Array[]
  /** A validly sealed envelope of 20,000 repeated fields. */
  repeatedFields: Uint8Array[]
  /** Honest messages that skip sequence numbers. */
  skip: Uint8Array[]
  /** The `enc` of an epoch the node has opened a message under: junk under it costs no KEM. */
  enc: Uint8Array
}

async function pools(t: Target, duplicate: Uint8Array): Promise<Pools> {
  const to = fromHex(t.nodeId)
  let seq = 1000n
  const seal = async (e: Partial<Envelope> = {}, sealAs = t.peer.comms) => {
    seq++
    const envelope = Envelope.encode({
      from: t.peer.nodeIdBytes,
      to,
      seq,
      timestamp: BigInt(Date.now()),
      kind: 'text',
      payload: randomBytes(8),
      ...e,
    })
    return t.peer.sealed({ to: t.nodeId, toComms: t.nodeComms, seq, envelope, sealAs })
  }
  const many = async (n: number, f: () => Promise<Uint8Array>) => {
    const out: Uint8Array[] = []
    for (let i = 0; i < n; i++) out.push(await f())
    return out
  }
  const froms = [randomBytes(32), t.other.nodeIdBytes, to]
  const repeated = new Uint8Array(40_000)
  for (let i = 0; i < repeated.length; i += 2) repeated[i] = tag(pick([1, 2, 5]), 2) // from, to, kind: empty
  const stranger = x25519Generate()
  return {
    duplicate,
    fromMismatch: await many(12, () => seal({ from: pick(froms) })),
    wrongRecipient: await many(6, () => seal({ to: pick([t.other.nodeIdBytes, t.peer.nodeIdBytes]) })),
    seqMismatch: await many(6, () => seal({ seq: pick([1n, 2n, seq + 2n]) })),
    repeatedFields: await many(1, async () => {
      seq++
      return t.peer.sealed({ to: t.nodeId, toComms: t.nodeComms, seq, envelope: repeated })
    }),
    wrongKey: await many(4, () => seal({}, stranger)),
    skip: await many(4, () => {
      const skipTo = pick([3n, 4n, 1000n, 2n ** 64n - 1n])
      return t.peer.sealed({ to: t.nodeId, toComms: t.nodeComms, seq: skipTo, text: 'skips ahead' })
    }),
    enc: SealedMessage.decode(Frame.decode(duplicate).message!.body).enc,
  }
}

/** One junk inner Frame and the refusal it must get ('*': any). */
type Inner = () => { frame: Uint8Array; expect: string }

function innerCases(t: Target, p: Pools): [number, Inner][] {
  const sealedBody = (body: Uint8Array) =>
    messageFrame(Message.encode({ mode: Mode.SEALED, body, signature: new Uint8Array(0) }))
  const junkSealed = (m: Partial<SealedMessage>) =>
    sealedBody(
      SealedMessage.encode({
        senderNodeId: t.peer.nodeIdBytes,
        sequence: 2n,
        enc: p.enc,
        ct: randomBytes(40),
        ...m,
      }),
    )
  const huge = new Uint8Array(60_000)
  for (let i = 0; i < huge.length; i += 2) huge[i] = tag(9, 2)
  const honestBody = Frame.decode(p.duplicate).message!.body
  const any = (frame: Uint8Array) => ({ frame, expect: '*' })
  const is = (expect: string) => (frame: Uint8Array) => ({ frame, expect })
  return [
    [10, () => any(randomBytes(1 + rnd(500)))],
    // Frames a dialler never sends after the handshake: Hellos, Acks, Refusals, nothing.
    [
      4,
      () =>
        is('BAD_FRAME')(
          pick([
            () =>
              Frame.encode({
                hello: { version: 1, certificate: randomBytes(150), certificateSignature: randomBytes(64) },
              }),
            () => Frame.encode({ ack: { seq: BigInt(rnd(10)) } }),
            () => Frame.encode({ refusal: { code: 'BAD_FRAME' as any, text: 'no', seq: 1n } }),
            () => new Uint8Array(0),
          ])(),
        ),
    ],
    [
      3,
      () =>
        is('UNSUPPORTED_MODE')(
          Frame.encode({
            message: {
              mode: pick([Mode.MODE_UNKNOWN, Mode.SESSION]),
              body: randomBytes(rnd(200)),
              signature: new Uint8Array(0),
            },
          }),
        ),
    ],
    [
      3,
      () =>
        is('BAD_SIGNATURE')(
          Frame.encode({
            message: { mode: Mode.PLAINTEXT_SIGNED, body: honestBody, signature: randomBytes(64) },
          }),
        ),
    ],
    // Junk SEALED bodies: random bytes, wrong field lengths, an unknown sender, a junk ct in a known epoch.
    [6, () => is('BAD_CIPHERTEXT')(sealedBody(randomBytes(rnd(300))))],
    [
      6,
      () =>
        is('BAD_CIPHERTEXT')(
          pick([
            () => junkSealed({ sequence: pick([1n, 2n, 2n ** 64n - 1n]), ct: randomBytes(16 + rnd(100)) }),
            () => junkSealed({ senderNodeId: randomBytes(pick([0, 31, 32, 33])) }),
            () => junkSealed({ enc: randomBytes(pick([0, 31, 33])) }),
            () => junkSealed({ ct: randomBytes(rnd(16)) }),
          ])(),
        ),
    ],
    // A fresh `enc`, or another sender key: the node runs a KEM for each (and caches none), so fewer.
    [1, () => is('BAD_CIPHERTEXT')(junkSealed({ enc: randomBytes(32) }))],
    [1, () => is('BAD_CIPHERTEXT')(pick(p.wrongKey))],
    [3, () => is('BAD_CIPHERTEXT')(pick(p.seqMismatch))],
    [3, () => is('FROM_MISMATCH')(pick(p.fromMismatch))],
    [3, () => is('WRONG_RECIPIENT')(pick(p.wrongRecipient))],
    // A replay of the first honest message: refused, never delivered again, acked.
    [3, () => is('DUPLICATE')(p.duplicate)],
    [5, () => any(mutate(p.duplicate))],
    // Huge counts: 30,000 repeated unknown fields in one Frame, 20,000 in a sealed envelope.
    [1, () => is('BAD_FRAME')(huge)],
    [1, () => is('BAD_FRAME')(pick(p.repeatedFields))],
  ]
}

type Session = Awaited<ReturnType<RegisteredPeer['session']>>

/**
 * How a session ends: one transport frame the node cannot trust (or a close), after which it
 * answers with the returned code (none: it only closes) and closes the stream.
 */
type Ending = (s: Session, p: Pools, sent: Uint8Array[]) => Promise<string | undefined>

/** Whether two encoded transport frames decode to the same fields. */
function sameFrame(a: Uint8Array, b: Uint8Array): boolean {
  let x: TransportFrame
  try {
    x = TransportFrame.decode(a)
  } catch {
    return false
  }
  const y = TransportFrame.decode(b)
  return (
    Buffer.from(x.sessionId).equals(y.sessionId) &&
    x.epoch === y.epoch &&
    x.counter === y.counter &&
    Buffer.from(x.ciphertext).equals(y.ciphertext)
  )
}

function endings(): [number, string, Ending][] {
  // The next transport frame an honest peer would send, to be mutated.
  const next = (s: Session) => TransportFrame.decode(s.pack([Frame.encode({ ack: { seq: 1n } })]))
  const refused = async (s: Session, frame: Uint8Array) => {
    await s.send([frame])
    return 'BAD_CIPHERTEXT'
  }
  const flipped: Ending = (s) => {
    const valid = TransportFrame.encode(next(s))
    for (;;) {
      const f = valid.slice()
      for (let k = 1 + rnd(3); k > 0; k--) f[rnd(f.length)] ^= 1 << rnd(8)
      // A flip in a field's wire type can leave every field as it was (protobuf decoders skip
      // the wire type of a known field): the same authentic frame, which opens. Not a mutation.
      if (!sameFrame(f, valid)) return refused(s, f)
    }
  }
  const edited =
    (edit: () => Partial<TransportFrame>): Ending =>
    (s) =>
      refused(s, TransportFrame.encode({ ...next(s), ...edit() }))
  return [
    [3, 'random transport frame', (s) => refused(s, randomBytes(1 + rnd(1000)))],
    [4, 'bit flips', flipped],
    [2, 'wrong sessionId', edited(() => ({ sessionId: randomBytes(pick([8, 8, 0, 7, 9])) }))],
    [2, 'far-future epoch', edited(() => ({ epoch: pick([5, 1000, 2 ** 32 - 1]) }))],
    [2, 'near epoch, old key', edited(() => ({ epoch: 1 + rnd(4) }))],
    [2, 'huge counter', edited(() => ({ counter: pick([2n ** 64n - 1n, 2n ** 63n, 2n ** 53n]) }))],
    [3, 'replayed transport frame', (s, _p, sent) => refused(s, pick(sent))],
    // Sealed under the session, but the packing inside is broken.
    [
      4,
      'bad packing',
      (s) =>
        refused(
          s,
          s.seal(
            pick([
              () => new Uint8Array(11).fill(0xff), // a length prefix that never ends
              () => concat(varint(100 + rnd(100)), randomBytes(rnd(99))), // a truncated inner frame
              () => concat(varint(65_537 + rnd(1_000_000)), randomBytes(500)), // an inner frame over 64 KiB
              () => concat(packFrames([Frame.encode({})]), new Uint8Array([0x80])), // a truncated prefix
            ])(),
          ),
        ),
    ],
    // Raw: a transport frame over the limit, or a length prefix that never ends.
    [
      2,
      'transport frame over the limit',
      async (s) => {
        s.raw(
          pick([
            concat(varint(MAX_TRANSPORT_BYTES + 1 + rnd(10_000)), randomBytes(100)),
            new Uint8Array(300_000).fill(0xff),
          ]),
        )
        return 'TOO_LARGE'
      },
    ],
    // A truncated transport frame, then the end of the stream: nothing to answer.
    [
      1,
      'truncated transport frame, then close',
      async (s) => {
        s.raw(concat(varint(1000), randomBytes(100)))
        await s.close()
        return undefined
      },
    ],
    // An honest message that skips sequence numbers: the stream can no longer be in step.
    [
      2,
      'sequence skipped',
      async (s, p) => {
        await s.send([s.pack([pick(p.skip)])])
        return 'OUT_OF_ORDER'
      },
    ],
  ]
}

/** Frames packed into as few plaintexts as fit in a transport frame, as the node's own writer does. */
function packed(frames: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[][] = [[]]
  let size = 0
  for (const f of frames) {
    if (size + f.length + 5 > MAX_PLAINTEXT_BYTES && out[out.length - 1].length > 0) {
      out.push([])
      size = 0
    }
    out[out.length - 1].push(f)
    size += f.length + 5
  }
  return out.map(packFrames)
}

interface PostTally {
  frames: number
  inner: number
  sessions: number
  /** Refusals the peer received, by code. */
  refusals: Record<string, number>
}

/**
 * Honest handshakes (one in five XX) until `frames` transport frames are sent: each session
 * carries 5 sends of 5 slots of 1-3 junk inner Frames (packed as the node's writer packs,
 * so a slot is one transport frame unless its frames are too large together), one session in
 * 30 also a transport frame of 500 one-byte junk inner Frames, then one ending. Every refusal is
 * checked against the one expected, in order, and no ack but the duplicates' may come back.
 */
async function postHandshake(t: Target, p: Pools, frames: number): Promise<PostTally> {
  const out: PostTally = { frames: 0, inner: 0, sessions: 0, refusals: {} }
  const inner = innerCases(t, p)
  const ends = endings().map((e) => [e[0], e] as [number, [number, string, Ending]])
  for (let i = 0; out.frames < frames; i++) {
    const s = await t.peer.session(t.addr, {
      to: t.nodeId,
      remoteStatic: i % 5 === 0 ? undefined : t.nodeComms,
    })
    const expected: string[] = []
    const sent: Uint8Array[] = []
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 5 }, () => {
        const group = Array.from({ length: 1 + rnd(3) }, () => weighted(inner)())
        // Empty inner frames are dropped, as the plaintext reader drops them: no answer.
        for (const g of group) if (g.frame.length > 0) expected.push(g.expect)
        return group.map((g) => g.frame)
      }).flatMap((group) => packed(group).map((plaintext) => s.seal(plaintext)))
      if (b === 0 && rnd(30) === 0) {
        // Huge counts of another kind: 500 one-byte junk Frames in one transport frame, each refused.
        batch.push(s.seal(new Uint8Array(1000).map((_, k) => (k % 2 === 0 ? 1 : 0))))
        for (let k = 0; k < 500; k++) expected.push('BAD_FRAME')
      }
      sent.push(...batch)
      await s.send(batch)
    }
    const [, ending, end] = weighted(ends)
    const last = await end(s, p, sent)
    if (last !== undefined) expected.push(last)
    out.frames += sent.length + 1
    out.inner += expected.length - (last === undefined ? 0 : 1)
    out.sessions++
    const closed = await s.closed(10_000)
    const got: Exchange[] = s.received()
    const refusals = got.flatMap((g) => (g.refusal === undefined ? [] : [g.refusal]))
    assert.ok(closed, `the node closes the session after: ${ending}; refusals: ${refusals.join(' ')}`)
    for (const code of refusals) out.refusals[code] = (out.refusals[code] ?? 0) + 1
    assert.equal(
      refusals.length,
      expected.length,
      `one refusal per junk frame, in order, then one for ${ending}: ${refusals.join(' ')}`,
    )
    expected.forEach((e, j) => {
      if (e !== '*') assert.equal(refusals[j], e, `refusal ${j} of session ${i}: ${refusals.join(' ')}`)
    })
    for (const g of got) if (g.ack !== undefined) assert.equal(g.ack, 1n, 'only the first message is acked')
    await s.close()
  }
  return out
}

/** Log lines of the node that say something unexpected: errors, and streams ended by unnamed errors. */
function oddLogs(node: Started): string[] {
  const odd: string[] = []
  let rest = ''
  node.child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      let entry: any
      try {
        entry = JSON.parse(line)
      } catch {
        odd.push(line) // not pino: an uncaught error's stack, a runtime warning
        continue
      }
      if (entry.level >= 50) odd.push(line)
      else if (entry.msg === 'inbound message stream ended' && !EXPECTED_ENDS.test(entry.err)) odd.push(line)
    }
  })
  return odd
}

/** How an inbound session stream may end without a refusal: the peer went away. */
const EXPECTED_ENDS = /^(stream closed before the handshake|stream is (closed|closing|reset|aborted))$/

/** Every reason the fuzz must provoke, and the only ones it may. */
const REASONS = [
  'bad_ciphertext',
  'bad_frame',
  'bad_signature',
  'duplicate',
  'from_mismatch',
  'handshake',
  'out_of_order',
  'too_large',
  'unsupported_mode',
  'wrong_recipient',
]

async function firstAnswer(channel: Channel): Promise<Exchange> {
  const next = await channel.frames.next()
  assert.equal(next.done, false, 'the node answers')
  const f = decodeFrame(next.value as Uint8Array)
  return { ack: f.ack?.seq, refusal: f.refusal?.code }
}

describe('a node under hostile input on /xlattice/session/1.0.0', function () {
  this.timeout(180_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const peers: RegisteredPeer[] = []
  before(async () => {
    tmp = await tempDir('xl-shostile-')
  })
  after(async () => {
    for (const p of peers) await p.stop()
    await stopAll()
    await tmp.remove()
  })

  it('[0.0.6] [0.0.7] 10,000 fuzzed frames on /xlattice/session/1.0.0 crash nothing; a valid message is still delivered; memory and fds stay bounded', async () => {
    const registry = await startRegistry(join(tmp.path, 'registry'))
    const dir = join(tmp.path, 'n1')
    const node = await startNode(dir, registry.info.listen[0], { XLATTICE_LOG_LEVEL: 'debug' })
    const odd = oddLogs(node)
    const nodeId = (await eventually(
      'the node registered',
      async () => (await status(node.info.admin)).nodeId,
    )) as string
    const addr = multiaddr(node.info.listen[0])
    const peer = await registeredPeer(registry.info.listen[0])
    const other = await registeredPeer(registry.info.listen[0])
    peers.push(peer, other)
    // Certificates are public: the node's own, to present back to it.
    const saved = JSON.parse(await readFile(join(dir, 'node-certificate.json'), 'utf8'))
    const nodeCertificate = SignedCertificate.encode({
      certificate: fromB64u(saved.certificate),
      signature: fromB64u(saved.signature),
    })

    // XX first (the peer learns the node's certified key from it), and a first honest message,
    // so seq 1 is taken and nothing the fuzz sends can be "next".
    const first = await peer.openSession(addr, nodeId)
    const nodeComms = first.channel.peer.commsPublicKey
    const before = await peer.sealed({ to: nodeId, toComms: nodeComms, seq: 1n, text: 'before' })
    await first.channel.write([before])
    assert.deepEqual(await firstAnswer(first.channel), { ack: 1n, refusal: undefined })
    await first.stream.close()
    const base = await procUsage(node.child.pid!)
    const started = Date.now()

    const t: Target = { addr, nodeId, nodeComms, nodeCertificate, peer, other }
    // Two at a time: the node takes at most 8 session streams per connection (messaging
    // MAX_INBOUND_STREAMS), and under load its side of closed streams lingers; a stream over the
    // limit is reset before any handler sees it, so a case the test counted as sent would go
    // uncounted at the node (seen once in CI at 4 at a time: too_large 175 of 176).
    const pre = await preHandshake(t, 2000, 2)
    const post = await postHandshake(t, await pools(t, before), 10_000 - pre.frames)
    const summary = JSON.stringify({ ms: Date.now() - started, pre, post })
    assert.ok(pre.frames + post.frames >= 10_000, summary)
    const failed = Object.values(pre.failed).reduce((a, b) => a + b, 0)
    assert.ok(failed <= pre.streams / 100, `cases that could not send: ${summary}`)
    assert.equal(node.child.exitCode, null, 'the node is still running')

    // Still serving: an honest IK session from the same peer delivers and acknowledges.
    const after = await peer.openSession(addr, nodeId, nodeComms)
    await after.channel.write([
      await peer.sealed({ to: nodeId, toComms: nodeComms, seq: 2n, text: 'after the storm' }),
    ])
    assert.deepEqual(await firstAnswer(after.channel), { ack: 2n, refusal: undefined })
    await after.stream.close()
    const got = (await (await fetch(`http://${node.info.admin}/messages`)).json()).messages
    assert.deepEqual(
      got.map((m: any) => [m.text, m.mode]),
      [
        ['before', 'sealed'],
        ['after the storm', 'sealed'],
      ],
      'nothing the fuzz sent was delivered',
    )

    // Every refusal the node counted after a handshake is one the peer received; failures
    // before a session exists are counted without an answer (there is no key to answer under).
    const st = await status(node.info.admin)
    assert.equal(st.messages.received, 2)
    const rejected = st.messages.rejected as Record<string, number>
    const seen = Object.fromEntries(Object.entries(post.refusals).map(([k, v]) => [k.toLowerCase(), v]))
    const why = `${JSON.stringify(rejected)}; ${summary}`
    for (const [reason, n] of Object.entries(seen)) {
      if (reason !== 'too_large') assert.equal(rejected[reason], n, `${reason}: ${why}`)
    }
    assert.equal(rejected.too_large, (seen.too_large ?? 0) + (pre.mustCount.too_large ?? 0), why)
    assert.ok(rejected.handshake >= pre.mustCount.handshake && rejected.handshake <= pre.streams, why)
    assert.deepEqual(Object.keys(rejected).sort(), REASONS, why)
    assert.deepEqual(odd, [], 'no errors, and no stream ended by an unnamed error')

    await new Promise((r) => setTimeout(r, 1000)) // closed streams wind down
    const end = await procUsage(node.child.pid!)
    assert.ok(end.rssKb - base.rssKb < 150_000, `RSS grew by ${end.rssKb - base.rssKb} kB`)
    assert.ok(end.fds - base.fds < 20, `open fds went from ${base.fds} to ${end.fds}`)
  })
})
