/**
 * Release manifests: `{name, version, sha512, size, published, expires}` as compact JSON with a
 * fixed key order, signed by a release key as `sign('xlattice/release/v1' || 0x00 || bytes)`.
 *
 * The signature covers the exact manifest bytes as sent. Receivers verify those bytes and only
 * then parse them; nothing is re-encoded before verifying. In JSON envelopes (latest.json, the
 * `--manifest FILE` of `release verify`) the manifest travels as a string whose UTF-8 bytes are
 * the signed bytes, so people can read it and machines can verify it.
 *
 * References: The Update Framework specification, §1.5.2 (attacks: arbitrary package, rollback,
 * freeze, endless data), https://theupdateframework.github.io/specification/latest/
 */
import { type Signer, verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromB64u, toB64u } from '../../lib/encoding.js'
import {
  BadSignatureError,
  ExpiredManifestError,
  ManifestFormatError,
  RollbackError,
  UntrustedKeyError,
  WrongPackageError,
} from './errors.js'
import { compareSemver, isValidVersion } from './semver.js'

export const RELEASE_TAG = 'xlattice/release/v1'
/** A manifest is a few hundred bytes; anything much larger is not one. */
export const MAX_MANIFEST_BYTES = 2048
/** Upper bound for an envelope read from a file or over HTTP (manifest + base64 fields). */
export const MAX_ENVELOPE_BYTES = 16 * 1024

export interface Manifest {
  /** npm package name. */
  name: string
  /** Semantic version of the release. */
  version: string
  /** SHA-512 of the tarball, 128 lowercase hex characters (as `sha512sum` prints it). */
  sha512: string
  /** Tarball size in bytes. */
  size: number
  /** ISO 8601 UTC timestamps. */
  published: string
  expires: string
}

/** A manifest exactly as signed, its signature and the public key that made it. */
export interface SignedManifest {
  manifest: Uint8Array
  signature: Uint8Array
  key: Uint8Array
}

/** The JSON form of a SignedManifest: `/releases/latest.json` and manifest files. */
export interface ManifestEnvelope {
  manifest: string
  signature: string
  key: string
}

const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/
const SHA512_HEX = /^[0-9a-f]{128}$/
const KEYS = ['name', 'version', 'sha512', 'size', 'published', 'expires'] as const

function checkManifest(m: Manifest): void {
  const bad = (why: string) => new ManifestFormatError(`malformed release manifest: ${why}`)
  if (typeof m.name !== 'string' || m.name.length > 214 || !NPM_NAME.test(m.name)) throw bad('name')
  if (typeof m.version !== 'string' || !isValidVersion(m.version)) throw bad('version is not semver')
  if (typeof m.sha512 !== 'string' || !SHA512_HEX.test(m.sha512)) throw bad('sha512')
  if (!Number.isSafeInteger(m.size) || m.size <= 0) throw bad('size')
  for (const k of ['published', 'expires'] as const) {
    if (typeof m[k] !== 'string' || !ISO_UTC.test(m[k]) || !Number.isFinite(Date.parse(m[k]))) throw bad(k)
  }
  if (Date.parse(m.expires) <= Date.parse(m.published)) throw bad('expires is not after published')
}

/** Canonical bytes of a manifest: compact JSON, keys in a fixed order. */
export function encodeManifest(m: Manifest): Uint8Array {
  checkManifest(m)
  const ordered: Record<string, unknown> = {}
  for (const k of KEYS) ordered[k] = m[k]
  return new TextEncoder().encode(JSON.stringify(ordered))
}

/** Parses manifest bytes strictly: exactly the known keys, each well-formed. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ManifestFormatError('release manifest is too large')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new ManifestFormatError('release manifest is not JSON', { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestFormatError('release manifest is not a JSON object')
  }
  const keys = Object.keys(value)
  if (keys.length !== KEYS.length || !KEYS.every((k) => keys.includes(k))) {
    throw new ManifestFormatError(`release manifest must have exactly the keys ${KEYS.join(', ')}`)
  }
  const m = value as Manifest
  checkManifest(m)
  return m
}

export function signManifest(signer: Signer, m: Manifest): SignedManifest {
  const manifest = encodeManifest(m)
  return { manifest, signature: signer.sign(RELEASE_TAG, manifest), key: signer.publicKey }
}

/**
 * Checks the signature over the received bytes against the trusted keys, then parses.
 * Says which failed: untrusted key or bad signature. Policy (expiry, version) is separate.
 */
export function verifyManifest(signed: SignedManifest, trustedKeys: readonly Uint8Array[]): Manifest {
  if (!trustedKeys.some((k) => equalBytes(k, signed.key))) {
    throw new UntrustedKeyError(
      `release manifest is signed by key ${toB64u(signed.key)}, which is not among the trusted release keys`,
    )
  }
  if (!verifySignature(RELEASE_TAG, signed.manifest, signed.signature, signed.key)) {
    throw new BadSignatureError(`release manifest signature by ${toB64u(signed.key)} is invalid`)
  }
  return decodeManifest(signed.manifest)
}

/** Checks the signature against the key the envelope names (registries store what is signed). */
export function verifyManifestSelfSigned(signed: SignedManifest): Manifest {
  return verifyManifest(signed, [signed.key])
}

export interface ManifestPolicy {
  /** The package this installation runs: any other name is an arbitrary-package attempt. */
  name?: string
  /** The running version: anything not newer is refused (rollback). */
  currentVersion?: string
  now?: Date
}

/** Freeze, rollback and wrong-package checks on a verified manifest. */
export function checkManifestPolicy(m: Manifest, policy: ManifestPolicy): void {
  const now = policy.now ?? new Date()
  if (Date.parse(m.expires) <= now.getTime()) {
    throw new ExpiredManifestError(
      `release manifest for ${m.version} expired at ${m.expires}: refusing a possibly frozen feed`,
    )
  }
  if (policy.name !== undefined && m.name !== policy.name) {
    throw new WrongPackageError(`release manifest is for package ${m.name}, not ${policy.name}`)
  }
  if (policy.currentVersion !== undefined && compareSemver(m.version, policy.currentVersion) <= 0) {
    throw new RollbackError(
      `release ${m.version} is not newer than the running version ${policy.currentVersion}: refusing a rollback`,
    )
  }
}

export function envelopeFromSigned(s: SignedManifest): ManifestEnvelope {
  return {
    manifest: new TextDecoder().decode(s.manifest),
    signature: toB64u(s.signature),
    key: toB64u(s.key),
  }
}

/** Parses an envelope (file or HTTP body). Only the framing is checked here, not the signature. */
export function signedFromEnvelope(text: string | Uint8Array): SignedManifest {
  const raw = typeof text === 'string' ? text : new TextDecoder().decode(text)
  if (raw.length > MAX_ENVELOPE_BYTES) throw new ManifestFormatError('release manifest envelope is too large')
  let value: any
  try {
    value = JSON.parse(raw)
  } catch (err) {
    throw new ManifestFormatError('release manifest envelope is not JSON', { cause: err })
  }
  if (
    typeof value?.manifest !== 'string' ||
    typeof value.signature !== 'string' ||
    typeof value.key !== 'string'
  ) {
    throw new ManifestFormatError('release manifest envelope needs string fields manifest, signature, key')
  }
  try {
    return {
      manifest: new TextEncoder().encode(value.manifest),
      signature: fromB64u(value.signature),
      key: fromB64u(value.key),
    }
  } catch (err) {
    throw new ManifestFormatError('release manifest envelope has a malformed signature or key', {
      cause: err,
    })
  }
}
