/**
 * The registry's public, read-only HTTP listener, so a newcomer can fetch the software with curl
 * before running any node:
 *
 *   GET /releases/latest.json       the latest signed manifest envelope {manifest, signature, key}
 *   GET /releases/<version>.json    the envelope for one version
 *   GET /releases/<version>.tgz     the tarball
 *   GET /releases/rotations.json    release key rotation statements [{statement, signature}]
 *
 * Everything else is 404; only GET and HEAD are allowed. It never writes: publishing goes
 * through the admin endpoint on 127.0.0.1 (admin.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { toB64u } from '../../lib/encoding.js'
import { type Listening, listenHttp } from '../../lib/http.js'
import { logger } from '../../lib/log.js'
import { envelopeFromSigned } from './manifest.js'
import type { ReleaseStore } from './releases.js'
import { isValidVersion } from './semver.js'

const log = logger('gateway:update:http')

export interface PublicHttpOptions {
  host: string
  port: number
  releases: ReleaseStore
}

export type PublicHttpServer = Listening

const RELEASE_PATH = /^\/releases\/([0-9A-Za-z.+-]{1,64})\.(json|tgz)$/

function send(
  res: ServerResponse,
  code: number,
  type: string,
  body: string | Uint8Array,
  head: boolean,
): void {
  res.writeHead(code, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  })
  res.end(head ? undefined : body)
}

function json(res: ServerResponse, code: number, value: unknown, head: boolean): void {
  send(res, code, 'application/json', `${JSON.stringify(value, null, 2)}\n`, head)
}

async function route(req: IncomingMessage, res: ServerResponse, releases: ReleaseStore): Promise<void> {
  const head = req.method === 'HEAD'
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD')
    return json(res, 405, { error: 'method not allowed' }, false)
  }
  const path = (req.url ?? '/').split('?')[0]
  const notFound = () => json(res, 404, { error: 'not found' }, head)

  if (path === '/releases/latest.json') {
    const latest = await releases.latest()
    return latest === undefined ? notFound() : json(res, 200, envelopeFromSigned(latest.signed), head)
  }
  if (path === '/releases/rotations.json') {
    const list = (await releases.rotations()).map((r) => ({
      statement: toB64u(r.statement),
      signature: toB64u(r.signature),
    }))
    return json(res, 200, list, head)
  }
  const m = RELEASE_PATH.exec(path)
  if (m === null || !isValidVersion(m[1])) return notFound()
  const release = await releases.get(m[1])
  if (release === undefined) return notFound()
  if (m[2] === 'json') return json(res, 200, envelopeFromSigned(release.signed), head)

  res.writeHead(200, {
    'content-type': 'application/gzip',
    'content-length': release.manifest.size,
    'content-disposition': `attachment; filename="${release.manifest.name.replace(/^@.*\//, '')}-${m[1]}.tgz"`,
    'cache-control': 'public, max-age=31536000, immutable',
    digest: `sha-512=${Buffer.from(release.manifest.sha512, 'hex').toString('base64')}`,
  })
  if (head) return void res.end()
  // Chunk by chunk with backpressure: a slow reader never makes us hold the whole tarball.
  for await (const chunk of releases.chunks(m[1])) {
    if (res.destroyed) return
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
  }
  res.end()
}

export async function startPublicHttp(opts: PublicHttpOptions): Promise<PublicHttpServer> {
  const server = createServer((req, res) => {
    route(req, res, opts.releases).catch((err) => {
      log.error({ err }, 'public release request failed')
      if (!res.headersSent) json(res, 500, { error: 'internal error' }, false)
      else res.destroy()
    })
  })
  // Slow or idle clients must not hold sockets forever.
  server.headersTimeout = 10_000
  server.requestTimeout = 60_000
  server.keepAliveTimeout = 5_000
  return listenHttp(server, opts.host, opts.port)
}
