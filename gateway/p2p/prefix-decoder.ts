/**
 * Length-prefixed decoding without an exception per received chunk.
 *
 * @libp2p/utils 7's LengthPrefixedDecoder (Noise's framing of every encrypted message, and
 * varint-prefixed streams) reads frames until its length decoder throws a RangeError for "not
 * enough bytes", which it catches. Every chunk that ends on a frame boundary, the usual case,
 * thus ends by constructing a RangeError, and V8 captures a stack trace with it: ~4 us a chunk
 * against ~0.6 us for the rest of the decode, and in the consensus profiles Noise's
 * `uint16BEDecode` was the third-largest self time of a validator (bench/RESULTS.md).
 *
 * The fix keeps the library's loop and its errors: each decoder's length decoder is wrapped on
 * first use so that an empty buffer, which no length decoder can read, throws one RangeError
 * made once, with no stack to capture. A buffer holding part of a prefix still goes to the
 * library's decoder, which throws its own RangeError as before (rare: a chunk split inside two
 * or so bytes). Behaviour is otherwise identical: same frames, same limits, same errors.
 *
 * Installed once, by importing this module (gateway/p2p/host.ts does), for every decoder in
 * the process.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'

type LengthDecoder = (data: { byteLength: number }) => number

interface DecoderFields {
  lengthDecoder: LengthDecoder
  decode(buf: unknown): Generator<unknown>
  xlatticeCheapEmpty?: true
}

/** "Not enough data": what the library's loop catches to stop. One instance, no stack. */
const NEED_MORE = new RangeError('length prefix not yet received')
NEED_MORE.stack = NEED_MORE.message

const proto = LengthPrefixedDecoder.prototype as unknown as DecoderFields & { xlatticePatched?: true }

if (typeof proto.decode !== 'function')
  throw new Error(
    '@libp2p/utils changed: LengthPrefixedDecoder.decode is gone (see gateway/p2p/prefix-decoder.ts)',
  )

if (proto.xlatticePatched !== true) {
  const libraryDecode = proto.decode
  proto.decode = function (this: DecoderFields, buf: unknown): Generator<unknown> {
    if (this.xlatticeCheapEmpty !== true) {
      const lengthOf = this.lengthDecoder
      this.lengthDecoder = (data) => {
        if (data.byteLength === 0) throw NEED_MORE
        return lengthOf(data)
      }
      this.xlatticeCheapEmpty = true
    }
    return libraryDecode.call(this, buf)
  }
  proto.xlatticePatched = true
}

/** Whether the cheap empty-buffer stop is installed (for tests). */
export const cheapEmptyStop = proto.xlatticePatched === true
