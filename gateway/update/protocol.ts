/**
 * `/xlattice/update/1.0.0`: nodes fetch release manifests and tarballs from the registry.
 *
 * One stream carries request/response pairs, each a length-prefixed protobuf (update.proto).
 * Requests are tiny and bounded; a tarball moves as GET_CHUNK requests of at most `maxChunk`
 * bytes, so no frame is large and the client decides how much it reads: it asks only for the
 * bytes the signed manifest promises and refuses anything beyond (TUF's endless-data attack).
 * A bad request gets an error status with text, never a crash; a framing error ends the stream.
 */
import '../../lib/polyfill.js'
import type { AbortOptions, DialTarget, Libp2p, Stream } from '@libp2p/interface'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { logger } from '../../lib/log.js'
import { ReleaseNotFoundError, SizeMismatchError, UpdateProtocolError } from './errors.js'
import type { SignedRotation } from './keys.js'
import type { Manifest, SignedManifest } from './manifest.js'
import type { ReleaseStore } from './releases.js'
import { isValidVersion } from './semver.js'
import { UpdateRequest, UpdateResponse } from './update.pb.js'

export const UPDATE_PROTOCOL = '/xlattice/update/1.0.0'
export const DEFAULT_MAX_CHUNK = 64 * 1024
const MAX_REQUEST_BYTES = 256
/** Response framing beyond the data itself: manifest, signature, key, rotations, status text. */
const RESPONSE_OVERHEAD = 64 * 1024
const MAX_REQUESTS_PER_STREAM = 65_536
const DEFAULT_IDLE_MS = 30_000

const log = logger('gateway:update:protocol')

export interface UpdateProtocolOptions {
  /** Largest chunk served per GET_CHUNK (bytes); larger asks are clamped. */
  maxChunk?: number
  /** A stream idle this long between requests is closed. */
  idleMs?: number
}

export interface UpdateProtocolHandle {
  stop(): Promise<void>
}

type Answer = Partial<UpdateResponse>

function fail(status: UpdateResponse.Status, error: string): Answer {
  return { status, error }
}

async function answer(req: UpdateRequest, releases: ReleaseStore, maxChunk: number): Promise<Answer> {
  const T = UpdateRequest.Type
  if (req.type === T.GET_ROTATIONS)
    return { status: UpdateResponse.Status.OK, rotations: await releases.rotations() }
  if (req.type !== T.GET_LATEST && !isValidVersion(req.version)) {
    return fail(UpdateResponse.Status.BAD_REQUEST, 'version is not a semantic version')
  }
  const release = req.type === T.GET_LATEST ? await releases.latest() : await releases.get(req.version)
  if (release === undefined) {
    return fail(
      UpdateResponse.Status.NOT_FOUND,
      req.type === T.GET_LATEST ? 'no releases published' : 'no such release',
    )
  }
  if (req.type !== T.GET_CHUNK) return { status: UpdateResponse.Status.OK, ...release.signed }
  if (req.offset < 0n || req.offset >= BigInt(release.manifest.size)) {
    return fail(UpdateResponse.Status.BAD_REQUEST, `offset outside the ${release.manifest.size}-byte tarball`)
  }
  if (req.length === 0) return fail(UpdateResponse.Status.BAD_REQUEST, 'length must be positive')
  const data = await releases.read(req.version, Number(req.offset), Math.min(req.length, maxChunk))
  return { status: UpdateResponse.Status.OK, data }
}

async function safeAnswer(req: UpdateRequest, releases: ReleaseStore, maxChunk: number): Promise<Answer> {
  try {
    return await answer(req, releases, maxChunk)
  } catch (err: any) {
    if (err instanceof ReleaseNotFoundError) return fail(UpdateResponse.Status.NOT_FOUND, err.message)
    log.error({ err }, 'update request failed')
    return fail(UpdateResponse.Status.INTERNAL, 'internal error')
  }
}

/** Serves releases to nodes. Call `stop()` to unregister (composition roots do, in their stop()). */
export async function registerUpdateProtocol(
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>,
  releases: ReleaseStore,
  opts: UpdateProtocolOptions = {},
): Promise<UpdateProtocolHandle> {
  const maxChunk = Math.max(1, Math.min(opts.maxChunk ?? DEFAULT_MAX_CHUNK, 1024 * 1024))
  const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS
  await libp2p.handle(UPDATE_PROTOCOL, (stream) => serve(stream, releases, maxChunk, idleMs), {
    maxInboundStreams: 8,
  })
  return { stop: () => libp2p.unhandle(UPDATE_PROTOCOL) }
}

