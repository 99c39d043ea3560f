/**
 * The admin endpoint: plain HTTP on a loopback address, `/status` (JSON) and `/metrics`
 * (Prometheus text via prom-client). Extra routes (e.g. release upload on the registry) are
 * mounted by the caller. It is an operator tool, never exposed publicly by default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import { parseHostPort } from './config/values.js'
import { type Listening, listenHttp } from './http.js'

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

export interface AdminOptions {
  host: string
  port: number
  status: () => unknown | Promise<unknown>
  metrics: Registry
  /** Extra routes keyed by `METHOD /path`, e.g. `POST /releases`. */
  routes?: Record<string, Route>
}

export type AdminServer = Listening

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
  res.writeHead(code, { 'content-type': 'application/json' })
  res.end(text)
}

export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const routes: Record<string, Route> = {
    'GET /status': async (_req, res) => sendJson(res, 200, await opts.status()),
    'GET /metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': opts.metrics.contentType })
      res.end(await opts.metrics.metrics())
    },
    ...opts.routes,
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const route = routes[`${req.method} ${path}`]
    if (route === undefined) {
      sendJson(res, 404, { error: 'not found', routes: Object.keys(routes) })
      return
    }
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: err.message })
        else res.destroy(err)
      })
  })
  server.keepAliveTimeout = 5_000
  return listenHttp(server, opts.host, opts.port)
}

/** Splits `HOST:PORT` (IPv6 as `[::1]:PORT`); throws TypeError with a readable message. */
export function hostPort(text: string): { host: string; port: number } {
  const parsed = parseHostPort(text)
  if (parsed === undefined) throw new TypeError(`expected HOST:PORT, got ${JSON.stringify(text)}`)
  return parsed
}
