/**
 * One XEP-0114 stream: an @xmpp/component-core entity set up the way this component needs it,
 * connected and authenticated. connection.ts opens one per attempt and owns everything that
 * spans attempts (backoff, conflict, status).
 */
import { Component } from '@xmpp/component-core'
import type { Logger } from 'pino'
import { boundedParser } from './parser.js'
import type { Element } from './xml.js'

export interface StreamOptions {
  domain: string
  host: string
  port: number
  secret: string
  maxStanzaBytes: number
  /** Per step: TCP connect, stream open, handshake, stream close. */
  timeoutMs: number
  onStanza(el: Element): void
  /** A stanza dropped whole by the parser (its start tag alone is over the limit). */
  onDropped(): void
  /** Aborts an attempt in progress (stop()). */
  signal: AbortSignal
  log: Logger
}

/** TCP connect, stream open, handshake; resolves with the online entity, or rejects (socket closed). */
export async function openStream(opts: StreamOptions): Promise<Component> {
  const entity = new Component({ service: `xmpp://${opts.host}:${opts.port}`, domain: opts.domain })
  entity.timeout = opts.timeoutMs
  entity.Parser = boundedParser({ maxStanzaBytes: opts.maxStanzaBytes, onDropped: opts.onDropped })
  // xmpp.js writes socket data to entity.parser unguarded, but the parser is gone after a parse
  // error or the server's </stream:stream>: any later byte threw inside the socket's 'data' event.
  const onData = entity._onData
  entity._onData = function (this: Component, data) {
    if (this.parser) onData.call(this, data)
  }
  // Late errors (a reset after close, a second handshake failure) must not become uncaught 'error's.
  entity.on('error', (err) => opts.log.debug({ err: err.message }, 'stream error event'))
  entity.on('connect', () => {
    // Nagle plus delayed ACKs cost ~40 ms per round trip; setEncoding puts a StringDecoder on the
    // socket, so a UTF-8 character split across two reads arrives whole (xmpp.js decodes each read).
    entity.socket?.setNoDelay(true)
    entity.socket?.setKeepAlive(true, 30_000)
    entity.socket?.setEncoding('utf8')
  })
  entity.on('open', (header: Element) => {
    // References: XEP-0114 §2 (handshake = hex SHA-1 of stream id + secret).
    entity.authenticate(header.attrs.id, opts.secret).catch((err) => entity.emit('error', err))
  })
  entity.on('stanza', opts.onStanza)

  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('stopped'))
    if (opts.signal.aborted) onAbort()
    opts.signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  try {
    const connected = withTimeout(entity.connect(entity.options.service), opts.timeoutMs, 'TCP connect')
    await Promise.race([connected, aborted])
    const online = withTimeout(promiseOf(entity, 'online'), 2 * opts.timeoutMs, 'handshake')
    await Promise.race([Promise.all([entity.open({ domain: opts.domain }), online]), aborted])
    return entity
  } catch (err) {
    entity.socket?.destroy()
    throw err
  } finally {
    opts.signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Resolves when the stream is gone, with the error that ended it. When the server closes its
 * stream, closes ours and the TCP connection (RFC 6120 §4.4) unless `closing()` says we are
 * already doing so.
 */
export function streamClosed(entity: Component, closing: () => boolean): Promise<Error> {
  return new Promise((resolve) => {
    if (!entity.socket) return resolve(new Error('the connection closed'))
    let cause: Error | undefined
    entity.on('error', (err: Error) => {
      cause ??= err
    })
    entity.once('close', () => {
      if (closing()) return
      cause ??= new Error('the server closed the stream')
      entity.write('</stream:stream>').catch(() => {})
      entity.socket?.end()
      setTimeout(() => entity.socket?.destroy(), entity.timeout).unref()
    })
    entity.once('disconnect', () => resolve(cause ?? new Error('the server closed the connection')))
  })
}

function promiseOf(entity: Component, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      entity.off('error', onError)
      resolve()
    }
    const onError = (err: Error) => {
      entity.off(event, onEvent)
      reject(err)
    }
    entity.once(event, onEvent)
    entity.once('error', onError)
  })
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
