import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  checkForUpdate,
  startUpdateChecker,
  UPDATES_OFF_REASON,
  updateNow,
} from '../../../../gateway/update/checker.js'
import { UntrustedKeyError, UpdatesDisabledError } from '../../../../gateway/update/errors.js'
import { linkedVersion } from '../../../../gateway/update/install.js'
import { type SignedRotation, signRotation } from '../../../../gateway/update/keys.js'
import type { SignedManifest } from '../../../../gateway/update/manifest.js'
import type { ReleaseSource } from '../../../../gateway/update/source.js'
import { releaseKey, signedRelease } from './helpers.js'

function fakeSource(
  release: { signed: SignedManifest; tarball: Uint8Array } | undefined,
  rotations: SignedRotation[] = [],
): ReleaseSource & { downloads: number } {
  const source = {
    description: 'fake',
    downloads: 0,
    latest: async () => release?.signed,
    tarball: async () => {
      source.downloads++
      return release!.tarball
    },
    rotations: async () => rotations,
  }
  return source
}

describe('[0.0.0] update checks', () => {
  const key = releaseKey()
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xl-check-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('[0.0.0] with no trusted keys, updates are off and the status says so clearly', async () => {
    const checker = startUpdateChecker({
      intervalHours: 6,
      source: fakeSource(signedRelease(key, '2.0.0')),
      trustedKeys: [],
      currentVersion: '1.0.0',
    })
    const status = await checker.check()
    assert.equal(status.enabled, false)
    assert.equal(status.reason, UPDATES_OFF_REASON)
    assert.equal(UPDATES_OFF_REASON, 'no release keys configured: updates are off')
    assert.equal(status.lastCheck, null)
    checker.stop()
    await assert.rejects(
      checkForUpdate(fakeSource(undefined), { trustedKeys: [], currentVersion: '1.0.0' }),
      UpdatesDisabledError,
    )
  })

  it('[0.0.0] reports a newer verified release in the status object', async () => {
    const results: unknown[] = []
    const checker = startUpdateChecker({
      intervalHours: 6,
      source: fakeSource(signedRelease(key, '2.0.0')),
      trustedKeys: [key.publicKey],
      currentVersion: '1.0.0',
      name: 'xlattice-chat',
      onResult: (s) => results.push(s),
    })
    const status = await checker.check()
    checker.stop()
    assert.equal(status.enabled, true)
    assert.equal(status.latestVersion, '2.0.0')
    assert.equal(status.updateAvailable, true)
    assert.equal(status.error, null)
    assert.ok(status.lastCheck !== null)
    assert.equal(status.installedVersion, null)
    assert.ok(results.length >= 1)
  })

  it('[0.0.0] an untrusted release is an error in the status, not an available update', async () => {
    const checker = startUpdateChecker({
      intervalHours: 6,
      source: fakeSource(signedRelease(releaseKey(), '2.0.0')),
      trustedKeys: [key.publicKey],
      currentVersion: '1.0.0',
    })
    const status = await checker.check()
    checker.stop()
    assert.equal(status.updateAvailable, false)
    assert.match(status.error ?? '', /not among the trusted release keys/)
  })

  it('[0.0.0] follows a rotation statement signed by the trusted old key', async () => {
    const next = releaseKey()
    const release = signedRelease(next, '2.0.0')
    const opts = { trustedKeys: [key.publicKey], currentVersion: '1.0.0' }
    await assert.rejects(checkForUpdate(fakeSource(release), opts), UntrustedKeyError)
    const check = await checkForUpdate(fakeSource(release, [signRotation(key, next.publicKey)]), opts)
    assert.equal(check?.updateAvailable, true)
  })

  it('[0.0.0] equal version: up to date; autoInstall installs once, then only reports', async () => {
    const release = signedRelease(key, '2.0.0')
    const upToDate = await checkForUpdate(fakeSource(release), {
      trustedKeys: [key.publicKey],
      currentVersion: '2.0.0',
    })
    assert.equal(upToDate?.updateAvailable, false)

    const source = fakeSource(release)
    const checker = startUpdateChecker({
      intervalHours: 6,
      source,
      trustedKeys: [key.publicKey],
      currentVersion: '1.0.0',
      autoInstall: true,
      installDir: dir,
    })
    const first = await checker.check()
    const second = await checker.check()
    checker.stop()
    assert.equal(first.installedVersion, '2.0.0')
    assert.equal(second.error, null)
    assert.equal(source.downloads, 1)
    assert.equal(await linkedVersion(dir, 'current'), '2.0.0')
  })

  it('[0.0.0] updateNow downloads, verifies and installs', async () => {
    const { installed } = await updateNow(fakeSource(signedRelease(key, '1.3.0')), {
      trustedKeys: [key.publicKey],
      currentVersion: '1.0.0',
      installDir: dir,
    })
    assert.equal(installed?.version, '1.3.0')
  })
})
