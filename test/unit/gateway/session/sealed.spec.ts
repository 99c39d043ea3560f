import assert from 'node:assert/strict'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { expand } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '../../../../lib/crypto.js'
import { concatBytes, equalBytes } from '../../../../lib/encoding.js'
import {
  DhKey,
  decodeSealedMessage,
  MalformedFrameError,
  openForNode,
  openSealed,
  SealedOpenError,
  SealedReceiver,
  type SealedReceiverOptions,
  SealedSender,
  type SealedSenderOptions,
  sealedAad,
  sealedInfo,
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

/** Node a sealing to node b through epochs; `receiver()` is a fresh b (as after a restart). */
function link(
  senderOpts: Partial<SealedSenderOptions> = {},
  receiverOpts: Partial<SealedReceiverOptions> = {},
) {
  const a = node()
  const b = node()
  const sender = new SealedSender({ senderNodeId: a.nodeId, sender: a.keys, ...senderOpts })
  const receiver = () => new SealedReceiver({ recipientNodeId: b.nodeId, recipient: b.keys, ...receiverOpts })
  const to = (sequence: bigint, plaintext = utf8(`message ${sequence}`)) => ({
    recipientNodeId: b.nodeId,
    recipientPublicKey: b.keys.publicKey,
    sequence,
    plaintext,
  })
  const lookup = (id: Uint8Array) => (equalBytes(id, a.nodeId) ? a.keys.publicKey : undefined)
  return { a, b, sender, receiver, to, lookup }
}

const encOf = (sealed: Uint8Array): string => toHexStr(decodeSealedMessage(sealed).enc)

function edit(sealed: Uint8Array, change: (m: SealedMessage) => Partial<SealedMessage>): Uint8Array {
  const m = decodeSealedMessage(sealed)
  return SealedMessage.encode({ ...m, ...change(m) })
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice()
  out[at < 0 ? out.length + at : at] ^= 1
  return out
}

function shuffled<T>(items: T[]): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(1)[0] % (i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
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

  describe('HPKE epochs (SealedSender, SealedReceiver)', () => {
    const EPOCH_CONTEXT = utf8('xlattice/sealed/epoch/v1')
    const hpke = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Chacha20Poly1305(),
    })
    const buf = (b: Uint8Array) => b.slice().buffer

    it('[0.0.7] the epoch key is the RFC 9180 §5.3 secret export (checked against A.2.3 with @noble)', async () => {
      const ctx = await hpke.createSenderContext({
        recipientPublicKey: await hpke.kem.deserializePublicKey(buf(recipient.publicKey)),
        senderKey: await hpke.kem.deserializePrivateKey(buf(sender.privateKey)),
        info: hex(v.info),
        ekm: buf(hex(v.ikmE)),
      })
      assert.equal(toHexStr(new Uint8Array(ctx.enc)), v.enc)
      // LabeledExpand(exporter_secret, "sec", context, 32), suite_id = "HPKE" || kem 0x20 || kdf 1 || aead 3.
      const suiteId = concatBytes(utf8('HPKE'), hex('002000010003'))
      const labeled = concatBytes(hex('0020'), utf8('HPKE-v1'), suiteId, utf8('sec'), EPOCH_CONTEXT)
      assert.deepEqual(
        new Uint8Array(await ctx.export(EPOCH_CONTEXT, 32)),
        expand(sha256, hex(v.exporter_secret), labeled, 32),
      )
    })

    it('[0.0.7] a message is ChaCha20-Poly1305 under the epoch key, nonce 0^32 || sequence LE, aad sequence BE', async () => {
      const { a, b, sender, to } = link()
      const sealed = decodeSealedMessage(await sender.seal(to(0x0102030405060708n)))
      const ctx = await hpke.createRecipientContext({
        recipientKey: await hpke.kem.deserializePrivateKey(buf(b.keys.privateKey)),
        enc: buf(sealed.enc),
        senderPublicKey: await hpke.kem.deserializePublicKey(buf(a.keys.publicKey)),
        info: sealedInfo(a.nodeId, b.nodeId),
      })
      const key = new Uint8Array(await ctx.export(EPOCH_CONTEXT, 32))
      const nonce = hex('000000000807060504030201')
      assert.deepEqual(sealedAad(sealed.sequence), hex('0102030405060708'))
      assert.deepEqual(
        chacha20poly1305(key, nonce, hex('0102030405060708')).decrypt(sealed.ct),
        utf8(`message ${0x0102030405060708n}`),
      )
    })

    it('[0.0.7] 1,000 messages to one recipient share one epoch: one HPKE setup per side, opened in any order', async () => {
      const { sender, receiver, to, lookup } = link()
      const sealed: Uint8Array[] = []
      for (let i = 1; i <= 1000; i++) sealed.push(await sender.seal(to(BigInt(i))))
      assert.equal(sender.setups, 1)
      assert.equal(new Set(sealed.map(encOf)).size, 1)
      assert.ok(!Buffer.from(sealed[41]).includes(Buffer.from(utf8('message 42'))))
      const r = receiver()
      for (const m of shuffled(sealed)) {
        const opened = await r.open(m, lookup)
        assert.deepEqual(opened.plaintext, utf8(`message ${opened.sequence}`))
      }
      assert.equal(r.setups, 1)
      assert.equal(r.cachedEpochs, 1)
    })

    it('[0.0.7] concurrent first messages of an epoch share one setup, at the sender and at the receiver', async () => {
      const { sender, receiver, to, lookup } = link()
      const sealed = await Promise.all(Array.from({ length: 20 }, (_, i) => sender.seal(to(BigInt(i + 1)))))
      assert.equal(sender.setups, 1)
      assert.equal(new Set(sealed.map(encOf)).size, 1)
      const r = receiver()
      const opened = await Promise.all(sealed.map((m) => r.open(m, lookup)))
      assert.deepEqual(
        opened.map((o) => o.sequence),
        sealed.map((_, i) => BigInt(i + 1)),
      )
      assert.equal(r.setups, 1)
    })

    it('[0.0.7] messages open after either side restarts; a restarted sender starts a new epoch', async () => {
      const { a, sender, receiver, to, lookup } = link()
      const before = [await sender.seal(to(1n)), await sender.seal(to(2n))]
      const first = receiver()
      assert.equal((await first.open(before[0], lookup)).sequence, 1n)
      const restartedSender = new SealedSender({ senderNodeId: a.nodeId, sender: a.keys })
      const after = await restartedSender.seal(to(3n))
      assert.notEqual(encOf(after), encOf(before[0]))
      const restartedReceiver = receiver()
      for (const m of [after, before[1], before[0]]) {
        const opened = await restartedReceiver.open(m, lookup)
        assert.deepEqual(opened.plaintext, utf8(`message ${opened.sequence}`))
      }
      assert.equal(restartedReceiver.setups, 2)
    })

    it('[0.0.7] rotates the epoch after maxEpochMessages messages', async () => {
      const { sender, receiver, to, lookup } = link({ maxEpochMessages: 3 })
      const sealed: Uint8Array[] = []
      for (let i = 1; i <= 7; i++) sealed.push(await sender.seal(to(BigInt(i))))
      const encs = sealed.map(encOf)
      assert.deepEqual(
        encs.map((e) => encs.indexOf(e)),
        [0, 0, 0, 3, 3, 3, 6],
      )
      assert.equal(sender.setups, 3)
      const r = receiver()
      for (const m of sealed) await r.open(m, lookup)
      assert.equal(r.setups, 3)
    })

    it('[0.0.7] rotates the epoch after maxEpochMs', async () => {
      let now = 0
      const { sender, receiver, to, lookup } = link({ maxEpochMs: 1000, now: () => now })
      const at = async (t: number, sequence: bigint) => {
        now = t
        return sender.seal(to(sequence))
      }
      const sealed = [
        await at(0, 1n),
        await at(999, 2n),
        await at(1000, 3n),
        await at(1999, 4n),
        await at(2000, 5n),
      ]
      const encs = sealed.map(encOf)
      assert.deepEqual(
        encs.map((e) => encs.indexOf(e)),
        [0, 0, 2, 2, 4],
      )
      const r = receiver()
      for (const m of sealed) await r.open(m, lookup)
    })

    it("[0.0.7] a sequence not above the epoch's highest starts a new epoch: no (key, nonce) is sealed twice", async () => {
      const { sender, receiver, to, lookup } = link()
      const sealed = [
        await sender.seal(to(5n, utf8('A'))),
        await sender.seal(to(5n, utf8('B'))),
        await sender.seal(to(3n, utf8('C'))),
        await sender.seal(to(4n, utf8('D'))),
        await sender.seal(to(9n, utf8('E'))),
        ...(await Promise.all([sender.seal(to(1n, utf8('F'))), sender.seal(to(1n, utf8('G')))])),
      ]
      const encs = sealed.map(encOf)
      assert.deepEqual(
        encs.map((e) => encs.indexOf(e)),
        [0, 1, 2, 2, 2, 5, 6],
      )
      const pairs = sealed.map((m) => `${encOf(m)}/${decodeSealedMessage(m).sequence}`)
      assert.equal(new Set(pairs).size, pairs.length)
      const r = receiver()
      const opened = await Promise.all(sealed.map((m) => r.open(m, lookup)))
      assert.deepEqual(
        opened.map((o) => new TextDecoder().decode(o.plaintext)),
        ['A', 'B', 'C', 'D', 'E', 'F', 'G'],
      )
    })

    it('[0.0.7] a flipped bit in ct, enc, sequence or senderNodeId is refused; the epoch keeps opening', async () => {
      const { a, sender, receiver, to } = link()
      const r = receiver()
      // Any NodeID maps to a's key, so an altered senderNodeId reaches HPKE (info binds it).
      const anyone = () => a.keys.publicKey
      const sealed = await sender.seal(to(1n))
      await r.open(sealed, anyone)
      const altered = [
        edit(sealed, (m) => ({ ct: flip(m.ct, 0) })),
        edit(sealed, (m) => ({ ct: flip(m.ct, -1) })),
        edit(sealed, (m) => ({ enc: flip(m.enc, 0) })),
        edit(sealed, (m) => ({ enc: flip(m.enc, 31) })),
        edit(sealed, (m) => ({ sequence: m.sequence ^ 1n })),
        edit(sealed, (m) => ({ sequence: m.sequence ^ (1n << 63n) })),
        edit(sealed, (m) => ({ senderNodeId: flip(m.senderNodeId, 0) })),
      ]
      for (const m of altered) await rejects(r.open(m, anyone), SealedOpenError)
      assert.equal(r.cachedEpochs, 1)
      const setups = r.setups
      assert.deepEqual((await r.open(await sender.seal(to(2n)), anyone)).plaintext, utf8('message 2'))
      assert.equal(r.setups, setups, 'the honest epoch was still cached')
      // With a lookup that knows only a, the altered NodeID is an unknown sender.
      await rejects(
        r.open(altered[6], (id) => (equalBytes(id, a.nodeId) ? anyone() : undefined)),
        WrongKeyError,
      )
    })

    it('[0.0.7] refuses a sender key that is not the certified one, and another recipient', async () => {
      const { a, b, sender, receiver, to, lookup } = link()
      const mallory = node()
      // Mallory claims a's NodeID but seals with her own key.
      const forged = await new SealedSender({ senderNodeId: a.nodeId, sender: mallory.keys }).seal(to(1n))
      const r = receiver()
      await rejects(r.open(forged, lookup), SealedOpenError)
      const honest = await sender.seal(to(2n))
      // The recipient holds another certificate for a than the key a sealed with.
      await rejects(
        r.open(honest, () => mallory.keys.publicKey),
        SealedOpenError,
      )
      assert.equal(r.cachedEpochs, 0)
      assert.equal((await r.open(honest, lookup)).sequence, 2n)
      // Addressed to b: refused by a node with another NodeID, and by one with other keys.
      const other = new SealedReceiver({ recipientNodeId: randomBytes(32), recipient: b.keys })
      await rejects(other.open(honest, lookup), SealedOpenError)
      await rejects(
        new SealedReceiver({ recipientNodeId: b.nodeId, recipient: keys() }).open(honest, lookup),
        SealedOpenError,
      )
    })

    it('[0.0.7] forged messages (junk enc, junk ct, a tampered first message) neither evict nor poison an epoch', async () => {
      const { a, sender, receiver, to, lookup } = link({}, { maxEpochs: 2, maxEpochsPerSender: 1 })
      const r = receiver()
      const honest = await sender.seal(to(1n))
      await r.open(honest, lookup)
      const junk = (enc: Uint8Array) =>
        SealedMessage.encode({ senderNodeId: a.nodeId, sequence: 2n, enc, ct: randomBytes(40) })
      for (let i = 0; i < 20; i++) await rejects(r.open(junk(randomBytes(32)), lookup), SealedOpenError)
      await rejects(
        r.open(
          edit(honest, () => ({ ct: randomBytes(40) })),
          lookup,
        ),
        SealedOpenError,
      )
      // A failed setup (a low-order enc) is not remembered either way: each attempt sets up again.
      const setups = r.setups
      await rejects(r.open(junk(new Uint8Array(32)), lookup), SealedOpenError)
      await rejects(r.open(junk(new Uint8Array(32)), lookup), SealedOpenError)
      assert.equal(r.setups, setups + 2)
      assert.equal(r.cachedEpochs, 1)
      assert.equal((await r.open(await sender.seal(to(2n)), lookup)).sequence, 2n)
      assert.equal(r.setups, setups + 2, 'the honest epoch opened from the cache')

      // The first message of a new epoch arrives tampered, then the real one: it still opens.
      const next = await new SealedSender({ senderNodeId: a.nodeId, sender: a.keys }).seal(to(3n))
      await rejects(
        r.open(
          edit(next, (m) => ({ ct: flip(m.ct, 3) })),
          lookup,
        ),
        SealedOpenError,
      )
      assert.equal((await r.open(next, lookup)).sequence, 3n)
    })

    it('[0.0.7] the epoch cache stays bounded under 10,000 distinct encs (1,000 honest epochs, 9,000 forged)', async function () {
      this.timeout(120_000)
      const b = node()
      const r = new SealedReceiver({
        recipientNodeId: b.nodeId,
        recipient: b.keys,
        maxEpochs: 64,
        maxEpochsPerSender: 4,
      })
      const senders = Array.from({ length: 40 }, () => {
        const n = node()
        const s = new SealedSender({ senderNodeId: n.nodeId, sender: n.keys, maxEpochMessages: 1 })
        return { ...n, s }
      })
      const keyOf = new Map(senders.map((n) => [toHexStr(n.nodeId), n.keys.publicKey]))
      const lookup = (id: Uint8Array) => keyOf.get(toHexStr(id))
      const encs = new Set<string>()
      const batch = async (round: number, work: Promise<unknown>[]) => {
        await Promise.all(work)
        assert.ok(r.cachedEpochs <= 64, `round ${round}: ${r.cachedEpochs} epochs cached`)
      }
      const last = new Map<string, Uint8Array>()
      for (let round = 0; round < 25; round++) {
        // Each sender opens a new epoch per message (maxEpochMessages 1); 360 forged encs besides.
        const honest = await Promise.all(
          senders.map((n) =>
            n.s.seal({
              recipientNodeId: b.nodeId,
              recipientPublicKey: b.keys.publicKey,
              sequence: BigInt(round + 1),
              plaintext: utf8('hi'),
            }),
          ),
        )
        const forged = Array.from({ length: 360 }, (_, i) =>
          SealedMessage.encode({
            senderNodeId: senders[i % senders.length].nodeId,
            sequence: BigInt(round + 1),
            enc: randomBytes(32),
            ct: randomBytes(18),
          }),
        )
        for (const m of [...honest, ...forged]) encs.add(encOf(m))
        for (const [i, m] of honest.entries()) last.set(toHexStr(senders[i].nodeId), m)
        await batch(round, [
          ...honest.map((m) => r.open(m, lookup)),
          ...forged.map((m) => rejects(r.open(m, lookup), SealedOpenError)),
        ])
      }
      assert.equal(encs.size, 10_000)
      assert.equal(r.cachedEpochs, 64)
      // The newest epochs are the ones kept: the last round reopens without a setup.
      const setups = r.setups
      for (const m of last.values()) await r.open(m, lookup)
      assert.equal(r.setups, setups)
    })

    it('keeps at most maxEpochsPerSender epochs of one sender, dropping the oldest', async () => {
      const { sender, receiver, to, lookup } = link({ maxEpochMessages: 1 }, { maxEpochsPerSender: 4 })
      const r = receiver()
      const sealed: Uint8Array[] = []
      for (let i = 1; i <= 10; i++) sealed.push(await sender.seal(to(BigInt(i))))
      for (const m of sealed) await r.open(m, lookup)
      assert.equal(r.cachedEpochs, 4)
      const setups = r.setups
      for (const m of sealed.slice(6)) await r.open(m, lookup)
      assert.equal(r.setups, setups)
      await r.open(sealed[5], lookup)
      assert.equal(r.setups, setups + 1)
      assert.equal(r.cachedEpochs, 4)
    })

    it('[0.0.7] keys held in pooled Node Buffers (as LevelDB and the network hand them over) seal and open', async () => {
      const { a, b, to } = link()
      // Buffer.from(hex) of 32 bytes lives inside Node's shared pool: slice().buffer would be the pool.
      const pooled = (bytes: Uint8Array) => Buffer.from(Buffer.from(bytes).toString('hex'), 'hex')
      assert.ok(pooled(b.keys.publicKey).buffer.byteLength > 32, 'the test needs a pooled buffer')
      const sender = new SealedSender({
        senderNodeId: pooled(a.nodeId),
        sender: { privateKey: pooled(a.keys.privateKey), publicKey: pooled(a.keys.publicKey) },
      })
      const sealed = await sender.seal({ ...to(1n), recipientPublicKey: pooled(b.keys.publicKey) })
      const receiver = new SealedReceiver({
        recipientNodeId: pooled(b.nodeId),
        recipient: { privateKey: pooled(b.keys.privateKey), publicKey: pooled(b.keys.publicKey) },
      })
      const opened = await receiver.open(sealed, (id) =>
        equalBytes(id, a.nodeId) ? pooled(a.keys.publicKey) : undefined,
      )
      assert.deepEqual(opened.plaintext, utf8('message 1'))
    })
  })
})
