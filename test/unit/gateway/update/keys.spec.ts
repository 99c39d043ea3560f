import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { equalBytes, toB64u } from '../../../../lib/encoding.js'
import {
  applyRotations,
  generateReleaseKeyFile,
  loadReleaseKey,
  parsePublicKey,
  ROTATE_TAG,
  signRotation,
  verifyRotation,
} from '../../../../gateway/update/keys.js'
import { verifySignature } from '../../../../lib/crypto.js'
import { releaseKey } from './helpers.js'

const has = (keys: Uint8Array[], k: Uint8Array) => keys.some((x) => equalBytes(x, k))

describe('[0.0.0] release keys and rotation', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xl-keys-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('[0.0.0] keygen writes a 0600 key file, never overwrites it, and loads back', async () => {
    const path = join(dir, 'release.key')
    const pub = await generateReleaseKeyFile(path)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const signer = await loadReleaseKey(path)
    assert.deepEqual(signer.publicKey, pub)
    assert.equal(JSON.parse(await readFile(path, 'utf8')).publicKey, toB64u(pub))
    await assert.rejects(generateReleaseKeyFile(path), /already exists/)
    assert.deepEqual(parsePublicKey(toB64u(pub)), pub)
    assert.throws(() => parsePublicKey('abc'), /not a release public key/)
  })

  it('[0.0.0] a rotation statement is signed by the old key with xlattice/release-rotate/v1', () => {
    const a = releaseKey()
    const b = releaseKey()
    const r = signRotation(a, b.publicKey)
    assert.ok(verifySignature(ROTATE_TAG, r.statement, r.signature, a.publicKey))
    const s = verifyRotation(r)
    assert.ok(s !== undefined && equalBytes(s.new, b.publicKey) && equalBytes(s.old, a.publicKey))
  })

  it('[0.0.0] applying rotations: chains in time order, replaces the old key', () => {
    const [a, b, c] = [releaseKey(), releaseKey(), releaseKey()]
    const t0 = Date.now()
    const rotations = [
      signRotation(b, c.publicKey, new Date(t0 + 1000)),
      signRotation(a, b.publicKey, new Date(t0)),
    ]
    const keys = applyRotations([a.publicKey], rotations)
    assert.equal(keys.length, 1)
    assert.ok(has(keys, c.publicKey))
    assert.ok(!has(keys, a.publicKey))
  })

  it('[0.0.0] ignores rotations from untrusted keys or with bad signatures', () => {
    const [a, b, mallory] = [releaseKey(), releaseKey(), releaseKey()]
    const fromMallory = signRotation(mallory, mallory.publicKey)
    const forged = { ...signRotation(a, b.publicKey), signature: new Uint8Array(64) }
    const tampered = signRotation(a, b.publicKey)
    const text = new TextDecoder()
      .decode(tampered.statement)
      .replace(toB64u(b.publicKey), toB64u(mallory.publicKey))
    tampered.statement = new TextEncoder().encode(text)
    const keys = applyRotations([a.publicKey], [fromMallory, forged, tampered])
    assert.deepEqual(keys, [a.publicKey])
  })
})
