import assert from 'node:assert/strict'
import { ed25519Generate, randomBytes, Signer } from '../../../../lib/crypto.js'
import {
  BadCertificateError,
  DhKey,
  decodeHandshakeMessage,
  HandshakeError,
  initiate,
  MalformedFrameError,
  respond,
  WrongKeyError,
} from '../../../../gateway/session/index.js'
import { HandshakePattern } from '../../../../gateway/session/session.pb.js'
import { establish, makeNode, utf8 } from './fixtures.js'

describe('gateway/session/handshake', () => {
  for (const ik of [true, false]) {
    const name = ik ? 'IK' : 'XX'

    it(`[0.0.6] ${name}: both sides end with one session, each other's certified identity and equal keys`, () => {
      const a = makeNode()
      const b = makeNode()
      const { initiator, responder } = establish(a, b, ik, 5)
      assert.deepEqual(initiator.peer.nodeId, b.nodeId)
      assert.deepEqual(initiator.peer.staticKey, b.staticKey.publicKey)
      assert.deepEqual(responder.peer.nodeId, a.nodeId)
      assert.deepEqual(responder.peer.staticKey, a.staticKey.publicKey)
      assert.deepEqual(initiator.handshakeHash, responder.handshakeHash)
      assert.deepEqual(initiator.session.id, responder.session.id)
      // Equal directional keys: what one side seals under its send key the other opens, both ways.
      assert.deepEqual(responder.session.open(initiator.session.seal(utf8('ping'), 5), 5), utf8('ping'))
      assert.deepEqual(initiator.session.open(responder.session.seal(utf8('pong'), 5), 5), utf8('pong'))
    })

    it(`[0.0.6] ${name}: a static key that is not the certified one aborts with WrongKeyError`, () => {
      const honest = makeNode()
      // A node holding a genuine certificate for someone else's key, but its own static key.
      const impostor = makeNode({ certifiedKey: honest.staticKey.publicKey })
      const b = makeNode()
      assert.throws(() => establish(impostor, b, ik), WrongKeyError)
      assert.throws(() => establish(b, impostor, ik), WrongKeyError)
    })

    it(`${name}: a certificate from an untrusted issuer aborts with BadCertificateError`, () => {
      const rogue = makeNode({ signer: new Signer(ed25519Generate()) })
      const b = makeNode()
      assert.throws(() => establish(rogue, b, ik), BadCertificateError)
      assert.throws(() => establish(b, rogue, ik), BadCertificateError)
    })

    it(`${name}: a peer certified under another NodeID than the one dialled is refused`, () => {
      const a = makeNode()
      const b = makeNode()
      const { handshake, send } = initiate({
        ...a,
        remoteStatic: ik ? b.staticKey.publicKey : undefined,
        expectedNodeId: randomBytes(32),
      })
      const r = respond(b, send, 0)
      assert.throws(() => handshake.receive(r.send as Uint8Array, 0), /another NodeID/)
    })
  }

  it('IK: the first message names the pattern and step; XX first message carries no certificate', () => {
    const a = makeNode()
    const b = makeNode()
    const ik = decodeHandshakeMessage(initiate({ ...a, remoteStatic: b.staticKey.publicKey }).send)
    assert.equal(ik.pattern, HandshakePattern.IK)
    assert.equal(ik.step, 0)
    const xx = decodeHandshakeMessage(initiate(a).send)
    assert.equal(xx.pattern, HandshakePattern.XX)
    assert.equal(xx.noise.length, 32, 'only the ephemeral key: the initiator stays unnamed until message 3')
  })

  it('IK towards a key the responder does not hold fails authentication, not silently', () => {
    const a = makeNode()
    const b = makeNode()
    const { send } = initiate({ ...a, remoteStatic: DhKey.generate().publicKey })
    assert.throws(() => respond(b, send, 0), /failed authentication/)
  })

  it('refuses replayed, reordered and foreign handshake messages with named errors', () => {
    const a = makeNode()
    const b = makeNode()
    const { handshake, send } = initiate(a)
    const r = respond(b, send, 0)
    const step1 = r.send as Uint8Array
    const i = handshake.receive(step1, 0)
    assert.ok(i.established)
    assert.throws(() => handshake.receive(step1, 0), HandshakeError, 'after completion')
    // A message out of order aborts the responder for good: even the right one is refused after.
    assert.throws(() => r.handshake.receive(send, 0), HandshakeError, 'the first message again')
    assert.throws(() => r.handshake.receive(i.send as Uint8Array, 0), /already failed/)
    assert.throws(() => respond(b, new Uint8Array([0xff, 0xff]), 0), MalformedFrameError)
    assert.throws(() => respond(b, new Uint8Array(5000), 0), MalformedFrameError)
  })
})
