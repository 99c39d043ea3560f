import assert from 'node:assert/strict'
import { toB64u } from '../../../../lib/encoding.js'
import {
  BadSignatureError,
  ExpiredManifestError,
  ManifestFormatError,
  RollbackError,
  UntrustedKeyError,
  WrongPackageError,
} from '../../../../gateway/update/errors.js'
import {
  checkManifestPolicy,
  decodeManifest,
  encodeManifest,
  envelopeFromSigned,
  RELEASE_TAG,
  signedFromEnvelope,
  verifyManifest,
} from '../../../../gateway/update/manifest.js'
import { verifySignature } from '../../../../lib/crypto.js'
import { manifestFor, releaseKey, signedRelease } from './helpers.js'

describe('[0.0.0] release manifests', () => {
  const key = releaseKey()

  it('[0.0.0] encodes canonically: fixed key order, compact JSON', () => {
    const m = manifestFor(new Uint8Array([1, 2, 3]), '1.2.3')
    const shuffled = {
      expires: m.expires,
      size: m.size,
      name: m.name,
      published: m.published,
      sha512: m.sha512,
      version: m.version,
    }
    const text = new TextDecoder().decode(encodeManifest(shuffled))
    assert.equal(text, new TextDecoder().decode(encodeManifest(m)))
    assert.match(
      text,
      /^\{"name":"xlattice-chat","version":"1\.2\.3","sha512":"[0-9a-f]{128}","size":3,"published":/,
    )
    assert.deepEqual(decodeManifest(encodeManifest(m)), m)
  })

  it('[0.0.0] signs with the domain tag xlattice/release/v1 over the exact bytes', () => {
    const { signed, manifest } = signedRelease(key, '1.0.0')
    assert.ok(verifySignature(RELEASE_TAG, signed.manifest, signed.signature, key.publicKey))
    assert.ok(!verifySignature('xlattice/reg/v1', signed.manifest, signed.signature, key.publicKey))
    assert.deepEqual(verifyManifest(signed, [key.publicKey]), manifest)
  })

  it('[0.0.0] verifies received bytes without re-encoding: an equivalent re-spacing fails', () => {
    const { signed } = signedRelease(key, '1.0.0')
    const respaced = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(signed.manifest)), null, 1),
    )
    assert.throws(() => verifyManifest({ ...signed, manifest: respaced }, [key.publicKey]), BadSignatureError)
  })

  it('[0.0.0] refuses an untrusted key, naming it', () => {
    const other = releaseKey()
    const { signed } = signedRelease(other, '1.0.0')
    assert.throws(
      () => verifyManifest(signed, [key.publicKey]),
      (err: Error) => err instanceof UntrustedKeyError && err.message.includes(toB64u(other.publicKey)),
    )
  })

  it('[0.0.0] refuses a forged key field (trusted key named, signature by another)', () => {
    const other = releaseKey()
    const { signed } = signedRelease(other, '1.0.0')
    assert.throws(() => verifyManifest({ ...signed, key: key.publicKey }, [key.publicKey]), BadSignatureError)
  })

  it('[0.0.0] rejects malformed manifests', () => {
    const m = manifestFor(new Uint8Array([1]), '1.0.0')
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
    assert.throws(() => decodeManifest(enc({ ...m, extra: 1 })), ManifestFormatError)
    assert.throws(() => decodeManifest(enc({ ...m, version: 'v1' })), ManifestFormatError)
    assert.throws(() => decodeManifest(enc({ ...m, size: -1 })), ManifestFormatError)
    assert.throws(() => decodeManifest(enc({ ...m, sha512: 'AB' })), ManifestFormatError)
    assert.throws(() => decodeManifest(enc({ ...m, expires: m.published })), ManifestFormatError)
    assert.throws(() => decodeManifest(new Uint8Array([0xff, 0xfe])), ManifestFormatError)
    assert.throws(() => decodeManifest(new Uint8Array(5000)), ManifestFormatError)
  })

  it('[0.0.0] policy: expired (freeze), older or equal (rollback), other package', () => {
    const m = manifestFor(new Uint8Array([1]), '1.0.0')
    assert.throws(
      () => checkManifestPolicy(m, { now: new Date(Date.parse(m.expires) + 1) }),
      (err: Error) => err instanceof ExpiredManifestError && /expired/.test(err.message),
    )
    assert.throws(() => checkManifestPolicy(m, { currentVersion: '1.0.0' }), RollbackError)
    assert.throws(
      () => checkManifestPolicy(m, { currentVersion: '1.0.1' }),
      (err: Error) =>
        err instanceof RollbackError && /not newer than the running version 1\.0\.1/.test(err.message),
    )
    assert.throws(() => checkManifestPolicy(m, { name: 'other' }), WrongPackageError)
    checkManifestPolicy(m, { currentVersion: '1.0.0-rc.1', name: 'xlattice-chat' })
  })

  it('[0.0.0] envelope JSON round-trips the exact signed bytes', () => {
    const { signed } = signedRelease(key, '2.0.0')
    const text = JSON.stringify(envelopeFromSigned(signed))
    const back = signedFromEnvelope(text)
    assert.deepEqual(back.manifest, signed.manifest)
    assert.deepEqual(back.signature, signed.signature)
    verifyManifest(back, [key.publicKey])
    assert.throws(() => signedFromEnvelope('{"manifest":1}'), ManifestFormatError)
    assert.throws(() => signedFromEnvelope('not json'), ManifestFormatError)
  })
})
