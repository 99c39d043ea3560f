/**
 * The registry's release storage over the project's Store (a sublevel given by the caller):
 * signed manifests, tarballs in fixed-size chunks, the `latest` pointer and key rotation
 * statements.
 *
 * The registry does not decide which release keys nodes trust (nodes do); it stores what is
 * validly signed, optionally only by `acceptKeys`, and refuses a manifest whose sha512 or size
 * does not describe the uploaded tarball, so it never serves a pair that cannot install.
 *
 * Keys: `m/<version>` record JSON, `c/<version>/<index>` chunks, `latest` version string,
 * `r/<time>/<sha512 prefix>` rotation statements.
 */
import { sha512 } from '../../lib/crypto.js'
import { equalBytes, fromB64u, toB64u, toHex } from '../../lib/encoding.js'
import type { BatchOp, Store } from '../../lib/store/index.js'
import {
  ExpiredManifestError,
  HashMismatchError,
  ReleaseExistsError,
  ReleaseNotFoundError,
  SizeMismatchError,
  UntrustedKeyError,
  UpdateError,
} from './errors.js'
import { type SignedRotation, verifyRotation } from './keys.js'
import { decodeManifest, type Manifest, type SignedManifest, verifyManifestSelfSigned } from './manifest.js'
import { compareSemver, isValidVersion } from './semver.js'

/** Default cap on one release tarball (self-contained tarballs bundle node_modules). */
export const MAX_TARBALL_SIZE = 256 * 1024 * 1024
const STORE_CHUNK = 256 * 1024
const MAX_ROTATIONS = 64

export interface Release {
  manifest: Manifest
  signed: SignedManifest
}

interface Record {
  manifest: string
  signature: string
  key: string
  chunkSize: number
}

export interface ReleaseStoreOptions {
  /** When set, only manifests signed by one of these keys are accepted for publishing. */
  acceptKeys?: readonly Uint8Array[]
  maxSize?: number
  now?: () => Date
}

const pad = (n: number) => n.toString().padStart(10, '0')

export class ReleaseStore {
  readonly maxSize: number
  readonly #store: Store
  readonly #acceptKeys?: readonly Uint8Array[]
  readonly #now: () => Date
  // Publishes are serialised so the `latest` pointer is compared and set without a race.
  #queue: Promise<unknown> = Promise.resolve()

  constructor(store: Store, opts: ReleaseStoreOptions = {}) {
    this.#store = store
    this.#acceptKeys = opts.acceptKeys
    this.maxSize = opts.maxSize ?? MAX_TARBALL_SIZE
    this.#now = opts.now ?? (() => new Date())
  }

  /**
   * Stores a signed release. Publishing a version again with the same tarball replaces its
   * manifest (how a publisher re-signs before expiry); with a different tarball it is refused.
   */
  publish(tarball: Uint8Array, signed: SignedManifest): Promise<Manifest> {
    const run = this.#queue.then(() => this.#publish(tarball, signed))
    this.#queue = run.catch(() => {})
    return run
  }

  async #publish(tarball: Uint8Array, signed: SignedManifest): Promise<Manifest> {
    const m = verifyManifestSelfSigned(signed)
    if (this.#acceptKeys !== undefined && !this.#acceptKeys.some((k) => equalBytes(k, signed.key))) {
      throw new UntrustedKeyError(`this registry does not accept releases signed by ${toB64u(signed.key)}`)
    }
    if (Date.parse(m.expires) <= this.#now().getTime()) {
      throw new ExpiredManifestError(`release manifest for ${m.version} already expired at ${m.expires}`)
    }
    if (m.size > this.maxSize) {
      throw new SizeMismatchError(
        `release ${m.version} is ${m.size} bytes, over this registry's limit ${this.maxSize}`,
      )
    }
    if (tarball.length !== m.size) {
      throw new SizeMismatchError(`tarball is ${tarball.length} bytes but the manifest says ${m.size}`)
    }
    if (toHex(sha512(tarball)) !== m.sha512) throw new HashMismatchError()