async function serve(
  stream: Stream,
  releases: ReleaseStore,
  maxChunk: number,
  idleMs: number,
): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
  try {
    for (let n = 0; n < MAX_REQUESTS_PER_STREAM; n++) {
      let frame: Awaited<ReturnType<typeof lp.read>>
      try {
        frame = await lp.read({ signal: AbortSignal.timeout(idleMs) })
      } catch (err: any) {
        // The remote closed its end between requests: the normal end of a session.
        if (err?.name === 'UnexpectedEOFError' && stream.remoteWriteStatus !== 'writable') break
        // A bad length prefix leaves the stream out of step: answer once, then stop reading.
        if (err?.name === 'InvalidDataLengthError' || err?.name === 'InvalidDataLengthLengthError') {
          await lp.write(UpdateResponse.encode(fail(UpdateResponse.Status.BAD_REQUEST, 'request too large')))
          break
        }
        throw err
      }
      let req: UpdateRequest
      try {
        req = UpdateRequest.decode(frame)
      } catch {
        await lp.write(UpdateResponse.encode(fail(UpdateResponse.Status.BAD_REQUEST, 'undecodable request')))
        continue
      }
      await lp.write(UpdateResponse.encode(await safeAnswer(req, releases, maxChunk)))
    }
    await stream.close()
  } catch (err: any) {
    log.debug({ err: err?.message }, 'update stream ended with an error')
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

export interface UpdateClientOptions extends AbortOptions {
  /** Bytes asked per GET_CHUNK. */
  chunkSize?: number
  /** Per-request timeout. */
  timeoutMs?: number
}

/** One client session: a stream to the registry and a request/response helper. */
class Session {
  readonly #stream: Stream
  readonly #lp: LengthPrefixedStream<Stream>
  readonly #timeoutMs: number
  readonly #signal?: AbortSignal

  constructor(stream: Stream, maxResponse: number, opts: UpdateClientOptions) {
    this.#stream = stream
    this.#lp = lpStream(stream, { maxDataLength: maxResponse + RESPONSE_OVERHEAD })
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_IDLE_MS
    this.#signal = opts.signal
  }

  async request(req: Partial<UpdateRequest>): Promise<UpdateResponse> {
    const signals = [AbortSignal.timeout(this.#timeoutMs)]
    if (this.#signal !== undefined) signals.push(this.#signal)
    const signal = AbortSignal.any(signals)
    await this.#lp.write(UpdateRequest.encode(req), { signal })
    let res: UpdateResponse
    try {
      res = UpdateResponse.decode(await this.#lp.read({ signal }))
    } catch (err) {
      throw new UpdateProtocolError(`bad response from the registry: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (res.status === UpdateResponse.Status.NOT_FOUND) throw new ReleaseNotFoundError(res.error || undefined)
    if (res.status !== UpdateResponse.Status.OK) {
      throw new UpdateProtocolError(`registry answered ${res.status}: ${res.error}`)
    }
    return res
  }

  async close(): Promise<void> {
    await this.#stream.close().catch(() => this.#stream.abort(new Error('close failed')))
  }

  abort(err: Error): void {
    this.#stream.abort(err)
  }
}

async function withSession<T>(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: DialTarget,
  maxResponse: number,
  opts: UpdateClientOptions,
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, UPDATE_PROTOCOL, { signal: opts.signal })
  } catch (err: any) {
    throw new UpdateProtocolError(`cannot open ${UPDATE_PROTOCOL} to ${String(peer)}: ${err?.message}`, {
      cause: err,
    })
  }
  const session = new Session(stream, maxResponse, opts)
  try {
    const out = await fn(session)
    await session.close()
    return out
  } catch (err) {
    session.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

function signedFrom(res: UpdateResponse): SignedManifest {
  return { manifest: res.manifest, signature: res.signature, key: res.key }
}

/** The registry's latest signed manifest, unverified (callers verify), or undefined if none. */
export async function fetchLatest(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: DialTarget,
  opts: UpdateClientOptions = {},
): Promise<SignedManifest | undefined> {
  try {
    return await withSession(libp2p, peer, 0, opts, async (s) =>
      signedFrom(await s.request({ type: UpdateRequest.Type.GET_LATEST })),
    )
  } catch (err) {
    if (err instanceof ReleaseNotFoundError) return undefined
    throw err
  }
}

export async function fetchRotations(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: DialTarget,
  opts: UpdateClientOptions = {},
): Promise<SignedRotation[]> {
  return withSession(libp2p, peer, 0, opts, async (s) => {
    return (await s.request({ type: UpdateRequest.Type.GET_ROTATIONS })).rotations
  })
}

/**
 * Downloads the tarball a verified manifest describes. Reads exactly `manifest.size` bytes and
 * refuses any response carrying more than was asked (endless data); refuses up front when the
 * manifest promises more than `maxSize`. The caller still checks the hash.
 */
export async function fetchTarball(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: DialTarget,
  manifest: Manifest,
  maxSize: number,
  opts: UpdateClientOptions = {},
): Promise<Uint8Array> {
  if (manifest.size > maxSize) {
    throw new SizeMismatchError(
      `release ${manifest.version} is ${manifest.size} bytes, over the limit of ${maxSize}`,
    )
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_MAX_CHUNK
  return withSession(libp2p, peer, chunkSize, opts, async (s) => {
    const out = new Uint8Array(manifest.size)
    let offset = 0
    while (offset < manifest.size) {
      const length = Math.min(chunkSize, manifest.size - offset)
      const { data } = await s.request({
        type: UpdateRequest.Type.GET_CHUNK,
        version: manifest.version,
        offset: BigInt(offset),
        length,
      })
      if (data.length > length) {
        throw new SizeMismatchError(`registry sent ${data.length} bytes where ${length} were asked: refusing`)
      }
      if (data.length === 0) throw new UpdateProtocolError('registry sent an empty chunk')
      out.set(data, offset)
      offset += data.length
    }
    return out
  })
}
