import assert from 'node:assert/strict'
import { randomBytes } from '../../../../lib/crypto.js'
import {
  DhKey,
  decodeSealedMessage,
  MalformedFrameError,
  openForNode,
  openSealed,
  SealedOpenError,
  sealForNode,
  sealTo,
  WrongKeyError,
} from '../../../../gateway/session/index.js'
import { SealedMessage } from '../../../../gateway/session/session.pb.js'
import { hex, toHexStr, utf8, vectors } from './fixtures.js'

const v = vectors.hpke

function keys() {
  const k = DhKey.generate()
  return { privateKey: k.exportPrivate(), publicKey: k.publicKey }
}

function node() {
  return { nodeId: randomBytes(32), keys: keys() }
}

async function rejects(p: Promise<unknown>, type: new (...args: any[]) => Error): Promise<void> {
  await assert.rejects(p, type)
}

describe('gateway/session/sealed (HPKE auth mode)', () => {
  const sender = { privateKey: hex(v.skSm), publicKey: hex(v.pkSm) }
  const recipient = { privateKey: hex(v.skRm), publicKey: hex(v.pkRm) }
  const e0 = v.encryptions[0]

  it('[0.0.7] reproduces RFC 9180 A.2.3 (X25519, HKDF-SHA256, ChaCha20Poly1305, mode_auth) exactly', async () => {
    assert.deepEqual(DhKey.fromPrivate(sender.privateKey).publicKey, sender.publicKey)
    assert.deepEqual(DhKey.fromPrivate(recipient.privateKey).publicKey, recipient.publicKey)
    const box = await sealTo(recipient.publicKey, sender, hex(v.info), hex(e0.aad), hex(e0.pt), {
      ephemeralIkm: hex(v.ikmE),
    })
    assert.equal(toHexStr(box.enc), v.enc)
    assert.equal(toHexStr(box.ct), e0.ct)
    const opened = await openSealed(recipient, sender.publicKey, hex(v.info), hex(e0.aad), {
      enc: hex(v.enc),
      ct: hex(e0.ct),
    })
    assert.equal(toHexStr(opened), e0.pt)
  })

  it('[0.0.7] seal/open round trip; the ciphertext holds no plaintext', async () => {
    const s = keys()
    const r = keys()
    const pt = utf8('a message for a node that is offline right now')
    const box = await sealTo(r.publicKey, s, utf8('info'), utf8('aad'), pt)
    assert.ok(!Buffer.from(box.ct).includes(Buffer.from(pt.subarray(0, 12))))
    assert.deepEqual(await openSealed(r, s.publicKey, utf8('info'), utf8('aad'), box), pt)
    await rejects(sealTo(new Uint8Array(31), s, utf8('info'), utf8('aad'), pt), WrongKeyError)
  })

  it('[0.0.7] tampering is detected: ciphertext, enc, info, aad, wrong sender or wrong recipient', async () => {
    const s = keys()
    const r = keys()
    const info = utf8('info')
    const aad = utf8('aad')
    const box = await sealTo(r.publicKey, s, info, aad, utf8('hello'))
    const flipped = box.ct.slice()
    flipped[0] ^= 1
    const flippedEnc = box.enc.slice()
    flippedEnc[5] ^= 1
    await rejects(openSealed(r, s.publicKey, info, aad, { enc: box.enc, ct: flipped }), SealedOpenError)
    await rejects(openSealed(r, s.publicKey, info, aad, { enc: flippedEnc, ct: box.ct }), SealedOpenError)
    await rejects(openSealed(r, s.publicKey, utf8('other'), aad, box), SealedOpenError)
    await rejects(openSealed(r, s.publicKey, info, utf8('other'), box), SealedOpenError)
    await rejects(openSealed(r, keys().publicKey, info, aad, box), SealedOpenError)
    await rejects(openSealed(keys(), s.publicKey, info, aad, box), SealedOpenError)
    await rejects(openSealed(r, new Uint8Array(3), info, aad, box), SealedOpenError)
    assert.deepEqual(await openSealed(r, s.publicKey, info, aad, box), utf8('hello'))
  })

  it('[0.0.7] node messages bind both NodeIDs and the sequence number', async () => {
    const a = node()
    const b = node()
    const sealed = await sealForNode({
      senderNodeId: a.nodeId,
      sender: a.keys,
      recipientNodeId: b.nodeId,
      recipientPublicKey: b.keys.publicKey,
      sequence: 7n,
      plaintext: utf8('queued while b was away'),
    })
    const lookup = (id: Uint8Array) => (Buffer.compare(id, a.nodeId) === 0 ? a.keys.publicKey : undefined)
    const opened = await openForNode(sealed, {
      recipientNodeId: b.nodeId,
      recipient: b.keys,
      senderPublicKey: lookup,
    })
    assert.deepEqual(opened, {
      senderNodeId: a.nodeId,
      sequence: 7n,
      plaintext: utf8('queued while b was away'),
    })

    const m = decodeSealedMessage(sealed)
    const resequenced = SealedMessage.encode({ ...m, sequence: 8n })
    await rejects(
      openForNode(resequenced, { recipientNodeId: b.nodeId, recipient: b.keys, senderPublicKey: lookup }),
      SealedOpenError,
    )
    const c = node()
    // Addressed to b, presented to c (with b's keys, so only the recipient NodeID differs).
    await rejects(
      openForNode(sealed, { recipientNodeId: c.nodeId, recipient: b.keys, senderPublicKey: lookup }),
      SealedOpenError,
    )
    // A sender whose certificate the recipient does not know.
    await rejects(
      openForNode(sealed, { recipientNodeId: b.nodeId, recipient: b.keys, senderPublicKey: () => undefined }),
      WrongKeyError,
    )
    await rejects(
      openForNode(randomBytes(50), { recipientNodeId: b.nodeId, recipient: b.keys, senderPublicKey: lookup }),
      MalformedFrameError,
    )
  })
})