    const existing = await this.get(m.version)
    const record: Record = {
      manifest: new TextDecoder().decode(signed.manifest),
      signature: toB64u(signed.signature),
      key: toB64u(signed.key),
      chunkSize: existing === undefined ? STORE_CHUNK : await this.#chunkSize(m.version),
    }
    const ops: BatchOp[] = [{ type: 'put', key: `m/${m.version}`, value: encodeJson(record) }]
    if (existing !== undefined) {
      if (existing.manifest.sha512 !== m.sha512) {
        throw new ReleaseExistsError(`release ${m.version} is already published with a different tarball`)
      }
    } else {
      for (let i = 0, at = 0; at < tarball.length; i++, at += STORE_CHUNK) {
        ops.push({
          type: 'put',
          key: `c/${m.version}/${pad(i)}`,
          value: tarball.subarray(at, at + STORE_CHUNK),
        })
      }
    }
    const latest = await this.#latestVersion()
    if (latest === undefined || compareSemver(m.version, latest) > 0) {
      ops.push({ type: 'put', key: 'latest', value: new TextEncoder().encode(m.version) })
    }
    await this.#store.batch(ops, { sync: true })
    return m
  }

  async latest(): Promise<Release | undefined> {
    const v = await this.#latestVersion()
    return v === undefined ? undefined : this.get(v)
  }

  async get(version: string): Promise<Release | undefined> {
    if (!isValidVersion(version)) return undefined
    const bytes = await this.#store.get(`m/${version}`)
    if (bytes === undefined) return undefined
    const r = decodeJson<Record>(bytes)
    const signed = {
      manifest: new TextEncoder().encode(r.manifest),
      signature: fromB64u(r.signature),
      key: fromB64u(r.key),
    }
    return { manifest: decodeManifest(signed.manifest), signed }
  }

  /** Versions with manifests, in ascending precedence. */
  async versions(): Promise<string[]> {
    const out: string[] = []
    for await (const [k] of this.#store.entries({ gte: 'm/', lt: 'm0' })) out.push(k.slice(2))
    return out.sort(compareSemver)
  }

  /** `length` bytes of the tarball from `offset` (fewer at the end); throws past the end. */
  async read(version: string, offset: number, length: number): Promise<Uint8Array> {
    const release = await this.get(version)
    if (release === undefined) throw new ReleaseNotFoundError(`release ${version} not found`)
    const size = release.manifest.size
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      offset >= size ||
      !Number.isSafeInteger(length) ||
      length <= 0
    ) {
      throw new UpdateError('ERR_BAD_RANGE', `bad range ${offset}+${length} of a ${size}-byte tarball`)
    }
    const end = Math.min(size, offset + length)
    const chunkSize = await this.#chunkSize(version)
    const out = new Uint8Array(end - offset)
    for (let i = Math.floor(offset / chunkSize); i * chunkSize < end; i++) {
      const chunk = await this.#chunk(version, i)
      const start = i * chunkSize
      const from = Math.max(offset, start) - start
      const to = Math.min(end, start + chunk.length) - start
      out.set(chunk.subarray(from, to), start + from - offset)
    }
    return out
  }

  /** The tarball chunk by chunk, for streaming responses without holding it all in memory. */
  async *chunks(version: string): AsyncIterable<Uint8Array> {
    const release = await this.get(version)
    if (release === undefined) throw new ReleaseNotFoundError(`release ${version} not found`)
    const chunkSize = await this.#chunkSize(version)
    for (let i = 0; i * chunkSize < release.manifest.size; i++) yield await this.#chunk(version, i)
  }

  async tarball(version: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = []
    for await (const c of this.chunks(version)) parts.push(c)
    return new Uint8Array(Buffer.concat(parts))
  }

  /** Stores a rotation statement validly signed by its own old key; nodes decide trust. */
  async addRotation(r: SignedRotation): Promise<void> {
    const s = verifyRotation(r)
    if (s === undefined)
      throw new UpdateError('ERR_BAD_ROTATION', 'rotation statement is malformed or badly signed')
    if ((await this.rotations()).length >= MAX_ROTATIONS) {
      throw new UpdateError('ERR_BAD_ROTATION', `at most ${MAX_ROTATIONS} rotation statements are kept`)
    }
    const key = `r/${new Date(s.time).toISOString()}/${toHex(sha512(r.statement)).slice(0, 16)}`
    const value = encodeJson({ statement: toB64u(r.statement), signature: toB64u(r.signature) })
    await this.#store.put(key, value, { sync: true })
  }

  async rotations(): Promise<SignedRotation[]> {
    const out: SignedRotation[] = []
    for await (const [, v] of this.#store.entries({ gte: 'r/', lt: 'r0' })) {
      const j = decodeJson<{ statement: string; signature: string }>(v)
      out.push({ statement: fromB64u(j.statement), signature: fromB64u(j.signature) })
    }
    return out
  }

  async #latestVersion(): Promise<string | undefined> {
    const v = await this.#store.get('latest')
    return v === undefined ? undefined : new TextDecoder().decode(v)
  }

  async #chunkSize(version: string): Promise<number> {
    const bytes = await this.#store.get(`m/${version}`)
    return bytes === undefined ? STORE_CHUNK : decodeJson<Record>(bytes).chunkSize
  }

  async #chunk(version: string, i: number): Promise<Uint8Array> {
    const c = await this.#store.get(`c/${version}/${pad(i)}`)
    if (c === undefined) throw new UpdateError('ERR_STORE', `release ${version} is missing chunk ${i}`)
    return c
  }
}

function encodeJson(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v))
}

function decodeJson<T>(b: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(b)) as T
}
