// A minimal server side of XEP-0114 for tests: a TCP listener on 127.0.0.1 that accepts a
// component's stream, checks its handshake, and then lets the test write anything at all (malformed
// XML, oversize stanzas, illegal from and to) and read what the component sends back. Prosody filters
// such input before it reaches a component; this peer does not.
// References: XEP-0114 §2 (stream header, handshake = hex SHA-1 of stream id + secret, <handshake/>).
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import net from 'node:net'
import { xml as componentXml } from '@xmpp/component-core'
import type { Element } from '@xmpp/xml'

const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams'

/** 'accept', or the stream error condition to refuse with (e.g. 'conflict', 'not-authorized'). */
export type HandshakeAnswer = 'accept' | string

export interface RawServerOptions {
  domain: string
  secret: string
  /** How to answer the n-th handshake (1-based); default: accept every one with the right secret. */
  handshake?: (n: number) => HandshakeAnswer
  /** Listen on this port (to come back on the same port after close()); default: any free one. */
  port?: number
}

export interface RawComponentServer {
  readonly port: number
  /** Handshakes seen so far, accepted or not. */
  readonly handshakes: number
  /** The next component that completes the handshake. */
  nextPeer(timeoutMs?: number): Promise<RawPeer>
  /** Stops listening (new connections are refused) and destroys every open connection. */
  close(): Promise<void>
}

/** One authenticated component connection, seen from the server. */
export class RawPeer extends EventEmitter<{ element: [Element]; close: [] }> {
  /** Every top-level element the component sent after the handshake, in order. */
  readonly received: Element[] = []
  closed = false
  #waiters = new Set<() => void>()

  constructor(
    readonly socket: net.Socket,
    readonly streamId: string,
  ) {
    super()
    socket.on('close', () => {
      this.closed = true
      this.emit('close')
      this.#notify()
    })
  }

  /** Writes raw text or bytes, exactly as given. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())))
  }

  /** Sends a stream error and closes the stream (RFC 6120 §4.9). */
  async streamError(condition: string, text?: string): Promise<void> {
    const t = text ? `<text xmlns='${NS_STREAMS}'>${text}</text>` : ''
    await this.write(`<stream:error><${condition} xmlns='${NS_STREAMS}'/>${t}</stream:error></stream:stream>`)
    this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Resolves once predicate() holds (checked on every element and on close); rejects after timeoutMs. */
  until(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.received.length} received)`),
        )
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
    })
  }

  /** The first element received (from now on, or already) that matches. */
  async next(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    await this.until('a matching element', () => this.received.some(match), timeoutMs)
    return this.received.find(match)!
  }

  /** Called by the server for each element. */
  push(el: Element): void {
    this.received.push(el)
    this.emit('element', el)
    this.#notify()
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w()
  }
}

export async function startRawComponentServer(opts: RawServerOptions): Promise<RawComponentServer> {
  let handshakes = 0
  const sockets = new Set<net.Socket>()
  const ready: RawPeer[] = []
  const waiting: ((p: RawPeer) => void)[] = []
  const deliver = (peer: RawPeer) => {
    const w = waiting.shift()
    if (w) w(peer)
    else ready.push(peer)
  }

  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.setNoDelay(true)
    socket.setEncoding('utf8')
    const streamId = randomBytes(8).toString('hex')
    const parser = new componentXml.Parser()
    let peer: RawPeer | undefined
    parser.on('start', (header) => {
      if (header.attrs.to !== opts.domain) {
        socket.end(
          `${streamHeader(streamId, opts.domain)}<stream:error><host-unknown xmlns='${NS_STREAMS}'/></stream:error></stream:stream>`,
        )
        return
      }
      socket.write(streamHeader(streamId, opts.domain))
    })
    parser.on('element', (el) => {
      if (peer) return peer.push(el)
      if (!el.is('handshake')) return socket.destroy()
      handshakes++
      const answer = opts.handshake?.(handshakes) ?? 'accept'
      const expected = createHash('sha1')
        .update(streamId + opts.secret)
        .digest('hex')
      const condition =
        answer !== 'accept' ? answer : el.getText().toLowerCase() === expected ? '' : 'not-authorized'
      if (condition) {
        socket.end(`<stream:error><${condition} xmlns='${NS_STREAMS}'/></stream:error></stream:stream>`)
        return
      }
      peer = new RawPeer(socket, streamId)
      socket.write('<handshake/>')
      deliver(peer)
    })
    // RFC 6120 §4.4: a closed stream is answered by closing ours.
    parser.on('end', () => socket.end('</stream:stream>'))
    parser.on('error', () => socket.destroy())
    socket.on('data', (chunk: string) => parser.write(chunk))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', resolve)
  })
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    get handshakes() {
      return handshakes
    },
    nextPeer(timeoutMs = 5000) {
      const p = ready.shift()
      if (p) return Promise.resolve(p)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(onPeer), 1)
          reject(new Error(`no component completed a handshake within ${timeoutMs} ms`))
        }, timeoutMs)
        const onPeer = (peer: RawPeer) => {
          clearTimeout(timer)
          resolve(peer)
        }
        waiting.push(onPeer)
      })
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

function streamHeader(id: string, domain: string): string {
  return (
    `<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' ` +
    `xmlns='jabber:component:accept' id='${id}' from='${domain}'>`
  )
}
