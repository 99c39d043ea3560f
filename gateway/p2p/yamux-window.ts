/**
 * Yamux receive-window updates only once half the window is consumed, as hashicorp/yamux
 * (the protocol's reference implementation, `sendWindowUpdate`: "delta < max/2 && flags == 0"
 * -> nothing to send) and go-yamux do.
 *
 * @chainsafe/libp2p-yamux 8 answers every data frame with a window-update frame. For the
 * request/response traffic here (registrations, consensus votes, acked messages: small frames
 * both ways) that doubles the frames on the wire and, under Noise, adds an encryption, a
 * socket write, a decryption and a frame parse per message: measured as a large share of
 * libp2p's CPU in the consensus and registry profiles (bench/RESULTS.md).
 *
 * The remote sender still holds at least half a window of credit whenever an update is held
 * back, so it never stalls; the window auto-tuning (doubling when a window is consumed within
 * four round trips) runs unchanged whenever an update is sent. Streams that still owe a SYN
 * or ACK flag, and paused streams, take the library's path untouched.
 *
 * Installed once, by importing this module (gateway/p2p/host.ts does), for every Yamux stream
 * in the process.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate(): void
}

const proto = YamuxStream.prototype as unknown as WindowFields & { xlatticeHalfWindow?: true }

if (typeof proto.sendWindowUpdate !== 'function')
  throw new Error(
    '@chainsafe/libp2p-yamux changed: YamuxStream.sendWindowUpdate is gone (see gateway/p2p/yamux-window.ts)',
  )

if (proto.xlatticeHalfWindow !== true) {
  const libraryUpdate = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: WindowFields): void {
    if (this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return
    libraryUpdate.call(this)
  }
  proto.xlatticeHalfWindow = true
}

/** Whether the half-window rule is installed (for tests and /status). */
export const halfWindowUpdates = proto.xlatticeHalfWindow === true
