/**
 * Safe unpacking of `npm pack` tarballs (everything under `package/`).
 *
 * The tarball's hash is verified before we get here, so this is defence in depth against a
 * release key that signed something hostile: every entry is inspected first (no absolute paths,
 * no `..`, links only to places inside the package, no device files, bounded total size), and
 * only a tarball that passes is extracted, by `tar` with its own path protections on.
 */
import { posix } from 'node:path'
import { Parser, type ReadEntry, x as extract } from 'tar'
import { UnsafeTarballError } from './errors.js'

export interface UnpackLimits {
  /** Sum of entry sizes (guards against decompression bombs). */
  maxUnpackedSize?: number
  maxEntries?: number
}

export const DEFAULT_MAX_UNPACKED = 2 * 1024 * 1024 * 1024
const DEFAULT_MAX_ENTRIES = 200_000
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'])

/** Path inside the package (after `package/`), or a reason it is unsafe. */
function packagePath(path: string): string | { unsafe: string } {
  if (path.includes('\\') || path.includes('\0')) return { unsafe: 'backslash or NUL in path' }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return { unsafe: 'absolute path' }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) return { unsafe: '".." in path' }
  if (parts[0] !== 'package') return { unsafe: 'entry outside package/' }
  return parts.slice(1).join('/')
}

/** The reason an entry is unsafe, or undefined if it is fine. */
export function entryProblem(entry: { path: string; type: string; linkpath?: string }): string | undefined {
  if (!ALLOWED_TYPES.has(entry.type)) return `${entry.type} entries are not allowed`
  const rel = packagePath(entry.path)
  if (typeof rel !== 'string') return rel.unsafe
  if (entry.type === 'Link') {
    // Hard link targets are archive paths, checked like entry paths.
    const target = packagePath(entry.linkpath ?? '')
    return typeof target === 'string' ? undefined : `hard link target: ${target.unsafe}`
  }
  if (entry.type === 'SymbolicLink') {
    const link = entry.linkpath ?? ''
    if (link.startsWith('/') || link.includes('\\')) return 'symbolic link to an absolute path'
    // Relative to the package root, so normalising cannot clamp `..` at `/` as it would for `/a/../..`.
    const resolved = posix.normalize(posix.join(posix.dirname(rel), link))
    if (resolved === '..' || resolved.startsWith('../')) return 'symbolic link leaving the package'
  }
  return undefined
}

/** Inspects every entry of a gzipped tarball; throws UnsafeTarballError naming the first problem. */
export async function inspectTarball(tarball: Uint8Array, limits: UnpackLimits = {}): Promise<void> {
  const maxSize = limits.maxUnpackedSize ?? DEFAULT_MAX_UNPACKED
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES
  let total = 0
  let count = 0
  let problem: string | undefined
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      count++
      total += entry.size
      if (problem === undefined) {
        const p = entryProblem(entry)
        if (p !== undefined) problem = `${p}: ${JSON.stringify(entry.path)}`
        else if (total > maxSize) problem = `unpacks to more than ${maxSize} bytes`
        else if (count > maxEntries) problem = `more than ${maxEntries} entries`
      }
      if (problem !== undefined) parser.abort(new Error(problem))
      entry.resume()
    },
  })
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve)
    parser.on('error', reject)
    parser.on('abort', reject)
    parser.end(Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength))
  }).catch((err) => {
    throw new UnsafeTarballError(problem ?? `not a valid tarball: ${err.message}`, { cause: err })
  })
  if (problem !== undefined) throw new UnsafeTarballError(problem)
  if (count === 0) throw new UnsafeTarballError('tarball has no entries')
}

/** Extracts an inspected tarball's `package/` contents into `dir` (which must exist). */
export async function extractTarball(tarball: Uint8Array, dir: string): Promise<void> {
  let problem: string | undefined
  const unpack = extract({
    cwd: dir,
    strip: 1,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    // Checked again here, in case inspection and extraction ever disagree about an entry.
    filter: (_path, entry) => {
      const e = entry as ReadEntry
      const p = entryProblem(e)
      if (p !== undefined) {
        problem ??= `${p}: ${JSON.stringify(e.path)}`
        return false
      }
      // No setuid/setgid/sticky bits from a download.
      if (e.mode !== undefined) e.mode &= 0o777
      return true
    },
  })
  await new Promise<void>((resolve, reject) => {
    unpack.on('close', resolve)
    unpack.on('error', reject)
    unpack.end(Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength))
  }).catch((err) => {
    throw new UnsafeTarballError(`extraction failed: ${err.message}`, { cause: err })
  })
  if (problem !== undefined) throw new UnsafeTarballError(problem)
}

/** `package/package.json` of a gzipped npm tarball, read in memory (for publishing). */
export async function readTarballPackageJson(
  tarball: Uint8Array,
): Promise<{ name: string; version: string }> {
  let text: string | undefined
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.path !== 'package/package.json' || entry.size > 1024 * 1024) return void entry.resume()
      const parts: Buffer[] = []
      entry.on('data', (c: Buffer) => parts.push(c))
      entry.on('end', () => {
        text = Buffer.concat(parts).toString('utf8')
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve)
    parser.on('error', reject)
    parser.end(Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength))
  }).catch((err) => {
    throw new UnsafeTarballError(`not a valid tarball: ${err.message}`, { cause: err })
  })
  if (text === undefined)
    throw new UnsafeTarballError('tarball has no package/package.json (not an npm pack tarball)')
  try {
    const pkg = JSON.parse(text)
    return { name: String(pkg.name), version: String(pkg.version) }
  } catch (err) {
    throw new UnsafeTarballError('package/package.json in the tarball is not JSON', { cause: err })
  }
}
