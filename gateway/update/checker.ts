/**
 * Update checks: one-shot (`checkForUpdate`, used by `xlattice update --check`) and periodic for
 * a running node (`startUpdateChecker`), whose status object goes into the node's `/status`.
 *
 * "Available" means verified: the latest manifest is signed by a trusted key (after following
 * valid rotation statements), has not expired, names our package and is newer than what runs.
 * Installing on its own is opt-in (`autoInstall`); the node keeps running the old version until
 * it is restarted through the `current` link.
 */
import { logger } from '../../lib/log.js'
import { UpdatesDisabledError } from './errors.js'
import { type InstallResult, installRelease, linkedVersion } from './install.js'
import { applyRotations } from './keys.js'
import { checkManifestPolicy, type Manifest, type SignedManifest, verifyManifest } from './manifest.js'
import { MAX_TARBALL_SIZE } from './releases.js'
import { compareSemver } from './semver.js'
import type { ReleaseSource } from './source.js'

const log = logger('gateway:update')

export const UPDATES_OFF_REASON = 'no release keys configured: updates are off'

export interface CheckOptions {
  trustedKeys: readonly Uint8Array[]
  currentVersion: string
  /** Our package name; releases of any other package are refused. */
  name?: string
  now?: Date
}

export interface CheckResult {
  manifest: Manifest
  signed: SignedManifest
  /** The trusted keys after rotations, to verify the download with. */
  keys: Uint8Array[]
  updateAvailable: boolean
}

/** Fetches and verifies the latest release; undefined when the registry has none. */
export async function checkForUpdate(
  source: ReleaseSource,
  opts: CheckOptions,
): Promise<CheckResult | undefined> {
  if (opts.trustedKeys.length === 0) throw new UpdatesDisabledError()
  let keys = [...opts.trustedKeys]
  try {
    keys = applyRotations(opts.trustedKeys, await source.rotations())
  } catch (err: any) {
    // Rotations are optional: without them the configured keys still apply.
    log.warn({ source: source.description, err: err?.message }, 'could not fetch release key rotations')
  }
  const signed = await source.latest()
  if (signed === undefined) return undefined
  const manifest = verifyManifest(signed, keys)
  checkManifestPolicy(manifest, { name: opts.name, now: opts.now })
  return { manifest, signed, keys, updateAvailable: compareSemver(manifest.version, opts.currentVersion) > 0 }
}

export interface UpdateOptions extends CheckOptions {
  installDir: string
  maxSize?: number
}

/** Check, download, verify and install the latest release if it is newer. */
export async function updateNow(
  source: ReleaseSource,
  opts: UpdateOptions,
): Promise<{ check: CheckResult | undefined; installed?: InstallResult }> {
  const check = await checkForUpdate(source, opts)
  if (check === undefined || !check.updateAvailable) return { check }
  const tarball = await source.tarball(check.manifest, opts.maxSize ?? MAX_TARBALL_SIZE)
  const installed = await installRelease(check.signed, tarball, { ...opts, trustedKeys: check.keys })
  return { check, installed }
}

/** What a running node reports under `update` in `/status`. */
export interface UpdateStatus {
  enabled: boolean
  reason?: string
  source?: string
  currentVersion: string
  lastCheck: string | null
  latestVersion: string | null
  updateAvailable: boolean
  /** A newer version installed by autoInstall, run after a restart. */
  installedVersion: string | null
  error: string | null
}

export interface UpdateCheckerOptions extends CheckOptions {
  intervalHours: number
  /** Where to look; undefined disables checks (no registry configured). */
  source: ReleaseSource | undefined
  autoInstall?: boolean
  /** Required when autoInstall is on. */
  installDir?: string
  maxSize?: number
  onResult?: (status: UpdateStatus) => void
}

export interface UpdateChecker {
  status(): UpdateStatus
  /** Runs a check now (the periodic timer calls this too); concurrent calls share one run. */
  check(): Promise<UpdateStatus>
  stop(): void
}

export function startUpdateChecker(opts: UpdateCheckerOptions): UpdateChecker {
  const reason =
    opts.trustedKeys.length === 0
      ? UPDATES_OFF_REASON
      : opts.source === undefined
        ? 'no registry configured: updates are off'
        : opts.autoInstall === true && opts.installDir === undefined
          ? 'autoInstall needs an install directory: updates are off'
          : undefined
  let status: UpdateStatus = {
    enabled: reason === undefined,
    ...(reason === undefined ? { source: opts.source?.description } : { reason }),
    currentVersion: opts.currentVersion,
    lastCheck: null,
    latestVersion: null,
    updateAvailable: false,
    installedVersion: null,
    error: null,
  }
  if (reason !== undefined) {
    log.warn({ reason }, 'update checks disabled')
    return { status: () => status, check: async () => status, stop: () => {} }
  }
  const source = opts.source as ReleaseSource
  const installedCurrent = () => linkedVersion(opts.installDir as string, 'current')
  let running: Promise<UpdateStatus> | undefined

  async function run(): Promise<UpdateStatus> {
    const next = { ...status, lastCheck: new Date().toISOString(), error: null }
    try {
      const result = await checkForUpdate(source, opts)
      next.latestVersion = result?.manifest.version ?? null
      next.updateAvailable = result?.updateAvailable ?? false
      if (opts.autoInstall && result?.updateAvailable && (await installedCurrent()) !== next.latestVersion) {
        const tarball = await source.tarball(result.manifest, opts.maxSize ?? MAX_TARBALL_SIZE)
        const installed = await installRelease(result.signed, tarball, {
          ...opts,
          trustedKeys: result.keys,
          installDir: opts.installDir as string,
        })
        next.installedVersion = installed.version
        log.info({ version: installed.version }, 'release installed: restart to run it')
      }
      log.info(
        { latest: next.latestVersion, available: next.updateAvailable, installed: next.installedVersion },
        next.updateAvailable ? 'newer verified release available' : 'software is up to date',
      )
    } catch (err: any) {
      next.error = err?.message ?? String(err)
      log.warn({ err: next.error, code: err?.code }, 'update check failed')
    }
    status = next
    opts.onResult?.(status)
    return status
  }

  const check = () => {
    running ??= run().finally(() => {
      running = undefined
    })
    return running
  }
  void check()
  const timer = setInterval(
    () => void check(),
    Math.min(2 ** 31 - 1, Math.max(60_000, opts.intervalHours * 3_600_000)),
  )
  timer.unref()
  return { status: () => status, check, stop: () => clearInterval(timer) }
}
