/**
 * The component's one XEP-0114 connection to its XMPP server, kept up by its own loop:
 * @xmpp/component gives up after a few refused connections and throws on `conflict`, so this wraps
 * the bare connection (@xmpp/component-core) and owns reconnection.
 *
 * - Reconnects on refused, reset or closed connections with exponential backoff and jitter
 *   (backoff.ts), the failure count reset once a connection has stayed up for stableMs.
 * - `conflict` (RFC 6120 §4.9.3.3: another connection holds the domain; Prosody refuses the newer
 *   one, or with kick_old drops the older) is logged as an operator problem and retried slowly,
 *   never fast: two nodes configured with one domain must not fight over it. The first retry
 *   comes after a few seconds (conflictFirstMs), since the usual holder is this node's own
 *   previous connection, dead but not yet noticed by the server (a crash and a quick restart);
 *   each further conflict doubles the wait, up to conflictMs.
 * - TCP_NODELAY on every socket (Nagle plus delayed ACKs cost ~40 ms per round trip), and a
 *   StringDecoder on it (setEncoding), so a UTF-8 character split across TCP reads stays intact.
 * - Inbound stanzas go through the bounded parser (parser.ts); outbound ones above maxStanzaBytes
 *   are refused, since the server would close the stream for them (Prosody:
 *   component_stanza_size_limit, 512 KiB by default).
 * - Every outbound stanza's `from` is D or a JID at D, written in canonical case: Prosody's
 *   validate_from_addresses closes the stream on anything else (XEP-0114 §3 leaves it to the server).
 */
import { EventEmitter } from 'node:events'
import type { Component } from '@xmpp/component-core'
import type { Logger } from 'pino'
import { logger } from '../lib/log.js'
import { type BackoffOptions, backoffDelay } from './backoff.js'
import { NotConnectedError, StanzaTooLargeError } from './errors.js'
import { Jid } from './jid.js'
import { openStream, streamClosed } from './stream.js'
import type { Element } from './xml.js'

export interface ConnectionOptions {
  /** The component domain D, as configured on the server. */
  domain: string
  /** The server's component listener (Prosody component_ports, ejabberd ejabberd_service). */
  host: string
  port: number
  secret: string
  /** Largest stanza accepted or sent, in UTF-8 bytes. */
  maxStanzaBytes: number
  backoff?: BackoffOptions & {
    /** First retry after a conflict; default 5 s (at most conflictMs). */
    conflictFirstMs?: number
    /** Longest retry period while another connection holds the domain; default 60 s. */
    conflictMs?: number
    /** A connection up this long resets the backoff; default 10 s. */
    stableMs?: number
  }
  /** Per step: TCP connect, stream open, handshake, stream close; default 5 s. */
  timeoutMs?: number
  /** Replies are dropped while the socket holds more than this unsent; default 4 MiB. */
  maxWriteBufferBytes?: number
  random?: () => number
  log?: Logger
}

export type ConnectionState = 'stopped' | 'connecting' | 'online' | 'backoff' | 'conflict'

export interface ConnectionStatus {
  state: ConnectionState
  connected: boolean
  domain: string
  server: string
  /** ISO time the current connection came up. */
  since?: string
  /** Successful handshakes since start(); reconnects is that minus the first. */
  connects: number
  reconnects: number
  /** Failed attempts since the last stable connection. */
  failures: number
  lastError?: { message: string; condition?: string; at: string }
  /** When state is backoff or conflict: ms until the next attempt, as scheduled. */
  retryInMs?: number
  stanzasIn: number
  stanzasOut: number
  /** Inbound stanzas dropped whole by the parser, outbound ones refused (size, full buffer). */
  dropped: { inbound: number; outbound: number }
}

