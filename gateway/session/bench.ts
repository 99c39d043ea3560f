/**
 * Micro-benchmarks of the session cores, for `npm run bench` (not a test): complete IK and XX
 * handshakes per second (both sides, fresh ephemeral keys, certificate checks stubbed to a
 * key comparison), 1 KB seal+open pairs per second on an established session, and sealed
 * node-to-node messages per second: the steady state of one SealedSender streaming to one
 * recipient (one HPKE setup per epoch) beside RFC 9180 single-shot seals (one KEM per message).
 * All on one core, in process, no I/O.
 */
import { randomBytes } from '../../lib/crypto.js'
import { type CertificateVerifier, type HandshakeConfig, initiate, respond } from './handshake.js'
import { DhKey } from './primitives.js'
import { open as openSealed, SealedReceiver, SealedSender, seal as sealSealed } from './sealed.js'
import type { Session } from './session.js'

export interface SessionBenchResult {
  ikHandshakesPerSec: number
  xxHandshakesPerSec: number
  /** One 1 KB frame sealed by one side and opened by the other. */
  sealOpen1KBPerSec: number
}

export interface SealedBenchResult {
  /** 1 KB node-to-node messages sealed per second by one SealedSender to one recipient, one at a time. */
  sealsPerSec: number
  /** The same messages opened per second by one SealedReceiver (the epoch key cached). */
  opensPerSec: number
  /** Baseline: RFC 9180 single-shot HPKE seals of 1 KB (one KEM per message), one at a time. */
  singleShotSealsPerSec: number
  singleShotOpensPerSec: number
}

/** A fake certificate: the raw key itself, so the verifier costs nothing and the figure is the handshake's. */
function node(): HandshakeConfig {
  const staticKey = DhKey.generate()
  const verify: CertificateVerifier = (cert) => ({ nodeId: cert, commsPublicKey: cert })
  return { staticKey, certificate: staticKey.publicKey, verify }
}

function rate(seconds: number, op: () => void): number {
  const until = performance.now() + seconds * 1000
  const start = performance.now()
  let n = 0
  while (performance.now() < until) {
    op()
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

async function rateAsync(seconds: number, op: () => Promise<void>): Promise<number> {
  const until = performance.now() + seconds * 1000
  const start = performance.now()
  let n = 0
  while (performance.now() < until) {
    await op()
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

function handshake(a: HandshakeConfig, b: HandshakeConfig, ik: boolean): [Session, Session] {
  const { handshake: hi, send: m1 } = initiate({ ...a, remoteStatic: ik ? b.staticKey.publicKey : undefined })
  const r = respond(b, m1, 0)
  const i = hi.receive(r.send as Uint8Array, 0)
  if (ik) return [i.established!.session, r.established!.session]
  const done = r.handshake.receive(i.send as Uint8Array, 0)
  return [i.established!.session, done.established!.session]
}

export function benchSession(opts: { seconds?: number } = {}): SessionBenchResult {
  const seconds = opts.seconds ?? 2
  const a = node()
  const b = node()
  const ikHandshakesPerSec = rate(seconds, () => void handshake(a, b, true))
  const xxHandshakesPerSec = rate(seconds, () => void handshake(a, b, false))
  const [sa, sb] = handshake(a, b, true)
  const payload = randomBytes(1024)
  const sealOpen1KBPerSec = rate(seconds, () => void sb.open(sa.seal(payload, 0), 0))
  return { ikHandshakesPerSec, xxHandshakesPerSec, sealOpen1KBPerSec }
}

export async function benchSealed(opts: { seconds?: number } = {}): Promise<SealedBenchResult> {
  const seconds = opts.seconds ?? 2
  const keys = () => {
    const k = DhKey.generate()
    return { privateKey: k.exportPrivate(), publicKey: k.publicKey }
  }
  const sender = keys()
  const recipient = keys()
  const payload = randomBytes(1024)

  const senderNodeId = randomBytes(32)
  const recipientNodeId = randomBytes(32)
  const outbox = new SealedSender({ senderNodeId, sender })
  const inbox = new SealedReceiver({ recipientNodeId, recipient })
  const to = { recipientNodeId, recipientPublicKey: recipient.publicKey, plaintext: payload }
  const sealed: Uint8Array[] = []
  let sequence = 0n
  const sealsPerSec = await rateAsync(seconds, async () => {
    const m = await outbox.seal({ ...to, sequence: ++sequence })
    if (sealed.length < 4096) sealed.push(m)
  })
  let next = 0
  const opensPerSec = await rateAsync(seconds, async () => {
    await inbox.open(sealed[next++ % sealed.length], () => sender.publicKey)
  })

  const info = new TextEncoder().encode('xlattice/bench')
  const aad = new Uint8Array(8)
  const box = await sealSealed(recipient.publicKey, sender, info, aad, payload)
  const singleShotSealsPerSec = await rateAsync(seconds, async () => {
    await sealSealed(recipient.publicKey, sender, info, aad, payload)
  })
  const singleShotOpensPerSec = await rateAsync(seconds, async () => {
    await openSealed(recipient, sender.publicKey, info, aad, box)
  })
  return { sealsPerSec, opensPerSec, singleShotSealsPerSec, singleShotOpensPerSec }
}
