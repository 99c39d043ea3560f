import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { IdentityError } from '../../../lib/errors.js'
import { identityPeerId, loadOrCreateIdentity, readIdentity } from '../../../lib/identity.js'

describe('lib/identity', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xl-id-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('[0.0.1] creates an Ed25519 + X25519 identity with mode 0600 on first start', async () => {
    const { identity, created } = await loadOrCreateIdentity(join(dir, 'data'))
    assert.equal(created, true)
    const st = await stat(join(dir, 'data', 'identity.json'))
    assert.equal(st.mode & 0o777, 0o600)
    // Cross-check the stored public halves against an independent implementation.
    assert.deepEqual(ed25519.getPublicKey(identity.sigSeed), identity.sigPublicKey)
    assert.deepEqual(x25519.getPublicKey(identity.commsPrivateKey), identity.commsPublicKey)
    const peerId = await identityPeerId(identity)
    assert.deepEqual(peerId.publicKey?.raw, identity.sigPublicKey)
  })

  it('[0.0.1] reuses the identity on restart and never overwrites it', async () => {
    const first = await loadOrCreateIdentity(dir)
    const bytes = await readFile(join(dir, 'identity.json'))
    const second = await loadOrCreateIdentity(dir)
    assert.equal(second.created, false)
    assert.deepEqual(second.identity.sigPublicKey, first.identity.sigPublicKey)
    assert.deepEqual(second.identity.commsPrivateKey, first.identity.commsPrivateKey)
    assert.deepEqual(await readFile(join(dir, 'identity.json')), bytes)
  })

  it('[0.0.1] two concurrent first starts end with one identity', async () => {
    const [a, b] = await Promise.all([loadOrCreateIdentity(dir), loadOrCreateIdentity(dir)])
    assert.deepEqual(a.identity.sigPublicKey, b.identity.sigPublicKey)
    assert.equal([a.created, b.created].filter(Boolean).length, 1)
  })

  it('[0.0.1] a damaged file is a clear error, not a silent regeneration', async () => {
    await loadOrCreateIdentity(dir)
    const path = join(dir, 'identity.json')
    const original = await readFile(path, 'utf8')
    await writeFile(path, original.slice(0, 40))
    await assert.rejects(loadOrCreateIdentity(dir), (err: Error) => {
      assert.ok(err instanceof IdentityError)
      assert.match(err.message, /not valid JSON/)
      return true
    })
    // A flipped key byte: still JSON, but the public key no longer matches the private one.
    const raw = JSON.parse(original)
    raw.sigPublicKey = raw.commsPublicKey
    await writeFile(path, JSON.stringify(raw))
    await assert.rejects(readIdentity(dir), /does not match/)
    assert.notEqual(await readFile(path, 'utf8'), original, 'the damaged file was left for the operator')
  })

  it('[0.0.1] a file readable by others is refused with the fix in the message', async () => {
    await loadOrCreateIdentity(dir)
    await chmod(join(dir, 'identity.json'), 0o644)
    await assert.rejects(loadOrCreateIdentity(dir), /mode 644.*chmod 600/)
  })
})
