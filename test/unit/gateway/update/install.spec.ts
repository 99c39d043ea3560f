import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access, mkdtemp, readdir, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  ExpiredManifestError,
  HashMismatchError,
  NoPreviousVersionError,
  RollbackError,
  SizeMismatchError,
  UntrustedKeyError,
  UpdatesDisabledError,
  WrongPackageError,
} from '../../../../gateway/update/errors.js'
import { installRelease, linkedVersion, rollback } from '../../../../gateway/update/install.js'
import { signManifest } from '../../../../gateway/update/manifest.js'
import { fakePackage, manifestFor, releaseKey, signedRelease } from './helpers.js'

const run = promisify(execFile)
const DAY = 86_400_000

describe('[0.0.0] verified install into versioned directories', () => {
  const key = releaseKey()
  let installDir: string
  const opts = () => ({
    installDir,
    trustedKeys: [key.publicKey],
    currentVersion: '1.0.0',
    name: 'xlattice-chat',
  })

  beforeEach(async () => {
    installDir = join(await mkdtemp(join(tmpdir(), 'xl-install-')), 'xlattice')
  })
  afterEach(() => rm(join(installDir, '..'), { recursive: true, force: true }))

  /** "Nothing installed": the install directory was never created, or holds no version at all. */
  async function assertNothingInstalled(): Promise<void> {
    const entries = await readdir(installDir, { recursive: true }).catch(() => [] as string[])
    assert.deepEqual(entries, [], `left behind: ${entries.join(', ')}`)
  }

  it('[0.0.0] installs a newer verified release, switches current, and the launcher runs it', async () => {
    const { tarball, signed } = signedRelease(key, '1.1.0')
    const result = await installRelease(signed, tarball, opts())
    assert.equal(result.version, '1.1.0')
    assert.equal(await readlink(join(installDir, 'current')), 'versions/1.1.0')
    assert.equal(await linkedVersion(installDir, 'current'), '1.1.0')
    const { stdout } = await run(join(installDir, 'bin', 'xlattice'), ['--version'], {
      env: { ...process.env, XLATTICE_NODE: process.execPath },
    })
    assert.equal(stdout.trim(), '1.1.0')
    const left = await readdir(join(installDir, 'versions'))
    assert.deepEqual(left, ['1.1.0'], 'no staging directories left')
  })

  it('[0.0.0] refuses a tarball with one byte changed (hash), installing nothing', async () => {
    const { tarball, signed } = signedRelease(key, '1.1.0')
    const bad = tarball.slice()
    bad[bad.length >> 1] ^= 0x01
    await assert.rejects(
      installRelease(signed, bad, opts()),
      (err: Error) =>
        err instanceof HashMismatchError && /sha512 does not match the signed manifest/.test(err.message),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses a manifest signed by an untrusted key, installing nothing', async () => {
    const { tarball, signed } = signedRelease(releaseKey(), '1.1.0')
    await assert.rejects(
      installRelease(signed, tarball, opts()),
      (err: Error) =>
        err instanceof UntrustedKeyError && /not among the trusted release keys/.test(err.message),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses an older version than the running one (rollback), installing nothing', async () => {
    const { tarball, signed } = signedRelease(key, '0.9.0')
    await assert.rejects(
      installRelease(signed, tarball, opts()),
      (err: Error) =>
        err instanceof RollbackError &&
        err.message.includes('0.9.0 is not newer than the running version 1.0.0'),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses an expired manifest (freeze), installing nothing', async () => {
    const tarball = fakePackage('1.1.0')
    const now = Date.now()
    const manifest = manifestFor(tarball, '1.1.0', {
      published: new Date(now - 40 * DAY).toISOString(),
      expires: new Date(now - DAY).toISOString(),
    })
    await assert.rejects(
      installRelease(signManifest(key, manifest), tarball, opts()),
      (err: Error) => err instanceof ExpiredManifestError && /expired at/.test(err.message),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses a tarball larger than the manifest says, installing nothing', async () => {
    const { tarball, signed } = signedRelease(key, '1.1.0')
    const bigger = new Uint8Array(tarball.length + 1)
    bigger.set(tarball)
    await assert.rejects(
      installRelease(signed, bigger, opts()),
      (err: Error) =>
        err instanceof SizeMismatchError && /larger than the \d+ the manifest says/.test(err.message),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses when no release keys are configured: updates are off', async () => {
    const { tarball, signed } = signedRelease(key, '1.1.0')
    await assert.rejects(
      installRelease(signed, tarball, { ...opts(), trustedKeys: [] }),
      (err: Error) => err instanceof UpdatesDisabledError && /updates are off/.test(err.message),
    )
    await assertNothingInstalled()
  })

  it('[0.0.0] refuses a tarball whose package.json disagrees with the manifest, leaving nothing', async () => {
    const tarball = fakePackage('1.2.0') // signed as 1.1.0 below
    const signed = signManifest(key, manifestFor(tarball, '1.1.0'))
    await assert.rejects(installRelease(signed, tarball, opts()), WrongPackageError)
    await assertNothingInstalled()
  })

  it('[0.0.0] rollback switches current back to the previous version, and forth', async () => {
    await assert.rejects(rollback(installDir), NoPreviousVersionError)
    const a = signedRelease(key, '1.1.0')
    const b = signedRelease(key, '1.2.0')
    await installRelease(a.signed, a.tarball, opts())
    await assert.rejects(rollback(installDir), NoPreviousVersionError)
    await installRelease(b.signed, b.tarball, { ...opts(), currentVersion: '1.1.0' })
    assert.equal(await linkedVersion(installDir, 'previous'), '1.1.0')
    const back = await rollback(installDir)
    assert.deepEqual([back.version, back.previous], ['1.1.0', '1.2.0'])
    assert.equal(await linkedVersion(installDir, 'current'), '1.1.0')
    await rollback(installDir)
    assert.equal(await linkedVersion(installDir, 'current'), '1.2.0')
    await access(join(installDir, 'versions', '1.1.0'))
  })
})
