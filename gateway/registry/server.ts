/**
 * The XLattice server's node and cluster registry on /xlattice/reg/1.0.0: the composition root of the
 * protocol (start registers the handler, stop removes it). Every frame gets a response; a bad
 * frame gets an error code with text and never stops the server.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Signer } from '../../lib/crypto.js'
import type { Logger } from '../../lib/log.js'
import { RateLimiter } from '../../lib/rate-limit.js'
import type { Store } from '../../lib/store/index.js'
import type { Host } from '../p2p/host.js'
import { serveStream } from '../p2p/rpc.js'
import type { HandlerComponents, RegistryLimits, RequestContext } from './components.js'
import { RegistryError } from './errors.js'
import { handlers } from './handlers/index.js'
import { ErrorCode, Request, Response } from './registry.pb.js'
import { ClusterTable } from './clusters.js'
import { NodeTable } from './state.js'
import { MAX_MESSAGE_BYTES, REGISTRY_PROTOCOL } from './tags.js'

export interface RegistryServerOptions extends RegistryLimits {
  maxMessageBytes?: number
  rateLimit: { requestsPerSec: number; burst: number }
}

export interface RegistryServerComponents {
  host: Host
  store: Store
  signer: Signer
  log: Logger
  metrics: Registry
  now?: () => number
}

export class RegistryServer {
  readonly #c: RegistryServerComponents
  readonly #opts: RegistryServerOptions
  readonly #limiter: RateLimiter
  readonly #requests: Counter<'type' | 'result'>
  readonly #latency: Histogram<'type'>
  #table?: NodeTable
  #clusters?: ClusterTable
  /** Built once at start: handlers get the same narrow view on every request. */
  #handlerComponents?: HandlerComponents
  #pruneTimer?: NodeJS.Timeout

  constructor(components: RegistryServerComponents, opts: RegistryServerOptions) {
    this.#c = components
    this.#opts = opts
    this.#limiter = new RateLimiter(opts.rateLimit.requestsPerSec, opts.rateLimit.burst)
    this.#requests = new Counter({
      name: 'xlattice_registry_requests_total',
      help: 'Registry requests by type and result code',
      labelNames: ['type', 'result'],
      registers: [components.metrics],
    })
    this.#latency = new Histogram({
      name: 'xlattice_registry_request_seconds',
      help: 'Registry request handling time',
      labelNames: ['type'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1],
      registers: [components.metrics],
    })
    const self = this
    new Gauge({
      name: 'xlattice_registry_nodes',
      help: 'Registered nodes',
      registers: [components.metrics],
      collect() {
        this.set(self.#table?.size ?? 0)
      },
    })
    new Gauge({
      name: 'xlattice_registry_live_nodes',
      help: 'Nodes that heartbeated within the TTL',
      registers: [components.metrics],
      collect() {
        this.set(self.#table?.liveCount(opts.heartbeatTtlMs) ?? 0)
      },
    })
    new Gauge({
      name: 'xlattice_registry_clusters',
      help: 'Registered clusters',
      registers: [components.metrics],
      collect() {
        this.set(self.#clusters?.size ?? 0)
      },
    })
  }

  get table(): NodeTable {
    if (this.#table === undefined) throw new Error('registry server not started')
    return this.#table
  }

  get clusters(): ClusterTable {
    if (this.#clusters === undefined) throw new Error('registry server not started')
    return this.#clusters
  }

  async start(): Promise<void> {
    this.#table = await NodeTable.open(this.#c.store, this.#opts.nonceRetentionMs, this.#now())
    this.#clusters = await ClusterTable.open(this.#c.store, this.#opts.nonceRetentionMs, this.#now())
    this.#handlerComponents = {
      table: this.#table,
      clusters: this.#clusters,
      signer: this.#c.signer,
      limits: this.#opts,
      log: this.#c.log,
      now: () => this.#now(),
    }
    await this.#c.host.handle(REGISTRY_PROTOCOL, (stream, connection) => this.#serve(stream, connection), {
      maxInboundStreams: 64,
    })
    this.#pruneTimer = setInterval(() => {
      for (const t of [this.table, this.clusters]) {
        t.pruneNonces(this.#opts.nonceRetentionMs, this.#now()).catch((err) => {
          this.#c.log.warn({ err: err.message }, 'nonce pruning failed')
        })
      }
    }, 60_000)
    this.#pruneTimer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#pruneTimer)
    await this.#c.host.unhandle(REGISTRY_PROTOCOL)
  }

  status(): { nodes: number; liveNodes: number; clusters: number } {
    return {
      nodes: this.table.size,
      liveNodes: this.table.liveCount(this.#opts.heartbeatTtlMs, this.#now()),
      clusters: this.clusters.size,
    }
  }

  #now(): number {
    return (this.#c.now ?? Date.now)()
  }

  #serve(stream: Stream, connection: Connection): Promise<void> {
    const remoteKey = connection.remotePeer.publicKey?.raw
    const ctx: RequestContext = {
      remoteKey: remoteKey ?? new Uint8Array(),
      remotePeer: connection.remotePeer.toString(),
    }
    return serveStream(stream, {
      maxFrameBytes: this.#opts.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      idleMs: 120_000,
      log: this.#c.log,
      handle: async (frame) => Response.encode(await this.#dispatch(frame, ctx)),
      oversize: () => {
        this.#requests.inc({ type: 'unknown', result: ErrorCode.TOO_LARGE })
        const limit = this.#opts.maxMessageBytes ?? MAX_MESSAGE_BYTES
        return Response.encode(
          errorResponse(ErrorCode.TOO_LARGE, `message exceeds ${limit} bytes; stream closed`),
        )
      },
    })
  }

  async #dispatch(frame: Uint8Array, ctx: RequestContext): Promise<Response> {
    const started = process.hrtime.bigint()
    let type = 'unknown'
    let response: Response
    try {
      if (!this.#limiter.take(ctx.remotePeer)) {
        throw new RegistryError(ErrorCode.RATE_LIMITED, 'too many requests from this peer; slow down')
      }
      let request: Request
      try {
        request = Request.decode(frame)
      } catch (err) {
        throw new RegistryError(ErrorCode.BAD_REQUEST, `request is malformed: ${(err as Error).message}`)
      }
      type = request.type
      const handler = handlers[request.type]
      if (handler === undefined) {
        throw new RegistryError(ErrorCode.UNSUPPORTED, `unsupported request type ${request.type}`)
      }
      response = await handler(this.#handlerComponents!, request, ctx)
    } catch (err) {
      if (err instanceof RegistryError) {
        response = errorResponse(err.code, err.message)
      } else {
        this.#c.log.error({ err }, 'registry handler failed')
        response = errorResponse(ErrorCode.INTERNAL, 'internal error')
      }
    }
    this.#requests.inc({ type, result: response.error })
    this.#latency.observe({ type }, Number(process.hrtime.bigint() - started) / 1e9)
    if (response.error !== ErrorCode.OK) {
      this.#c.log.debug(
        { peer: ctx.remotePeer, type, code: response.error, reason: response.errorText },
        'refused',
      )
    }
    return response
  }
}

function errorResponse(error: ErrorCode, errorText: string): Response {
  return { error, errorText, body: new Uint8Array(), signature: new Uint8Array() }
}