interface ConnectionEvents {
  stanza: [Element]
  online: []
  offline: [Error | undefined]
}

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly domain: string
  readonly #opts: ConnectionOptions
  readonly #log: Logger
  readonly #random: () => number
  #running = false
  #state: ConnectionState = 'stopped'
  #entity?: Component
  #loop?: Promise<void>
  #wake?: () => void
  #abort = new AbortController()
  #timer?: NodeJS.Timeout
  #since?: number
  #retryAt?: number
  #connects = 0
  #failures = 0
  /** Conflicts in a row (reset like #failures, by a connection that stayed up). */
  #conflicts = 0
  #lastError?: ConnectionStatus['lastError']
  #in = 0
  #out = 0
  #dropped = { inbound: 0, outbound: 0 }

  constructor(opts: ConnectionOptions) {
    super()
    this.domain = Jid.parse(opts.domain).domain
    this.#opts = opts
    this.#log = opts.log ?? logger('component:connection')
    this.#random = opts.random ?? Math.random
  }

  /** Starts the connect loop; resolves at once (the server may come up later). */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#abort = new AbortController()
    this.#loop = this.#run()
  }

  /** Counts connections made: a stanza and a later reply prove something only on one connection. */
  get epoch(): number {
    return this.#connects
  }

  get online(): boolean {
    return this.#state === 'online'
  }

  /** Closes the stream cleanly (</stream:stream>) and ends the loop. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#wake?.()
    this.#abort.abort()
    const entity = this.#entity
    // A clean </stream:stream>, but never waiting long for a server that went away mid-close.
    if (entity?.status === 'online') await withTimeout(entity.stop(), STOP_GRACE_MS).catch(() => {})
    entity?.socket?.destroy()
    await this.#loop
    this.#state = 'stopped'
  }

  status(): ConnectionStatus {
    const online = this.#state === 'online'
    const waiting = this.#state === 'backoff' || this.#state === 'conflict'
    return {
      state: this.#state,
      connected: online,
      domain: this.domain,
      server: `${this.#opts.host}:${this.#opts.port}`,
      since: online && this.#since ? new Date(this.#since).toISOString() : undefined,
      connects: this.#connects,
      reconnects: Math.max(0, this.#connects - 1),
      failures: this.#failures,
      lastError: this.#lastError,
      retryInMs: waiting && this.#retryAt ? Math.max(0, this.#retryAt - Date.now()) : undefined,
      stanzasIn: this.#in,
      stanzasOut: this.#out,
      dropped: { ...this.#dropped },
    }
  }

  /** Resolves once online (at once if it is); rejects after timeoutMs. */
  waitOnline(timeoutMs = 10_000): Promise<void> {
    if (this.#state === 'online') return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('online', onOnline)
        reject(
          new Error(
            `component ${this.domain} not online within ${timeoutMs} ms: ${this.#lastError?.message}`,
          ),
        )
      }, timeoutMs)
      const onOnline = () => {
        clearTimeout(timer)
        resolve()
      }
      this.once('online', onOnline)
    })
  }

  /** Sends one stanza with its `from` forced under D; throws when offline or when it is too large. */
  async send(el: Element): Promise<void> {
    const entity = this.#entity
    if (this.#state !== 'online' || !entity?.socket) throw new NotConnectedError()
    this.#forceFrom(el)
    const text = el.toString()
    const bytes = Buffer.byteLength(text)
    const limit = this.#opts.maxWriteBufferBytes ?? 4 << 20
    if (bytes > this.#opts.maxStanzaBytes || entity.socket.writableLength > limit) {
      this.#dropped.outbound++
      if (bytes > this.#opts.maxStanzaBytes) throw new StanzaTooLargeError(bytes, this.#opts.maxStanzaBytes)
      throw new NotConnectedError('the server is not reading: write buffer full')
    }
    this.#out++
    // Stanzas written before the process turns to its next event leave in one TCP write, with
    // the acknowledging ping Delivery queued ahead of this uncork (delivery.ts): one syscall and
    // one segment for the server to read instead of two, and nothing queued for the loop's check
    // phase (a group commit's batch) in front of them.
    const socket = entity.socket
    if (!socket.writableCorked) {
      socket.cork()
      process.nextTick(() => socket.uncork())
    }
    await entity.write(text)
  }

  /** References: XEP-0114 §3 (the component stamps from), Prosody validate_from_addresses. */
  #forceFrom(el: Element): void {
    const from = Jid.tryParse(el.attrs.from)
    if (from?.domain === this.domain) {
      el.attrs.from = from.toString() // canonical case: Prosody compares the domain byte for byte
      return
    }
    if (el.attrs.from !== undefined)
      this.#log.warn({ from: el.attrs.from }, 'outbound from outside the domain: sent from D')
    el.attrs.from = this.domain
  }

  async #run(): Promise<void> {
    const backoff = this.#opts.backoff ?? {}
    while (this.#running) {
      this.#state = 'connecting'
      let closedBy: Error | undefined
      try {
        const { host, port, secret, maxStanzaBytes } = this.#opts
        const entity = await openStream({
          domain: this.domain,
          host,
          port,
          secret,
          maxStanzaBytes,
          timeoutMs: this.#opts.timeoutMs ?? 5000,
          onStanza: (el) => this.#inbound(el),
          onDropped: () => this.#dropped.inbound++,
          signal: this.#abort.signal,
          log: this.#log,
        })
        this.#entity = entity
        this.#since = Date.now()
        this.#connects++
        this.#state = 'online'
        this.#log.info(
          { domain: this.domain, server: this.status().server, connects: this.#connects },
          'component online',
        )
        this.emit('online')
        closedBy = await streamClosed(entity, () => !this.#running)
        this.emit('offline', closedBy)
        if (Date.now() - this.#since >= (backoff.stableMs ?? 10_000)) {
          this.#failures = 0
          this.#conflicts = 0
        }
      } catch (err) {
        closedBy = err as Error
      }
      if (!this.#running) break
      const condition = (closedBy as { condition?: string } | undefined)?.condition
      this.#record(closedBy)
      const conflict = condition === 'conflict'
      const conflictMs = backoff.conflictMs ?? 60_000
      const firstMs = Math.min(backoff.conflictFirstMs ?? 5_000, conflictMs)
      const delay = conflict
        ? backoffDelay(this.#conflicts++, { initialMs: firstMs, maxMs: conflictMs }, this.#random)
        : backoffDelay(this.#failures, backoff, this.#random)
      this.#failures++
      this.#state = conflict ? 'conflict' : 'backoff'
      this.#retryAt = Date.now() + delay
      await this.#sleep(delay)
    }
    this.#state = 'stopped'
  }

  #inbound(el: Element): void {
    this.#in++
    try {
      this.emit('stanza', el)
    } catch (err) {
      this.#log.error({ err }, 'stanza listener threw')
    }
  }

  #record(err: Error | undefined): void {
    if (!err) return
    const condition = (err as { condition?: string }).condition
    const message = explain(condition, err.message, this.domain)
    const repeated = this.#lastError?.message === message
    this.#lastError = { message, condition, at: new Date().toISOString() }
    const fields = { domain: this.domain, server: this.status().server, failures: this.#failures }
    if (condition === 'conflict' || condition === 'not-authorized' || condition === 'host-unknown') {
      if (!repeated || this.#failures % 10 === 0) this.#log.error(fields, message)
    } else if (!repeated) this.#log.warn(fields, message)
    else this.#log.debug(fields, message)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        clearTimeout(this.#timer)
        resolve()
      }
      this.#timer = setTimeout(resolve, ms)
    })
  }
}

function explain(condition: string | undefined, message: string, domain: string): string {
  if (condition === 'conflict') {
    return `another connection holds component domain ${domain} (stream error conflict): is a second node configured with it? retrying slowly`
  }
  if (condition === 'not-authorized')
    return `the server refused the handshake for ${domain}: check the component secret`
  if (condition === 'host-unknown') return `the server has no component ${domain} configured`
  if (message !== '') return message
  // A stream error without text (Prosody's system-shutdown when it stops, say).
  return condition === undefined
    ? 'the server ended the stream'
    : `the server ended the stream (${condition})`
}

/** How long stop() waits for the server to close the stream before dropping the socket. */
const STOP_GRACE_MS = 1000

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}
