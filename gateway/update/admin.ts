/**
 * Release upload handlers for the registry's admin endpoint (127.0.0.1 only; the admin server
 * decides who may reach it). Binary-safe and curl-friendly:
 *
 *   POST /releases
 *     x-xlattice-release: base64url of the manifest envelope JSON {manifest, signature, key}
 *     body: the tarball bytes (content-type application/gzip)
 *   POST /releases/rotations
 *     body: JSON {statement, signature} (base64url)
 *
 * Answers JSON: 201 with the stored manifest, 400 for a bad or mismatched upload (with the
 * error code), 409 for a version already published with other bytes, 413 when too large.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fromB64u } from '../../lib/encoding.js'
import { logger } from '../../lib/log.js'
import { ReleaseExistsError, SizeMismatchError, UpdateError } from './errors.js'
import { MAX_ENVELOPE_BYTES, signedFromEnvelope } from './manifest.js'
import type { ReleaseStore } from './releases.js'

export const RELEASE_HEADER = 'x-xlattice-release'
const log = logger('gateway:update:admin')

class TooLargeError extends UpdateError {
  constructor(limit: number) {
    super('ERR_TOO_LARGE', `upload is larger than the ${limit}-byte limit`)
  }
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > limit) throw new TooLargeError(limit)
  const parts: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > limit) throw new TooLargeError(limit)
    parts.push(chunk)
  }
  return new Uint8Array(Buffer.concat(parts))
}

function fail(res: ServerResponse, err: unknown): void {
  if (!(err instanceof UpdateError)) {
    log.error({ err }, 'release upload failed')
    reply(res, 500, { error: 'internal error' })
    return
  }
  const code = err instanceof TooLargeError ? 413 : err instanceof ReleaseExistsError ? 409 : 400
  reply(res, code, { error: err.message, code: err.code })
}

/** `POST /releases`: stores a signed release after checking the tarball matches its manifest. */
export async function handleReleaseUpload(
  req: IncomingMessage,
  res: ServerResponse,
  releases: ReleaseStore,
): Promise<void> {
  try {
    const header = req.headers[RELEASE_HEADER]
    if (typeof header !== 'string' || header.length > MAX_ENVELOPE_BYTES * 2) {
      throw new UpdateError('ERR_BAD_UPLOAD', `missing or oversized ${RELEASE_HEADER} header`)
    }
    let envelope: Uint8Array
    try {
      envelope = fromB64u(header)
    } catch {
      throw new UpdateError('ERR_BAD_UPLOAD', `${RELEASE_HEADER} is not base64url`)
    }
    const signed = signedFromEnvelope(envelope)
    const tarball = await readBody(req, releases.maxSize)
    if (tarball.length === 0) throw new SizeMismatchError('upload has no tarball body')
    const m = await releases.publish(tarball, signed)
    log.info({ version: m.version, size: m.size }, 'release published')
    reply(res, 201, m)
  } catch (err) {
    req.resume()
    fail(res, err)
  }
}

/** `POST /releases/rotations`: stores a release key rotation statement signed by the old key. */
export async function handleRotationUpload(
  req: IncomingMessage,
  res: ServerResponse,
  releases: ReleaseStore,
): Promise<void> {
  try {
    const body = await readBody(req, 4096)
    let r: { statement: Uint8Array; signature: Uint8Array }
    try {
      const j = JSON.parse(new TextDecoder().decode(body))
      r = { statement: fromB64u(j.statement), signature: fromB64u(j.signature) }
    } catch {
      throw new UpdateError('ERR_BAD_UPLOAD', 'body must be JSON {statement, signature} in base64url')
    }
    await releases.addRotation(r)
    reply(res, 201, { stored: true })
  } catch (err) {
    req.resume()
    fail(res, err)
  }
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** Routes to mount on the registry's admin server, keyed `METHOD /path`. */
export function releaseAdminRoutes(releases: ReleaseStore): Record<string, Route> {
  return {
    'POST /releases': (req, res) => handleReleaseUpload(req, res, releases),
    'POST /releases/rotations': (req, res) => handleRotationUpload(req, res, releases),
  }
}
