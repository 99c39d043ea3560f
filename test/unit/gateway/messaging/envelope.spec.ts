import assert from 'node:assert/strict'
import { decodeEnvelope, encodeEnvelope } from '../../../../gateway/messaging/envelope.js'
import { InvalidMessageError, Refused } from '../../../../gateway/messaging/errors.js'
import { ErrorCode, Mode } from '../../../../gateway/messaging/messaging.pb.js'
import { plaintextSigned } from '../../../../gateway/messaging/sealer.js'
import { randomBytes, verifySignature } from '../../../../lib/crypto.js'
import { issuer, testNode } from './fixtures.js'

const fields = () => ({
  from: randomBytes(32),
  to: randomBytes(32),
  seq: 7n,
  timestamp: 1_700_000_000_000,
  kind: 'text',
  payload: new TextEncoder().encode('hello'),
})

describe('gateway/messaging envelope and PLAINTEXT_SIGNED', () => {
  it('round-trips every field', () => {
    const f = fields()
    const env = decodeEnvelope(encodeEnvelope(f))
    assert.deepEqual(env.from, f.from)
    assert.deepEqual(env.to, f.to)
    assert.equal(env.seq, 7n)
    assert.equal(env.timestamp, 1_700_000_000_000n)
    assert.equal(env.kind, 'text')
    assert.equal(new TextDecoder().decode(env.payload), 'hello')
  })

  it('refuses to encode what no receiver would accept', () => {
    const bad = [
      { from: randomBytes(31) },
      { to: randomBytes(33) },
      { seq: 0n },
      { kind: '' },
      { kind: 'k'.repeat(65) },
      { payload: new Uint8Array(61 * 1024) },
    ]
    for (const b of bad) assert.throws(() => encodeEnvelope({ ...fields(), ...b }), InvalidMessageError)
  })

  it('decoding refuses malformed bytes and wrong NodeID lengths with BAD_FRAME', () => {
    for (const bytes of [new Uint8Array([0xff, 0xff, 0xff]), encodeEnvelope(fields()).subarray(0, 20)]) {
      assert.throws(
        () => decodeEnvelope(bytes),
        (err: Error) => err instanceof Refused && err.wire === ErrorCode.BAD_FRAME,
      )
    }
  })

  it('signs the exact envelope bytes under xlattice/msg/v1 and opens only with the sender key', async () => {
    const by = issuer()
    const alice = await testNode(by)
    const bob = await testNode(by)
    const sealer = plaintextSigned(alice.signer)
    const env = encodeEnvelope(fields())
    const msg = await sealer.seal(env, { nodeId: bob.self.nodeId }, 1n)
    assert.equal(msg.mode, Mode.PLAINTEXT_SIGNED)
    assert.deepEqual(msg.body, env)
    assert.ok(verifySignature('xlattice/msg/v1', env, msg.signature, alice.signer.publicKey))
    assert.ok(
      !verifySignature('xlattice/reg/v1', env, msg.signature, alice.signer.publicKey),
      'domain separated',
    )
    assert.deepEqual(await sealer.open(msg, alice.peer), env)

    const refusedWith = (code: ErrorCode) => (err: Error) => err instanceof Refused && err.wire === code
    // From someone else's key (a peer claiming Alice's envelope as its own).
    assert.throws(() => sealer.open(msg, bob.peer), refusedWith(ErrorCode.BAD_SIGNATURE))
    // One flipped bit anywhere in the body.
    const tampered = { ...msg, body: msg.body.slice() }
    tampered.body[tampered.body.length - 1] ^= 1
    assert.throws(() => sealer.open(tampered, alice.peer), refusedWith(ErrorCode.BAD_SIGNATURE))
    // Missing or short signature.
    assert.throws(
      () => sealer.open({ ...msg, signature: new Uint8Array() }, alice.peer),
      refusedWith(ErrorCode.BAD_SIGNATURE),
    )
  })
})
