/**
 * What `/status` shows of messaging: counters by outcome (refusals by reason) and a bounded
 * ring of the last received messages, so operators and tests can see deliveries without
 * reading logs. Plaintext traffic is counted and labelled separately.
 */
import type { Logger } from '../../lib/log.js'
import type { Envelope } from './envelope.js'

export interface ReceivedMessage {
  from: string
  seq: string
  kind: string
  mode: string
  plaintext: boolean
  bytes: number
  /** The payload as UTF-8 when kind is `text` (at most 1,000 characters), else null. */
  text: string | null
  sentAt: string
  receivedAt: string
}

interface Raw {
  from: string
  env: Envelope
  mode: string
  plaintext: boolean
  at: number
}

export function describeReceived(
  from: string,
  env: Envelope,
  mode: string,
  plaintext: boolean,
  at = Date.now(),
): ReceivedMessage {
  return {
    from,
    seq: env.seq.toString(),
    kind: env.kind,
    mode,
    plaintext,
    bytes: env.payload.length,
    text: env.kind === 'text' ? Buffer.from(env.payload).toString('utf8').slice(0, 1000) : null,
    sentAt: new Date(Number(env.timestamp)).toISOString(),
    receivedAt: new Date(at).toISOString(),
  }
}

/** Reasons that mean someone tried to pass for another node, logged above debug. */
const SECURITY_REASONS = new Set([
  'untrusted_certificate',
  'key_mismatch',
  'from_mismatch',
  'wrong_recipient',
])

export class MessageStats {
  #sent = 0
  #delivered = 0
  #received = 0
  #plaintextSent = 0
  #plaintextReceived = 0
  readonly #rejected: Record<string, number> = {}
  readonly #ring: Raw[] = []
  readonly #ringSize: number

  constructor(ringSize: number) {
    this.#ringSize = ringSize
  }

  sent(plaintext: boolean): void {
    this.#sent++
    if (plaintext) this.#plaintextSent++
  }

  delivered(n: number): void {
    this.#delivered += n
  }

  /** Counts a delivered message and keeps it in the ring (formatted only when read). */
  received(from: string, env: Envelope, mode: string, plaintext: boolean): void {
    this.#received++
    if (plaintext) this.#plaintextReceived++
    this.#ring.push({ from, env, mode, plaintext, at: Date.now() })
    if (this.#ring.length > this.#ringSize) this.#ring.shift()
  }

  refused(reason: string, text: string, peer: string, log: Logger): void {
    this.#rejected[reason] = (this.#rejected[reason] ?? 0) + 1
    if (SECURITY_REASONS.has(reason)) log.info({ peer, reason, text }, 'refused a message')
    else log.debug({ peer, reason, text }, 'refused a message')
  }

  counters(queued: number) {
    return {
      sent: this.#sent,
      delivered: this.#delivered,
      received: this.#received,
      rejected: { ...this.#rejected },
      queued,
      plaintext: { sent: this.#plaintextSent, received: this.#plaintextReceived },
    }
  }

  recent(): ReceivedMessage[] {
    return this.#ring.map((r) => describeReceived(r.from, r.env, r.mode, r.plaintext, r.at))
  }
}
