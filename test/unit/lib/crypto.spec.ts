import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import {
  ed25519Generate,
  sha256,
  Signer,
  verifySignature,
  verifySignatureAsync,
  x25519Generate,
  x25519SharedSecret,
} from '../../../lib/crypto.js'
import { concatBytes } from '../../../lib/encoding.js'

describe('lib/crypto', () => {
  it('signs tag || 0x00 || bytes, and the signature checks with @noble over the same bytes', () => {
    const keys = ed25519Generate()
    const signer = new Signer(keys)
    const msg = new TextEncoder().encode('hello')
    const sig = signer.sign('xlattice/test/v1', msg)
    const framed = concatBytes(new TextEncoder().encode('xlattice/test/v1'), new Uint8Array([0]), msg)
    assert.ok(ed25519.verify(sig, framed, keys.publicKey))
    assert.ok(verifySignature('xlattice/test/v1', msg, sig, keys.publicKey))
  })

  it('domain separation: a signature under one tag does not verify under another', () => {
    const signer = new Signer(ed25519Generate())
    const msg = new Uint8Array([1, 2, 3])
    const sig = signer.sign('xlattice/a/v1', msg)
    assert.equal(verifySignature('xlattice/b/v1', msg, sig, signer.publicKey), false)
  })

  it('verify returns false, never throws, for malformed keys and signatures', () => {
    const msg = new Uint8Array([1])
    assert.equal(verifySignature('t', msg, new Uint8Array(10), new Uint8Array(32)), false)
    assert.equal(verifySignature('t', msg, new Uint8Array(64), new Uint8Array(31)), false)
    assert.equal(verifySignature('t', msg, new Uint8Array(64), new Uint8Array(32).fill(255)), false)
  })

  it('the threadpool forms sign and verify exactly as the synchronous ones, and refuse the same inputs', async () => {
    const keys = ed25519Generate()
    const signer = new Signer(keys)
    const msg = new TextEncoder().encode('register me')
    const sig = await signer.signAsync('xlattice/test/v1', msg)
    // Ed25519 is deterministic: the same bytes as the synchronous signature, valid under @noble.
    assert.deepEqual(sig, signer.sign('xlattice/test/v1', msg))
    const framed = concatBytes(new TextEncoder().encode('xlattice/test/v1'), new Uint8Array([0]), msg)
    assert.ok(ed25519.verify(sig, framed, keys.publicKey))
    assert.equal(await verifySignatureAsync('xlattice/test/v1', msg, sig, keys.publicKey), true)
    assert.equal(await verifySignatureAsync('xlattice/other/v1', msg, sig, keys.publicKey), false)
    const flipped = sig.slice()
    flipped[7] ^= 1
    assert.equal(await verifySignatureAsync('xlattice/test/v1', msg, flipped, keys.publicKey), false)
    assert.equal(await verifySignatureAsync('t', msg, new Uint8Array(10), new Uint8Array(32)), false)
    assert.equal(await verifySignatureAsync('t', msg, new Uint8Array(64), new Uint8Array(31)), false)
    assert.equal(
      await verifySignatureAsync('t', msg, new Uint8Array(64), new Uint8Array(32).fill(255)),
      false,
    )
  })

  it('X25519 agreement matches @noble', () => {
    const a = x25519Generate()
    const b = x25519Generate()
    const native = x25519SharedSecret(a.privateKey, b.publicKey)
    assert.deepEqual(native, x25519.getSharedSecret(a.privateKey, b.publicKey))
    assert.deepEqual(native, x25519SharedSecret(b.privateKey, a.publicKey))
  })

  it('fresh keys match @noble: the public half is the one derived from the private bytes', () => {
    for (let i = 0; i < 20; i++) {
      const ed = ed25519Generate()
      assert.deepEqual(ed.publicKey, ed25519.getPublicKey(ed.seed))
      const x = x25519Generate()
      assert.deepEqual(x.publicKey, x25519.getPublicKey(x.privateKey))
    }
  })

  it('no product code calls generateKeyPairSync, whose key export can deadlock Node 20', () => {
    // ~KeyGenJob, run by a GC inside KeyObject.export(), waits on the mutex export() holds.
    // It hung CI for its whole limit; keys come from randomBytes and a JWK import instead.
    const offenders: string[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (path.endsWith('.ts') && readFileSync(path, 'utf8').includes('generateKeyPairSync(')) {
          offenders.push(path)
        }
      }
    }
    for (const dir of ['lib', 'gateway', 'component', 'bin']) walk(dir)
    assert.deepEqual(offenders, [])
  })

  it('sha256 matches @noble', () => {
    const data = new Uint8Array(1000).map((_, i) => i & 255)
    assert.deepEqual(sha256(data), nobleSha256(data))
  })
})
