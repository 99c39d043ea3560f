import assert from 'node:assert/strict'
import { streamPair } from '@libp2p/utils'
import { MAX_FRAME_BYTES } from '../../../../gateway/messaging/constants.js'
import { Refused } from '../../../../gateway/messaging/errors.js'
import { FrameTooLarge, FrameWriter, readFrames } from '../../../../gateway/messaging/framing.js'
import { packFrames } from '../../../../gateway/p2p/frames.js'
import { decodeFrame, messageFrame } from '../../../../gateway/messaging/hello.js'
import { ErrorCode, Frame, Message, Mode } from '../../../../gateway/messaging/messaging.pb.js'
import { randomBytes } from '../../../../lib/crypto.js'

describe('gateway/messaging frames', () => {
  it('messageFrame wraps stored Message bytes exactly as Frame.encode would', () => {
    for (const size of [0, 100, 200, 70_000]) {
      const message: Message = {
        mode: Mode.PLAINTEXT_SIGNED,
        body: randomBytes(size),
        signature: randomBytes(64),
      }
      assert.deepEqual(messageFrame(Message.encode(message)), Frame.encode({ message }))
    }
  })

  it('decodeFrame wants exactly one of hello, message, ack, refusal', () => {
    assert.equal(decodeFrame(Frame.encode({ ack: { seq: 5n } })).ack?.seq, 5n)
    for (const bad of [
      Frame.encode({}),
      Frame.encode({ ack: { seq: 1n }, refusal: { code: ErrorCode.OK, text: '', seq: 0n } }),
      new Uint8Array([0x0a, 0xff]),
    ]) {
      assert.throws(
        () => decodeFrame(bad),
        (err: Error) => err instanceof Refused && err.wire === ErrorCode.BAD_FRAME,
      )
    }
  })

  it('packs many frames into one send and reads them back across chunk boundaries', async () => {
    const [a, b] = await streamPair()
    const frames = Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 37))
    const writer = new FrameWriter(a)
    await writer.write(frames.slice(0, 25))
    await writer.write(frames.slice(25))
    await a.close()
    const got: Uint8Array[] = []
    for await (const f of readFrames(b)) got.push(f)
    assert.deepEqual(got, frames)
    assert.equal(packFrames([new Uint8Array(300)]).length, 302, 'two-byte varint prefix')
  })

  it('a length prefix over the limit ends the reader with FrameTooLarge', async () => {
    const [a, b] = await streamPair()
    a.send(packFrames([new Uint8Array(MAX_FRAME_BYTES + 1)]))
    await assert.rejects(
      (async () => {
        for await (const _ of readFrames(b)) {
          // nothing arrives
        }
      })(),
      FrameTooLarge,
    )
  })
})
