import assert from 'node:assert/strict'
import { randomBytes } from '../../../../lib/crypto.js'
import {
  decodeTransportFrame,
  MalformedFrameError,
  ReplayError,
  SessionLimitError,
  TamperedFrameError,
  UnknownEpochError,
} from '../../../../gateway/session/index.js'
import { ReplayWindow } from '../../../../gateway/session/replay.js'
import { TransportFrame } from '../../../../gateway/session/session.pb.js'
import { sessions, utf8 } from './fixtures.js'

const msg = (i: number) => utf8(`message ${i}`)

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle))
}

describe('gateway/session/session transport', () => {
  it('[0.0.7] captured frames hold no plaintext, and each opens only on the other side', () => {
    const { a, b } = sessions()
    const secret = utf8('meet me at the usual place, 10pm')
    const frame = a.seal(secret, 0)
    assert.ok(!contains(frame, secret))
    assert.ok(!contains(frame, secret.subarray(0, 8)))
    assert.deepEqual(b.open(frame, 0), secret)
    // A frame is bound to its direction: the sender cannot open its own frame.
    assert.throws(() => a.open(a.seal(secret, 0), 0), TamperedFrameError)
  })

  it('[0.0.6] a replayed frame is rejected, also after later frames', () => {
    const { a, b } = sessions()
    const f0 = a.seal(msg(0), 0)
    const f1 = a.seal(msg(1), 0)
    b.open(f0, 0)
    assert.throws(() => b.open(f0, 0), ReplayError)
    b.open(f1, 0)
    assert.throws(() => b.open(f0, 0), ReplayError)
    assert.throws(() => b.open(f1, 0), ReplayError)
  })

  it('[0.0.7] a flipped ciphertext bit is rejected, and the session still opens the next frame', () => {
    const { a, b } = sessions()
    const frame = a.seal(msg(0), 0)
    const decoded = decodeTransportFrame(frame)
    for (let bit = 0; bit < decoded.ciphertext.length * 8; bit += 7) {
      const ciphertext = decoded.ciphertext.slice()
      ciphertext[bit >> 3] ^= 1 << (bit & 7)
      assert.throws(() => b.open(TransportFrame.encode({ ...decoded, ciphertext }), 0), TamperedFrameError)
    }
    // Header fields are authenticated too: another counter or epoch under the same ciphertext fails.
    assert.throws(() => b.open(TransportFrame.encode({ ...decoded, counter: 1n }), 0), TamperedFrameError)
    assert.throws(() => b.open(TransportFrame.encode({ ...decoded, epoch: 1 }), 0), TamperedFrameError)
    assert.deepEqual(
      b.recvEpochs,
      { current: 0, previous: undefined },
      'a forged epoch does not move the receiver',
    )
    assert.deepEqual(b.open(frame, 0), msg(0))
  })

  it('accepts out-of-order frames inside the window, refuses those older than it', () => {
    const { a, b } = sessions({ replayWindow: 64 })
    const frames = Array.from({ length: 200 }, (_, i) => a.seal(msg(i), 0))
    for (const i of [5, 3, 4, 0, 1, 2]) assert.deepEqual(b.open(frames[i], 0), msg(i))
    b.open(frames[150], 0)
    assert.deepEqual(b.open(frames[100], 0), msg(100))
    assert.throws(() => b.open(frames[86], 0), /older than the replay window/)
    assert.deepEqual(b.open(frames[87], 0), msg(87))
  })

  it('[0.0.6] rekeys by message count; frames across the epoch boundary open in any order', () => {
    const { a, b } = sessions({ rekeyAfterMessages: 4 })
    const frames = Array.from({ length: 10 }, (_, i) => a.seal(msg(i), 0))
    const epochs = frames.map((f) => decodeTransportFrame(f).epoch)
    assert.deepEqual(epochs, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    assert.deepEqual(
      frames.map((f) => decodeTransportFrame(f).counter),
      [0n, 1n, 2n, 3n, 0n, 1n, 2n, 3n, 0n, 1n],
    )
    // Epoch 1 arrives first, then stragglers of epoch 0 (in grace), then the rest.
    for (const i of [5, 2, 4, 0, 7, 3, 1, 6]) assert.deepEqual(b.open(frames[i], 0), msg(i))
    assert.deepEqual(b.recvEpochs, { current: 1, previous: 0 })
    for (const i of [0, 5]) assert.throws(() => b.open(frames[i], 0), ReplayError)
    assert.deepEqual(b.open(frames[9], 0), msg(9))
    assert.deepEqual(b.open(frames[8], 0), msg(8))
    assert.deepEqual(b.recvEpochs, { current: 2, previous: 1 })
    assert.throws(() => b.open(frames[0], 0), UnknownEpochError, 'two epochs back is gone')
  })

  it('[0.0.6] rekeys by age; the old epoch opens during the grace window and not after', () => {
    const minute = 60_000
    const { a, b } = sessions({ rekeyAfterMs: 10 * minute, graceMs: 30_000 })
    const early = a.seal(msg(0), 0)
    const late = a.seal(msg(1), 10 * minute - 1)
    const rekeyed = a.seal(msg(2), 10 * minute)
    assert.deepEqual(
      [early, late, rekeyed].map((f) => decodeTransportFrame(f).epoch),
      [0, 0, 1],
    )
    assert.deepEqual(a.sendPosition, { epoch: 1, counter: 1 })

    const t = 10 * minute + 5
    assert.deepEqual(b.open(rekeyed, t), msg(2))
    assert.deepEqual(b.open(early, t + 29_999), msg(0), 'in grace')
    assert.throws(() => b.open(late, t + 30_000), UnknownEpochError, 'grace over')
    assert.deepEqual(b.recvEpochs, { current: 1, previous: undefined })
    assert.deepEqual(b.open(a.seal(msg(3), t + 30_000), t + 30_000), msg(3))
  })

  it('follows a sender several epochs ahead up to maxEpochSkip, no further', () => {
    const near = sessions({ rekeyAfterMessages: 1, maxEpochSkip: 4 })
    const nearFrames = Array.from({ length: 5 }, (_, i) => near.a.seal(msg(i), 0))
    assert.deepEqual(near.b.open(nearFrames[4], 0), msg(4))
    const far = sessions({ rekeyAfterMessages: 1, maxEpochSkip: 4 })
    const farFrames = Array.from({ length: 6 }, (_, i) => far.a.seal(msg(i), 0))
    assert.throws(() => far.b.open(farFrames[5], 0), /too far ahead/)
    assert.deepEqual(far.b.open(farFrames[0], 0), msg(0))
  })

  it('refuses frames of another session, oversized plaintext and garbage with named errors', () => {
    const one = sessions()
    const two = sessions()
    assert.throws(() => two.b.open(one.a.seal(msg(0), 0), 0), /another session/)
    assert.throws(() => one.a.seal(new Uint8Array(65520), 0), SessionLimitError)
    assert.throws(() => one.b.open(randomBytes(40), 0), MalformedFrameError)
    assert.throws(() => one.b.open(new Uint8Array(70_000), 0), MalformedFrameError)
  })
})

describe('gateway/session/replay ReplayWindow', () => {
  it('tracks duplicates and the too-old edge exactly', () => {
    const w = new ReplayWindow(32)
    assert.equal(w.check(0), 'fresh')
    w.mark(0)
    assert.equal(w.check(0), 'duplicate')
    w.mark(40)
    assert.equal(w.check(8), 'too-old')
    assert.equal(w.check(9), 'fresh')
    w.mark(9)
    assert.equal(w.check(9), 'duplicate')
    w.mark(1000)
    assert.equal(w.check(969), 'fresh')
    assert.equal(w.check(968), 'too-old')
    assert.equal(w.check(1000), 'duplicate')
    assert.throws(() => new ReplayWindow(33), RangeError)
  })
})
