/**
 * Load generators for bench/xmpp.bench.ts, the same for every path so that the lattice and its
 * baselines see the same clients, concurrency and window:
 *   - messageLoad: senders keep W messages in flight each to one receiver; every body carries the
 *     run tag, sender, sequence number and send time (performance.now() in this process), so
 *     latency is receive time minus that time. A message neither received nor bounced within
 *     lossMs frees its slot and counts as lost (a server or component that drops it silently).
 *   - iqLoad: workers each send one IQ from a fresh client and time its round trip, again until
 *     the window ends.
 * Only what is sent after the warm-up and completed before the window's end counts.
 */
import { type Client, xml } from '@xmpp/client'
import type { Element } from '@xmpp/xml'
import { randomBytes } from '../lib/crypto.js'
import { toHex } from '../lib/encoding.js'
import { parse } from '../test/unit/component/stanza-helpers.js'
import { type LoadResult, percentile } from './lib.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface MessagePath {
  /** One logged-in client per sender. */
  senders: Client[]
  /** The receiver, online (it sent its presence). */
  receiver: Client
  /** The receiver's address as the senders write to it. */
  to: string
}

export interface MessageOptions {
  /** Messages in flight per sender. */
  inFlight: number
  /** At least this long between two sends of one sender (0: as fast as the window allows). */
  minIntervalMs: number
  warmupSec: number
  windowSec: number
  /** A message not received by then is counted lost and its slot reused. */
  lossMs: number
}

export interface MessageResult extends LoadResult {
  /** Sent inside the window. */
  sent: number
  /** Sent inside the window, neither received nor bounced within lossMs. */
  lost: number
  /** Sent inside the window and bounced with a message error (by reason). */
  bounced: Record<string, number>
}

interface Pending {
  t: number
  timer: NodeJS.Timeout
  done(): void
}

export async function messageLoad(path: MessagePath, o: MessageOptions): Promise<MessageResult> {
  const run = toHex(randomBytes(4))
  const start = performance.now()
  const windowStart = start + o.warmupSec * 1000
  const windowEnd = windowStart + o.windowSec * 1000
  const latencies: number[] = []
  const pending = new Map<string, Pending>()
  const bounced: Record<string, number> = {}
  let sent = 0
  let lost = 0
  const settle = (key: string): Pending | undefined => {
    const p = pending.get(key)
    if (p === undefined) return undefined
    pending.delete(key)
    clearTimeout(p.timer)
    p.done()
    return p
  }
  const onReceived = (s: Element) => {
    const body = s.is('message') ? s.getChildText('body') : null
    if (body === null || !body.startsWith(run)) return
    const now = performance.now()
    const [, sender, seq, at] = body.split(' ')
    if (settle(`${sender} ${seq}`) === undefined) return // declared lost already
    const t = Number(at)
    if (t >= windowStart && now <= windowEnd) latencies.push(now - t)
  }
  const onBounce = (s: Element) => {
    if (!s.is('message') || s.attrs.type !== 'error' || !String(s.attrs.id).startsWith(run)) return
    const [, sender, seq] = String(s.attrs.id).split('-')
    const p = settle(`${sender} ${seq}`)
    if (p === undefined || p.t < windowStart) return
    const reason =
      s
        .getChild('error')
        ?.children.find((c) => typeof c !== 'string')
        ?.toString() ?? '?'
    const name = /^<([\w-]+)/.exec(reason)?.[1] ?? '?'
    bounced[name] = (bounced[name] ?? 0) + 1
  }
  path.receiver.on('stanza', onReceived)
  for (const c of path.senders) c.on('stanza', onBounce)

  const nextAt = path.senders.map(() => start)
  const seqs = path.senders.map(() => 0)
  const slot = async (i: number) => {
    const client = path.senders[i]
    for (;;) {
      let now = performance.now()
      const at = Math.max(now, nextAt[i])
      nextAt[i] = at + o.minIntervalMs
      if (at > now) await sleep(at - now)
      now = performance.now()
      if (now >= windowEnd) return
      const seq = seqs[i]++
      const key = `${i} ${seq}`
      const inWindow = now >= windowStart
      if (inWindow) sent++
      const answered = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(key)
          if (inWindow) lost++
          resolve()
        }, o.lossMs)
        pending.set(key, { t: now, timer, done: resolve })
      })
      const body = `${run} ${i} ${seq} ${now.toFixed(3)}`
      const id = `${run}-${i}-${seq}`
      client.send(xml('message', { type: 'chat', id, to: path.to }, xml('body', {}, body))).catch(() => {})
      await answered
    }
  }
  await Promise.all(path.senders.flatMap((_, i) => Array.from({ length: o.inFlight }, () => slot(i))))
  path.receiver.removeListener('stanza', onReceived)
  for (const c of path.senders) c.removeListener('stanza', onBounce)
  latencies.sort((a, b) => a - b)
  return {
    ops: latencies.length,
    seconds: o.windowSec,
    opsPerSec: latencies.length / o.windowSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: lost + Object.values(bounced).reduce((a, b) => a + b, 0),
    sent,
    lost,
    bounced,
  }
}

