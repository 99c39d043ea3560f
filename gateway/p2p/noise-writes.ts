/**
 * One contiguous buffer, so one socket write, per batch of Noise messages.
 *
 * @chainsafe/libp2p-noise 17 encrypts what a connection sends as a list of pieces: each Noise
 * message's 2-byte length, then its ciphertext (with the library's own cipher, itself several
 * pieces when the plaintext was a list; noise-crypto.ts's gives one buffer). @libp2p/tcp
 * writes every piece with its own `socket.write`, so one small Yamux frame left in two loopback
 * writes or more, each a system call that runs the receiver's TCP path. In the consensus
 * profiles these writes were the largest self time of a validator (bench/RESULTS.md).
 * (Corking the socket so Node joins them in one `writev` cost more than it saved: its buffered
 * path is slower than a copy.)
 *
 * Here the pieces are joined after encryption, so a send leaves in one write. The wire bytes
 * are exactly the library's; only how they are handed to the socket changes. The copy costs far
 * less than the writes it saves, even for 4 MiB blocks (a memcpy against one system call per
 * 64 KiB Noise message and its length).
 *
 * The library does not export its message stream, so its prototype is reached through the
 * first secured connection and patched once for the process.
 */
import { noise } from '@chainsafe/libp2p-noise'
import type { ConnectionEncrypter } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

type NoiseInit = Parameters<typeof noise>[0]
type NoiseComponents = Parameters<ReturnType<typeof noise>>[0]

interface MessageStreamProto {
  encrypt(chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList | Uint8Array
  xlatticeOneWrite?: true
}

let installed = false

/** Whether a secured connection has installed the one-write encryption (for tests). */
export function oneWriteInstalled(): boolean {
  return installed
}

function install(connection: unknown): void {
  if (installed) return
  const proto = Object.getPrototypeOf(connection) as MessageStreamProto
  if (typeof proto?.encrypt !== 'function')
    throw new Error(
      '@chainsafe/libp2p-noise changed: its message stream has no encrypt() (see gateway/p2p/noise-writes.ts)',
    )
  if (proto.xlatticeOneWrite !== true) {
    const encrypt = proto.encrypt
    proto.encrypt = function (this: unknown, chunk: Uint8Array | Uint8ArrayList) {
      const out = encrypt.call(this, chunk)
      return out instanceof Uint8Array ? out : out.subarray()
    }
    proto.xlatticeOneWrite = true
  }
  installed = true
}

/** `noise()` whose connections hand the socket one buffer per send. */
export function noiseOneWrite(init?: NoiseInit): (components: NoiseComponents) => ConnectionEncrypter {
  const make = noise(init)
  return (components) => {
    const encrypter = make(components)
    const inbound = encrypter.secureInbound.bind(encrypter)
    const outbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (...args: Parameters<typeof inbound>) => {
      const secured = await inbound(...args)
      install(secured.connection)
      return secured
    }
    encrypter.secureOutbound = async (...args: Parameters<typeof outbound>) => {
      const secured = await outbound(...args)
      install(secured.connection)
      return secured
    }
    return encrypter
  }
}
