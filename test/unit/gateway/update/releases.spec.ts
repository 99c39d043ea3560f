import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelStore, MemoryStore, type Store } from '../../../../lib/store/index.js'
import {
  BadSignatureError,
  ExpiredManifestError,
  HashMismatchError,
  ReleaseExistsError,
  SizeMismatchError,
  UntrustedKeyError,
} from '../../../../gateway/update/errors.js'
import { signRotation } from '../../../../gateway/update/keys.js'
import { signManifest } from '../../../../gateway/update/manifest.js'
import { ReleaseStore } from '../../../../gateway/update/releases.js'
import { manifestFor, rawTarball, releaseKey, signedRelease } from './helpers.js'

const DAY = 86_400_000

for (const kind of ['MemoryStore', 'LevelStore'] as const) {
  describe(`[0.0.0] ReleaseStore over ${kind}`, () => {
    const key = releaseKey()
    let root: Store
    let dir: string | undefined
    let releases: ReleaseStore

    beforeEach(async () => {
      if (kind === 'LevelStore') {
        dir = await mkdtemp(join(tmpdir(), 'xl-rel-'))
        root = await LevelStore.open(join(dir, 'store'))
      } else root = new MemoryStore()
      releases = new ReleaseStore(root.sublevel('releases'))
    })
    afterEach(async () => {
      await root.close()
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    })

    it('[0.0.0] stores releases; latest is the highest version, not the last published', async () => {
      assert.equal(await releases.latest(), undefined)
      const b = signedRelease(key, '1.2.0')
      const a = signedRelease(key, '1.10.0')
      await releases.publish(a.tarball, a.signed)
      await releases.publish(b.tarball, b.signed)
      assert.equal((await releases.latest())?.manifest.version, '1.10.0')
      assert.deepEqual(await releases.versions(), ['1.2.0', '1.10.0'])
      const got = await releases.get('1.2.0')
      assert.deepEqual(got?.signed.manifest, b.signed.manifest)
      assert.deepEqual(await releases.tarball('1.2.0'), b.tarball)
      assert.equal(await releases.get('nope'), undefined)
    })

    it('[0.0.0] keeps large tarballs in chunks and reads any range', async () => {
      const big = new Uint8Array(700_000).map((_, i) => (i * 7) & 0xff)
      const tarball = rawTarball([
        { path: 'package/package.json', data: '{}' },
        { path: 'package/b', data: big },
      ])
      const padded = new Uint8Array(600_000 + tarball.length)
      padded.set(tarball)
      const signed = signManifest(key, manifestFor(padded, '2.0.0'))
      await releases.publish(padded, signed)
      assert.deepEqual(await releases.tarball('2.0.0'), padded)
      for (const [off, len] of [
        [0, 10],
        [262_140, 10],
        [300_000, 300_000],
        [padded.length - 5, 100],
      ]) {
        assert.deepEqual(
          await releases.read('2.0.0', off, len),
          padded.subarray(off, Math.min(off + len, padded.length)),
        )
      }
      await assert.rejects(releases.read('2.0.0', padded.length, 1), /bad range/)
    })

    it('[0.0.0] refuses a tarball that does not match its manifest', async () => {
      const { tarball, signed } = signedRelease(key, '1.0.0')
      const bad = tarball.slice()
      bad[10] ^= 1
      await assert.rejects(releases.publish(bad, signed), HashMismatchError)
      await assert.rejects(releases.publish(tarball.subarray(1), signed), SizeMismatchError)
      assert.equal(await releases.latest(), undefined)
    })

    it('[0.0.0] refuses bad signatures, expired manifests and (optionally) other keys', async () => {
      const { tarball, signed } = signedRelease(key, '1.0.0')
      await assert.rejects(
        releases.publish(tarball, { ...signed, signature: new Uint8Array(64) }),
        BadSignatureError,
      )
      const now = Date.now()
      const stale = signManifest(
        key,
        manifestFor(tarball, '1.0.0', {
          published: new Date(now - 3 * DAY).toISOString(),
          expires: new Date(now - DAY).toISOString(),
        }),
      )
      await assert.rejects(releases.publish(tarball, stale), ExpiredManifestError)
      const picky = new ReleaseStore(root.sublevel('picky'), { acceptKeys: [releaseKey().publicKey] })
      await assert.rejects(picky.publish(tarball, signed), UntrustedKeyError)
    })

    it('[0.0.0] re-signing a version with the same tarball refreshes its manifest; other bytes are refused', async () => {
      const { tarball, signed, manifest } = signedRelease(key, '1.0.0')
      await releases.publish(tarball, signed)
      const later = signManifest(key, { ...manifest, expires: new Date(Date.now() + 90 * DAY).toISOString() })
      await releases.publish(tarball, later)
      assert.deepEqual((await releases.get('1.0.0'))?.signed.manifest, later.manifest)
      const otherBytes = rawTarball([{ path: 'package/package.json', data: '{"x":1}' }])
      const otherSigned = signManifest(key, manifestFor(otherBytes, '1.0.0'))
      await assert.rejects(releases.publish(otherBytes, otherSigned), ReleaseExistsError)
    })

    it('[0.0.0] stores only validly signed rotation statements', async () => {
      const next = releaseKey()
      const r = signRotation(key, next.publicKey)
      await releases.addRotation(r)
      await assert.rejects(releases.addRotation({ ...r, signature: new Uint8Array(64) }), /badly signed/)
      const stored = await releases.rotations()
      assert.equal(stored.length, 1)
      assert.deepEqual(stored[0].statement, r.statement)
    })
  })
}
