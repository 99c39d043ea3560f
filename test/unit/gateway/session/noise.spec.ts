import assert from 'node:assert/strict'
import { createCipheriv } from 'node:crypto'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import { hmac as nobleHmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '../../../../lib/crypto.js'
import { concatBytes } from '../../../../lib/encoding.js'
import { HandshakeError } from '../../../../gateway/session/errors.js'
import { HandshakeState, type Pattern } from '../../../../gateway/session/noise.js'
import {
  aeadDecrypt,
  aeadEncrypt,
  chachaNonce,
  DhKey,
  hash,
  hkdf,
  hmac,
  MAX_NONCE,
  rekey,
} from '../../../../gateway/session/primitives.js'
import { hex, toHexStr, vectors } from './fixtures.js'

interface NoiseVector {
  protocol_name: string
  init_prologue: string
  init_static: string
  init_ephemeral: string
  init_remote_static?: string
  resp_prologue: string
  resp_static: string
  resp_ephemeral: string
  handshake_hash: string
  messages: { payload: string; ciphertext: string }[]
}

function sides(v: NoiseVector): [HandshakeState, HandshakeState] {
  const pattern = v.protocol_name.split('_')[1] as Pattern
  const initiator = new HandshakeState({
    pattern,
    initiator: true,
    prologue: hex(v.init_prologue),
    s: DhKey.fromPrivate(hex(v.init_static)),
    rs: v.init_remote_static === undefined ? undefined : hex(v.init_remote_static),
    generateEphemeral: () => DhKey.fromPrivate(hex(v.init_ephemeral)),
  })
  const responder = new HandshakeState({
    pattern,
    initiator: false,
    prologue: hex(v.resp_prologue),
    s: DhKey.fromPrivate(hex(v.resp_static)),
    generateEphemeral: () => DhKey.fromPrivate(hex(v.resp_ephemeral)),
  })
  return [initiator, responder]
}

describe('gateway/session/noise against the Cacophony vectors', () => {
  for (const v of vectors.noise.vectors as NoiseVector[]) {
    it(`[0.0.6] ${v.protocol_name}: every handshake and transport message byte for byte`, () => {
      const [initiator, responder] = sides(v)
      let k = 0
      for (; !initiator.complete; k++) {
        const [writer, reader] = k % 2 === 0 ? [initiator, responder] : [responder, initiator]
        const ct = writer.writeMessage(hex(v.messages[k].payload))
        assert.equal(toHexStr(ct), v.messages[k].ciphertext, `handshake message ${k}`)
        assert.equal(toHexStr(reader.readMessage(ct)), v.messages[k].payload)
      }
      assert.ok(responder.complete)
      assert.equal(toHexStr(initiator.handshakeHash), v.handshake_hash)
      assert.equal(toHexStr(responder.handshakeHash), v.handshake_hash)
      const i = initiator.split()
      const r = responder.split()
      for (; k < v.messages.length; k++) {
        const [writer, reader] = k % 2 === 0 ? [i.c1, r.c1] : [r.c2, i.c2]
        const ct = writer.encryptWithAd(new Uint8Array(0), hex(v.messages[k].payload))
        assert.equal(toHexStr(ct), v.messages[k].ciphertext, `transport message ${k}`)
        assert.equal(toHexStr(reader.decryptWithAd(new Uint8Array(0), ct)), v.messages[k].payload)
      }
    })
  }

  it('[0.0.6] both sides derive equal session keys (IK and XX, fresh keys)', () => {
    for (const pattern of ['IK', 'XX'] as Pattern[]) {
      const si = DhKey.generate()
      const sr = DhKey.generate()
      const prologue = randomBytes(8)
      const initiator = new HandshakeState({ pattern, initiator: true, prologue, s: si, rs: sr.publicKey })
      const responder = new HandshakeState({ pattern, initiator: false, prologue, s: sr })
      let turn = 0
      while (!initiator.complete) {
        const [w, r] = turn++ % 2 === 0 ? [initiator, responder] : [responder, initiator]
        r.readMessage(w.writeMessage(new Uint8Array(0)))
      }
      const a = initiator.split()
      const b = responder.split()
      assert.deepEqual(a.c1.key, b.c1.key)
      assert.deepEqual(a.c2.key, b.c2.key)
      assert.notDeepEqual(a.c1.key, a.c2.key)
      assert.deepEqual(initiator.remoteStatic, sr.publicKey)
      assert.deepEqual(responder.remoteStatic, si.publicKey)
    }
  })

  it('refuses out-of-turn, altered and low-order-key messages with HandshakeError, for good', () => {
    const s = DhKey.generate()
    const initiator = new HandshakeState({ pattern: 'XX', initiator: true, prologue: new Uint8Array(0), s })
    assert.throws(() => initiator.readMessage(new Uint8Array(32)), HandshakeError)

    const sr = DhKey.generate()
    const ik = new HandshakeState({
      pattern: 'IK',
      initiator: true,
      prologue: new Uint8Array(0),
      s,
      rs: sr.publicKey,
    })
    const m1 = ik.writeMessage(new Uint8Array(4))
    const responder = new HandshakeState({
      pattern: 'IK',
      initiator: false,
      prologue: new Uint8Array(0),
      s: sr,
    })
    const altered = m1.slice()
    altered[40] ^= 1
    assert.throws(() => responder.readMessage(altered), HandshakeError)
    assert.throws(() => responder.readMessage(m1), /already failed/)

    // An all-zero ephemeral is a low-order point: DH(s, re) must refuse it (the es token).
    const lowOrder = new HandshakeState({
      pattern: 'IK',
      initiator: false,
      prologue: new Uint8Array(0),
      s: sr,
    })
    assert.throws(() => lowOrder.readMessage(new Uint8Array(32 + 48 + 16)), /invalid X25519 public key/)
  })
})

describe('gateway/session/primitives: node:crypto and libsodium against @noble', () => {
  it('[0.0.6] X25519 public keys and shared secrets match @noble/curves', () => {
    for (let i = 0; i < 20; i++) {
      const a = DhKey.generate()
      const b = DhKey.generate()
      const aPriv = a.exportPrivate()
      assert.deepEqual(a.publicKey, x25519.getPublicKey(aPriv))
      assert.deepEqual(DhKey.fromPrivate(aPriv).publicKey, a.publicKey)
      assert.deepEqual(a.dh(b.publicKey), x25519.getSharedSecret(aPriv, b.publicKey))
      assert.deepEqual(a.dh(b.publicKey), b.dh(a.publicKey))
    }
  })

  it('[0.0.6] SHA-256, HMAC and the Noise HKDF match @noble/hashes (HKDF as RFC 5869 with salt = ck)', () => {
    for (let i = 0; i < 20; i++) {
      const ck = randomBytes(32)
      const ikm = randomBytes(i === 0 ? 0 : 32)
      assert.deepEqual(hash(ck, ikm), nobleSha256(concatBytes(ck, ikm)))
      assert.deepEqual(hmac(ck, ikm), nobleHmac(nobleSha256, ck, ikm))
      const okm = nobleHkdf(nobleSha256, ikm, ck, new Uint8Array(0), 96)
      const [o1, o2, o3] = hkdf(ck, ikm, 3)
      assert.deepEqual(concatBytes(o1, o2, o3), okm)
    }
  })

  it('[0.0.6] ChaCha20-Poly1305 with the Noise nonce, and REKEY, match @noble/ciphers', () => {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(32)
      const ad = randomBytes(i)
      const pt = randomBytes(i * 37)
      const n = i === 19 ? MAX_NONCE - 1n : BigInt(i * 1_000_003)
      const ours = aeadEncrypt(key, n, ad, pt)
      assert.deepEqual(ours, chacha20poly1305(key, chachaNonce(n), ad).encrypt(pt))
      assert.deepEqual(aeadDecrypt(key, n, ad, ours), pt)
      const flipped = ours.slice()
      flipped[flipped.length - 1] ^= 0x80
      assert.equal(aeadDecrypt(key, n, ad, flipped), null)
      const nonceMax = chachaNonce(MAX_NONCE)
      assert.deepEqual(
        rekey(key),
        chacha20poly1305(key, nonceMax).encrypt(new Uint8Array(32)).subarray(0, 32),
      )
    }
    assert.equal(toHexStr(chachaNonce(0x0102030405060708n)), '000000000807060504030201')
  })

  it('ChaCha20-Poly1305 on node:crypto and @noble both give the RFC 9180 A.2.3 ciphertext', () => {
    const v = vectors.hpke
    const e = v.encryptions[0]
    const cipher = createCipheriv('chacha20-poly1305', hex(v.key), hex(e.nonce), { authTagLength: 16 })
    cipher.setAAD(hex(e.aad), { plaintextLength: hex(e.pt).length })
    const native = Buffer.concat([cipher.update(hex(e.pt)), cipher.final(), cipher.getAuthTag()])
    assert.equal(native.toString('hex'), e.ct)
    assert.equal(toHexStr(chacha20poly1305(hex(v.key), hex(e.nonce), hex(e.aad)).encrypt(hex(e.pt))), e.ct)
  })
})
