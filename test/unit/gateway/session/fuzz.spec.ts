/**
 * Arbitrary and mutated bytes at every entry point that takes wire input: `Session.open`,
 * the handshake responder and initiator, and `openForNode`. Nothing may throw anything but
 * a SessionError, nothing forged may open, and the session keeps working afterwards.
 * Seeded, so a failure replays exactly.
 */
import assert from 'node:assert/strict'
import {
  type HandshakeStep,
  initiate,
  openForNode,
  respond,
  SessionError,
  sealForNode,
} from '../../../../gateway/session/index.js'
import { makeNode, sessions, utf8 } from './fixtures.js'
import { rng } from '../../../helpers/rng.js'

type Rng = ReturnType<typeof rng>

/** One input: random bytes, or a valid message with bit flips, truncation, extension or splices. */
function mutate(r: Rng, valid: Uint8Array[]): Uint8Array {
  if (r.int(4) === 0) return r.bytes(r.int(300))
  const base = valid[r.int(valid.length)].slice()
  switch (r.int(5)) {
    case 0: {
      for (let k = 1 + r.int(4); k > 0; k--) base[r.int(base.length)] ^= 1 << r.int(8)
      return base
    }
    case 1:
      return base.subarray(0, r.int(base.length))
    case 2:
      return Uint8Array.from([...base, ...r.bytes(1 + r.int(40))])
    case 3: {
      const at = r.int(base.length)
      const junk = r.bytes(1 + r.int(8))
      return Uint8Array.from([...base.subarray(0, at), ...junk, ...base.subarray(at + junk.length)])
    }
    default:
      base[r.int(base.length)] = r.int(256)
      return base
  }
}

function expectNamed(err: unknown): void {
  if (!(err instanceof SessionError))
    throw new assert.AssertionError({ message: `unnamed error: ${String(err)}` })
  assert.match(err.code, /^ERR_(SESSION|SEALED)_/)
}

describe('gateway/session fuzz', function () {
  this.timeout(120_000)

  it('[0.0.7] 10,000 random and mutated frames at open(): only named errors, no forgery, session intact', () => {
    const r = rng(0x5e55)
    const { a, b } = sessions({ rekeyAfterMessages: 8 })
    const plaintexts = Array.from({ length: 20 }, (_, i) => utf8(`frame ${i} `.repeat(1 + (i % 5))))
    const valid = plaintexts.map((p) => a.seal(p, 0))
    const known = new Set(plaintexts.map((p) => Buffer.from(p).toString('hex')))
    let refused = 0
    for (let i = 0; i < 10_000; i++) {
      try {
        const pt = b.open(mutate(r, valid), 0)
        // A mutation that leaves the authenticated content alone (protobuf padding) may open once.
        assert.ok(known.has(Buffer.from(pt).toString('hex')), 'a mutated frame opened to new plaintext')
      } catch (err) {
        expectNamed(err)
        refused++
      }
    }
    assert.ok(refused > 9_000, `refused ${refused}`)
    assert.deepEqual(b.open(a.seal(utf8('still here'), 0), 0), utf8('still here'))
    assert.deepEqual(a.open(b.seal(utf8('and back'), 0), 0), utf8('and back'))
  })

  it('[0.0.6] 10,000 random and mutated first messages at the responder: only named errors', () => {
    const r = rng(0xacce55)
    const a = makeNode()
    const b = makeNode()
    const valid = [initiate({ ...a, remoteStatic: b.staticKey.publicKey }).send, initiate(a).send]
    let accepted = 0
    for (let i = 0; i < 10_000; i++) {
      let step: HandshakeStep
      try {
        step = respond(b, mutate(r, valid), 0)
      } catch (err) {
        expectNamed(err)
        continue
      }
      // Only XX's first message (a bare ephemeral key) can be altered and still answered;
      // an IK first message is authenticated, so an accepted one must be established honestly.
      accepted++
      assert.ok(step.send !== undefined)
      if (step.established !== undefined) assert.deepEqual(step.established.peer.nodeId, a.nodeId)
    }
    assert.ok(accepted < 5_000, `accepted ${accepted}`)
    const { handshake, send } = initiate({ ...a, remoteStatic: b.staticKey.publicKey })
    const reply = respond(b, send, 0)
    assert.ok(handshake.receive(reply.send as Uint8Array, 0).established)
  })

  it('[0.0.6] 2,000 mutated replies at the initiator: only named errors', () => {
    const r = rng(0x1417)
    const a = makeNode()
    const b = makeNode()
    const ik = initiate({ ...a, remoteStatic: b.staticKey.publicKey })
    const valid = [respond(b, ik.send, 0).send as Uint8Array]
    for (let i = 0; i < 2_000; i++) {
      const { handshake, send } = initiate({ ...a, remoteStatic: b.staticKey.publicKey })
      void send
      try {
        handshake.receive(mutate(r, valid), 0)
        assert.fail('a reply to another handshake was accepted')
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err
        expectNamed(err)
      }
    }
  })

  it('[0.0.7] 1,000 random and mutated sealed messages at openForNode: only named errors', async () => {
    const r = rng(0x5ea1)
    const a = makeNode()
    const b = makeNode()
    const aKeys = { privateKey: a.staticKey.exportPrivate(), publicKey: a.staticKey.publicKey }
    const bKeys = { privateKey: b.staticKey.exportPrivate(), publicKey: b.staticKey.publicKey }
    const sealed = await sealForNode({
      senderNodeId: a.nodeId,
      sender: aKeys,
      recipientNodeId: b.nodeId,
      recipientPublicKey: bKeys.publicKey,
      sequence: 1n,
      plaintext: utf8('offline message'),
    })
    const params = { recipientNodeId: b.nodeId, recipient: bKeys, senderPublicKey: () => aKeys.publicKey }
    for (let i = 0; i < 1_000; i++) {
      try {
        const opened = await openForNode(mutate(r, [sealed]), params)
        assert.deepEqual(opened.plaintext, utf8('offline message'))
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err
        expectNamed(err)
      }
    }
    assert.deepEqual((await openForNode(sealed, params)).plaintext, utf8('offline message'))
  })
})