export interface IqOptions {
  workers: number
  warmupSec: number
  windowSec: number
}

export interface IqResult extends LoadResult {
  /** Login (connect, SASL, bind, stream management) time of the clients whose IQ counted, p50 in ms. */
  loginP50Ms: number
  /** Error replies by condition, inside the window. */
  refused: Record<string, number>
}

/**
 * Closed loops: each worker sends `iq(k)` (k counts every IQ of the run) from a fresh client,
 * times the round trip and logs the client out without waiting for the server's goodbye, again
 * until the window ends. Each worker logs in its next client while its IQ is in flight, so the
 * loop runs at the pace of the slower of the two: the IQ's answer, or logins. An error reply
 * counts as an error, not as an operation.
 */
export async function iqLoad(
  login: () => Promise<Client>,
  iq: (k: number) => string,
  o: IqOptions,
): Promise<IqResult> {
  const start = performance.now()
  const windowStart = start + o.warmupSec * 1000
  const windowEnd = windowStart + o.windowSec * 1000
  const latencies: number[] = []
  const logins: number[] = []
  const refused: Record<string, number> = {}
  const closing: Promise<unknown>[] = []
  let errors = 0
  let k = 0
  const timedLogin = () => {
    const l0 = performance.now()
    const p = login().then((client) => ({ client, ms: performance.now() - l0 }))
    p.catch(() => {}) // awaited later, possibly after it failed: not an unhandled rejection
    return p
  }
  const worker = async () => {
    let next = timedLogin()
    while (performance.now() < windowEnd) {
      let ready: { client: Client; ms: number }
      try {
        ready = await next
      } catch {
        if (performance.now() >= windowStart) errors++
        next = timedLogin()
        continue
      }
      next = timedLogin()
      const { client } = ready
      const t0 = performance.now()
      try {
        const reply: Element = await client.iqCaller.request(parse(iq(k++)), 30_000)
        const t1 = performance.now()
        if (reply.attrs.type === 'result' && t0 >= windowStart && t1 <= windowEnd) {
          latencies.push(t1 - t0)
          logins.push(ready.ms)
        }
      } catch (err) {
        if (t0 >= windowStart) {
          errors++
          const condition = (err as { condition?: string }).condition ?? (err as Error).name
          refused[condition] = (refused[condition] ?? 0) + 1
        }
      }
      closing.push(client.stop().catch(() => {}))
    }
    closing.push(next.then(({ client }) => client.stop()).catch(() => {}))
  }
  await Promise.all(Array.from({ length: o.workers }, worker))
  await Promise.all(closing)
  latencies.sort((a, b) => a - b)
  logins.sort((a, b) => a - b)
  return {
    ops: latencies.length,
    seconds: o.windowSec,
    opsPerSec: latencies.length / o.windowSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    loginP50Ms: percentile(logins, 50),
    refused,
  }
}
