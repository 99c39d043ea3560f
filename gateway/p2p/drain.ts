/**
 * Waits until a stream that asked for drain (`writableNeedsDrain`) takes data again, or rejects
 * when it closes first.
 *
 * Not `stream.onDrain()`: in @libp2p/utils 7.4 its promise is made once and never reset after
 * the first drain, so every later call resolves at once, even while the stream still needs
 * drain. A writer that loops on it spins in microtasks and never yields to the event loop: seen
 * as consensus validators at 90% CPU with a dead admin endpoint once Yamux stopped answering
 * every data frame with a window update (gateway/p2p/yamux-window.ts), which made senders meet
 * backpressure for the first time. The 'drain' event itself is dispatched once per drain.
 */
import type { Stream } from '@libp2p/interface'

export function drained(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return Promise.reject(new Error(`stream is ${stream.status}`))
  if (!stream.writableNeedsDrain) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
    }
    const onDrain = () => {
      cleanup()
      resolve()
    }
    const onClose = (evt: Event) => {
      cleanup()
      reject((evt as Event & { error?: Error }).error ?? new Error('stream closed'))
    }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
  })
}
