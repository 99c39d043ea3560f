/**
 * Semantic Versioning 2.0.0 parsing and precedence, enough to decide "is this release newer
 * than the one running" (the rollback check). Build metadata is ignored for precedence, so
 * `1.0.0+a` is not newer than `1.0.0+b`.
 *
 * References: https://semver.org/spec/v2.0.0.html §9 (pre-release), §10 (build), §11 (precedence).
 */

export interface SemVer {
  major: bigint
  minor: bigint
  patch: bigint
  prerelease: string[]
  build: string[]
}

/** Release versions travel in URLs, store keys and log lines: keep them short. */
export const MAX_VERSION_LENGTH = 64

// The regular expression suggested by semver.org itself, anchored.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

export function parseSemver(text: string): SemVer | undefined {
  if (typeof text !== 'string' || text.length > MAX_VERSION_LENGTH) return undefined
  const m = SEMVER.exec(text)
  if (m === null) return undefined
  return {
    major: BigInt(m[1]),
    minor: BigInt(m[2]),
    patch: BigInt(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
    build: m[5] === undefined ? [] : m[5].split('.'),
  }
}

export function isValidVersion(text: string): boolean {
  return parseSemver(text) !== undefined
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) return cmp(BigInt(a), BigInt(b))
  // §11.4.3: numeric identifiers always have lower precedence than alphanumeric ones.
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Precedence of two valid versions: negative, zero or positive. Throws on an invalid version. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a)
  const y = parseSemver(b)
  if (x === undefined) throw new TypeError(`not a semantic version: ${JSON.stringify(a)}`)
  if (y === undefined) throw new TypeError(`not a semantic version: ${JSON.stringify(b)}`)
  const core = cmp(x.major, y.major) || cmp(x.minor, y.minor) || cmp(x.patch, y.patch)
  if (core !== 0) return core
  // §11.3: a version without pre-release identifiers is greater than one with them.
  if (x.prerelease.length === 0 || y.prerelease.length === 0) {
    return y.prerelease.length - x.prerelease.length === 0 ? 0 : x.prerelease.length === 0 ? 1 : -1
  }
  const n = Math.min(x.prerelease.length, y.prerelease.length)
  for (let i = 0; i < n; i++) {
    const c = compareIdentifiers(x.prerelease[i], y.prerelease[i])
    if (c !== 0) return c
  }
  return x.prerelease.length - y.prerelease.length
}

export function isNewer(candidate: string, running: string): boolean {
  return compareSemver(candidate, running) > 0
}
