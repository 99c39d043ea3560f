/**
 * Delivery to the XMPP server with an acknowledgement XEP-0114 does not have. A stanza counts
 * as delivered once the server has answered an IQ ping the component sent after it on the same
 * connection: the server handles a component's stanzas in order, so its reply to the ping
 * proves it took everything before it. Any reply counts (a server without XEP-0199 answers
 * service-unavailable, which proves the same); a timeout or a new connection in between does not.
 *
 * One ping covers every stanza written to the same domain before the process turns to its next
 * event (one callback and the promise jobs it starts), and leaves in the same TCP write as they
 * do (connection.ts corks the socket until then); at most one ping per domain is unanswered at a
 * time: stanzas written meanwhile wait for the next, sent as soon as the current one is
 * answered. A lone message gets its ping at once; under load a ping covers everything written
 * in a round trip, instead of one ping per event (each one a stanza the server must handle and
 * the component must answer for).
 *
 * A failed delivery rejects; the caller (the relay consumer) sends the stanza again later, so a
 * stanza the server took just before the connection broke can arrive twice: at least once.
 * References: XEP-0114 §3 (no stanza acknowledgements), XEP-0199 §4.2 (ping to a server),
 * RFC 6120 §10.1 (in-order processing of stanzas on one stream).
 */
import type { Connection } from './connection.js'
import { StanzaError } from './errors.js'
import { IqTimeoutError } from './iq-caller.js'
import { Jid } from './jid.js'
import { NS_PING } from './handlers/ping.js'
import { type Element, xml } from './xml.js'

export interface DeliveryOptions {
  connection: Connection
  /** Sends an IQ and resolves with its result (rejects StanzaError on an error reply). */
  request(iq: Element, timeoutMs: number): Promise<Element>
  /** How long to wait for the connection, then for the ping's answer; default 10 s each. */
  timeoutMs?: number
}

interface Batch {
  epoch: number
  waiters: { resolve(): void; reject(err: Error): void }[]
}

/** One domain on one connection: the batch whose ping is unanswered, and the one filling up. */
interface Lane {
  busy: boolean
  next?: Batch
}

export class Delivery {
  readonly #o: DeliveryOptions
  readonly #lanes = new Map<string, Lane>()
  delivered = 0
  failed = 0
  pings = 0

  constructor(opts: DeliveryOptions) {
    this.#o = opts
  }

  /** Sends a stanza to the server; resolves once the server acknowledged it (see above). */
  async deliver(stanza: Element): Promise<void> {
    const c = this.#o.connection
    const timeoutMs = this.#o.timeoutMs ?? 10_000
    if (!c.online) await c.waitOnline(timeoutMs)
    const epoch = c.epoch
    const domain = Jid.parse(stanza.attrs.to).domain
    const acked = this.#join(domain, epoch)
    try {
      await c.send(stanza)
    } catch (err) {
      this.failed++
      acked.catch(() => {})
      throw err
    }
    await acked
    this.delivered++
  }

  #join(domain: string, epoch: number): Promise<void> {
    const key = `${epoch}\n${domain}`
    let lane = this.#lanes.get(key)
    if (lane === undefined) {
      lane = { busy: false }
      this.#lanes.set(key, lane)
    }
    if (lane.next === undefined) {
      lane.next = { epoch, waiters: [] }
      if (!lane.busy) this.#schedule(key, domain, lane)
    }
    const b = lane.next
    return new Promise((resolve, reject) => b.waiters.push({ resolve, reject }))
  }

  /**
   * The lane's next ping, once the stanzas being written now are (a tick runs after the promise
   * jobs queued before it): they all go before it. Not at the loop's check phase: other work
   * queued there first (a group commit's batch) would hold the corked stanza back.
   */
  #schedule(key: string, domain: string, lane: Lane): void {
    lane.busy = true
    process.nextTick(() => {
      const batch = lane.next
      lane.next = undefined
      if (batch === undefined) {
        lane.busy = false
        this.#lanes.delete(key)
        return
      }
      void this.#ping(domain, batch).finally(() => this.#schedule(key, domain, lane))
    })
  }

  async #ping(domain: string, batch: Batch): Promise<void> {
    const c = this.#o.connection
    this.pings++
    let failure: Error | undefined
    try {
      await this.#o.request(
        xml('iq', { type: 'get', to: domain }, xml('ping', { xmlns: NS_PING })),
        this.#o.timeoutMs ?? 10_000,
      )
    } catch (err) {
      // An error reply is still the server's answer; a timeout or a lost connection is not.
      if (!(err instanceof StanzaError) || err instanceof IqTimeoutError) failure = err as Error
    }
    if (failure === undefined && c.epoch !== batch.epoch)
      failure = new Error('the connection was replaced before the server acknowledged')
    for (const w of batch.waiters) {
      if (failure === undefined) w.resolve()
      else w.reject(failure)
    }
  }
}
