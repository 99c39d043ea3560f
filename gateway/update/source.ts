/**
 * Where a node or the `xlattice update` command gets releases from: the registry over libp2p,
 * or its public HTTP listener. Both return unverified bytes with hard size bounds; verification
 * happens in one place (install.ts / checker.ts) whatever the source.
 */
import type { DialTarget, Libp2p } from '@libp2p/interface'
import { ReleaseNotFoundError, SizeMismatchError, UpdateProtocolError } from './errors.js'
import type { SignedRotation } from './keys.js'
import { fromB64u } from '../../lib/encoding.js'
import { type Manifest, MAX_ENVELOPE_BYTES, type SignedManifest, signedFromEnvelope } from './manifest.js'
import { fetchLatest, fetchRotations, fetchTarball, type UpdateClientOptions } from './protocol.js'

export interface ReleaseSource {
  /** For logs and messages: the registry peer or URL. */
  readonly description: string
  latest(): Promise<SignedManifest | undefined>
  /** The tarball `manifest` describes, never more than `manifest.size` bytes read. */
  tarball(manifest: Manifest, maxSize: number): Promise<Uint8Array>
  rotations(): Promise<SignedRotation[]>
}

export function libp2pSource(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: DialTarget,
  opts: UpdateClientOptions = {},
): ReleaseSource {
  return {
    description: `registry ${String(peer)}`,
    latest: () => fetchLatest(libp2p, peer, opts),
    tarball: (m, maxSize) => fetchTarball(libp2p, peer, m, maxSize, opts),
    rotations: () => fetchRotations(libp2p, peer, opts),
  }
}

export interface HttpSourceOptions {
  timeoutMs?: number
}

/** Releases from a registry's public listener, e.g. `http://registry.example.org:8080`. */
export function httpSource(baseUrl: string, opts: HttpSourceOptions = {}): ReleaseSource {
  const base = baseUrl.replace(/\/+$/, '')
  const timeoutMs = opts.timeoutMs ?? 300_000
  return {
    description: base,
    async latest() {
      const body = await getBounded(`${base}/releases/latest.json`, MAX_ENVELOPE_BYTES, timeoutMs)
      return body === undefined ? undefined : signedFromEnvelope(body)
    },
    async tarball(m, maxSize) {
      if (m.size > maxSize) {
        throw new SizeMismatchError(`release ${m.version} is ${m.size} bytes, over the limit of ${maxSize}`)
      }
      const body = await getBounded(`${base}/releases/${m.version}.tgz`, m.size, timeoutMs)
      if (body === undefined) throw new ReleaseNotFoundError(`${base} has no tarball for ${m.version}`)
      return body
    },
    async rotations() {
      const body = await getBounded(`${base}/releases/rotations.json`, 64 * 1024, timeoutMs)
      if (body === undefined) return []
      try {
        const list = JSON.parse(new TextDecoder().decode(body)) as { statement: string; signature: string }[]
        return list
          .slice(0, 64)
          .map((r) => ({ statement: fromB64u(r.statement), signature: fromB64u(r.signature) }))
      } catch (err) {
        throw new UpdateProtocolError(`${base}: malformed rotations.json`, { cause: err })
      }
    },
  }
}

/**
 * GETs a URL reading at most `maxBytes` of body; undefined on 404. Stops and refuses as soon as
 * the server sends more (a lying Content-Length or a body that never ends).
 */
async function getBounded(url: string, maxBytes: number, timeoutMs: number): Promise<Uint8Array | undefined> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
  try {
    const res = await fetch(url, { signal: controller.signal })
    if (res.status === 404) {
      await res.body?.cancel()
      return undefined
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel()
      throw new UpdateProtocolError(`GET ${url}: HTTP ${res.status}`)
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN)
    if (declared > maxBytes) {
      controller.abort()
      throw new SizeMismatchError(`GET ${url}: ${declared} bytes is larger than the ${maxBytes} expected`)
    }
    const parts: Uint8Array[] = []
    let total = 0
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > maxBytes) {
        controller.abort()
        throw new SizeMismatchError(
          `GET ${url}: body is larger than the ${maxBytes} bytes expected: refusing`,
        )
      }
      parts.push(value)
    }
    return new Uint8Array(Buffer.concat(parts))
  } catch (err: any) {
    if (err instanceof SizeMismatchError || err instanceof UpdateProtocolError) throw err
    throw new UpdateProtocolError(`GET ${url}: ${err?.cause?.message ?? err?.message ?? err}`, { cause: err })
  } finally {
    clearTimeout(timer)
  }
}
