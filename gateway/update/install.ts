/**
 * Verifying and installing a release into an install directory:
 *
 *   <installDir>/versions/<version>/   one unpacked release each
 *   <installDir>/current -> versions/<version>    what runs
 *   <installDir>/previous -> versions/<version>   what `rollback()` returns to
 *   <installDir>/bin/xlattice          launcher running current's bin
 *
 * Every check (trusted key, signature, expiry, package name, newer version, size, sha512,
 * entry safety) passes before anything is written, so a refused release leaves nothing behind.
 * Links are switched by creating a temporary link and renaming it over the old one, which is
 * atomic: a crash leaves the old or the new link, never none.
 */
import { mkdir, readFile, readlink, rename, rm, rmdir, stat, symlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join, posix } from 'node:path'
import { randomBytes, sha512 } from '../../lib/crypto.js'
import { toHex } from '../../lib/encoding.js'
import { syncDir, writeFileAtomic } from '../../lib/fsutil.js'
import {
  HashMismatchError,
  NoPreviousVersionError,
  SizeMismatchError,
  UpdatesDisabledError,
  WrongPackageError,
} from './errors.js'
import { checkManifestPolicy, type Manifest, type SignedManifest, verifyManifest } from './manifest.js'
import { isValidVersion } from './semver.js'
import { extractTarball, inspectTarball, type UnpackLimits } from './tarball.js'

export interface VerifyOptions {
  trustedKeys: readonly Uint8Array[]
  /** Refuse anything not newer than this (omit only for `release verify`). */
  currentVersion?: string
  /** Expected package name; omit to accept any. */
  name?: string
  now?: Date
}

export interface InstallOptions extends VerifyOptions, UnpackLimits {
  installDir: string
  currentVersion: string
}

export interface InstallResult {
  version: string
  path: string
  previous?: string
}

/** Every check short of unpacking, in the order that gives the most useful error first. */
export function verifyRelease(signed: SignedManifest, tarball: Uint8Array, opts: VerifyOptions): Manifest {
  if (opts.trustedKeys.length === 0) throw new UpdatesDisabledError()
  const m = verifyManifest(signed, opts.trustedKeys)
  checkManifestPolicy(m, opts)
  if (tarball.length > m.size) {
    throw new SizeMismatchError(
      `tarball is ${tarball.length} bytes, larger than the ${m.size} the manifest says`,
    )
  }
  if (tarball.length < m.size) {
    throw new SizeMismatchError(
      `tarball is ${tarball.length} bytes, smaller than the ${m.size} the manifest says`,
    )
  }
  if (toHex(sha512(tarball)) !== m.sha512) {
    throw new HashMismatchError(
      `tarball sha512 does not match the signed manifest for ${m.version}: refusing`,
    )
  }
  return m
}

export async function installRelease(
  signed: SignedManifest,
  tarball: Uint8Array,
  opts: InstallOptions,
): Promise<InstallResult> {
  const m = verifyRelease(signed, tarball, opts)
  await inspectTarball(tarball, opts)

  const versions = join(opts.installDir, 'versions')
  const createdVersions = !(await isDir(versions))
  await mkdir(versions, { recursive: true })
  const staging = join(versions, `.staging-${m.version}-${toHex(randomBytes(6))}`)
  const final = join(versions, m.version)
  try {
    await mkdir(staging)
    await extractTarball(tarball, staging)
    const pkg = await readPackageJson(staging)
    if (pkg.name !== m.name || pkg.version !== m.version) {
      throw new WrongPackageError(
        `tarball contains ${pkg.name}@${pkg.version} but the signed manifest says ${m.name}@${m.version}`,
      )
    }
    // A leftover directory of this version (an earlier install later rolled back) is replaced.
    if (await isDir(final)) {
      const old = join(versions, `.old-${m.version}-${toHex(randomBytes(6))}`)
      await rename(final, old)
      await rename(staging, final)
      await rm(old, { recursive: true, force: true })
    } else {
      await rename(staging, final)
    }
    await syncDir(versions)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    if (createdVersions) await rmdir(versions).catch(() => {})
    throw err
  }
  const previous = await linkedVersion(opts.installDir, 'current')
  await switchTo(opts.installDir, m.version, previous)
  return { version: m.version, path: final, previous }
}

/** Points `current` back at `previous` (and `previous` at what was current). */
export async function rollback(installDir: string): Promise<InstallResult> {
  const current = await linkedVersion(installDir, 'current')
  const previous = await linkedVersion(installDir, 'previous')
  if (
    previous === undefined ||
    previous === current ||
    !(await isDir(join(installDir, 'versions', previous)))
  ) {
    throw new NoPreviousVersionError(`no previous version installed in ${installDir} to roll back to`)
  }
  await switchTo(installDir, previous, current)
  return { version: previous, path: join(installDir, 'versions', previous), previous: current }
}

/** The version `current` (or `previous`) points at, if any. */
export async function linkedVersion(
  installDir: string,
  link: 'current' | 'previous',
): Promise<string | undefined> {
  try {
    const target = basename(await readlink(join(installDir, link)))
    return isValidVersion(target) ? target : undefined
  } catch (err: any) {
    if (err.code === 'ENOENT' || err.code === 'EINVAL') return undefined
    throw err
  }
}

async function switchTo(installDir: string, version: string, previous: string | undefined): Promise<void> {
  await writeLauncher(installDir, version)
  if (previous !== undefined && previous !== version) await replaceLink(installDir, 'previous', previous)
  await replaceLink(installDir, 'current', version)
}

async function replaceLink(installDir: string, name: string, version: string): Promise<void> {
  const tmp = join(installDir, `.${name}-${process.pid}-${toHex(randomBytes(4))}`)
  await symlink(posix.join('versions', version), tmp)
  try {
    await rename(tmp, join(installDir, name))
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(installDir)
}

/** `<installDir>/bin/xlattice` runs whatever `current` is, with the version's own bin path. */
async function writeLauncher(installDir: string, version: string): Promise<void> {
  const pkg = await readPackageJson(join(installDir, 'versions', version))
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.xlattice ?? Object.values(pkg.bin ?? {})[0])
  if (typeof bin !== 'string' || bin.startsWith('/') || bin.split('/').includes('..')) return
  const target = join(installDir, 'current', bin).replaceAll("'", `'\\''`)
  const script = `#!/bin/sh\n# Written by xlattice update: runs the current release.\nexec "\${XLATTICE_NODE:-node}" '${target}' "$@"\n`
  await writeFileAtomic(join(installDir, 'bin', 'xlattice'), script, 0o755)
}

async function readPackageJson(dir: string): Promise<{ name?: string; version?: string; bin?: any }> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
  } catch (err: any) {
    throw new WrongPackageError(`release has no readable package.json: ${err.message}`)
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** Where releases are installed unless configured: `$XLATTICE_INSTALL_DIR`, else `~/.xlattice`. */
export function defaultInstallDir(): string {
  return process.env.XLATTICE_INSTALL_DIR ?? join(homedir(), '.xlattice')
}
