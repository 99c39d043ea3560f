/**
 * IQs the component sends itself (e.g. a XEP-0199 ping to the XMPP server, which later parts use
 * to learn that everything sent before it was accepted: DESIGN.md "Acknowledged"). Replies are
 * matched by id and by sender, so nobody else can answer in the addressee's name.
 * References: RFC 6120 §8.2.3 (a result or error carries the request's id), §8.1.2.1 (from).
 */
import { StanzaError } from './errors.js'
import { Jid } from './jid.js'
import { stanzaErrorOf } from './stanza.js'
import type { Element } from './xml.js'

/** No reply in time (an error reply from the addressee is a plain StanzaError). */
export class IqTimeoutError extends StanzaError {
  constructor(text: string) {
    super('remote-server-timeout', text)
  }
}

interface Pending {
  to: string
  resolve(reply: Element): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

export class IqCaller {
  readonly #pending = new Map<string, Pending>()
  readonly #send: (el: Element) => Promise<void>
  readonly #maxPending: number
  #next = 0

  constructor(send: (el: Element) => Promise<void>, maxPending = 10_000) {
    this.#send = send
    this.#maxPending = maxPending
  }

  get pending(): number {
    return this.#pending.size
  }

  /** Sends an <iq type='get|set'/> and resolves with the result stanza; rejects with StanzaError on an error reply. */
  async request(iq: Element, timeoutMs = 10_000): Promise<Element> {
    if (this.#pending.size >= this.#maxPending)
      throw new StanzaError('resource-constraint', 'too many IQs pending')
    const id = `xl-${(++this.#next).toString(36)}`
    iq.attrs.id = id
    const to = normalize(iq.attrs.to)
    const reply = new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new IqTimeoutError(`no reply to IQ ${id} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, { to, resolve, reject, timer })
    })
    try {
      await this.#send(iq)
    } catch (err) {
      this.#settle(id)?.reject(err as Error)
    }
    return reply
  }

  /** Takes an IQ of type result or error; true when it answered one of ours. */
  receive(stanza: Element): boolean {
    const p = this.#pending.get(stanza.attrs.id)
    if (!p || normalize(stanza.attrs.from) !== p.to) return false
    this.#settle(stanza.attrs.id)
    if (stanza.attrs.type === 'result') p.resolve(stanza)
    else p.reject(stanzaErrorOf(stanza))
    return true
  }

  /** Rejects everything pending (the component is stopping). */
  close(err: Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(err)
  }

  #settle(id: string): Pending | undefined {
    const p = this.#pending.get(id)
    if (!p) return undefined
    clearTimeout(p.timer)
    this.#pending.delete(id)
    return p
  }
}

const normalize = (s: unknown) => Jid.tryParse(s)?.toString() ?? String(s)
