/**
 * How a Message body is protected at rest and end to end, one Sealer per Mode. Messaging only
 * queues, frames, sequences and acknowledges; the crypto is here, behind this interface:
 * PLAINTEXT_SIGNED (an explicit choice, labelled as such) and SEALED (seed row 0.0.7: the
 * envelope sealed to the receiver's certified X25519 key, HPKE auth mode epochs, so the outbox
 * holds ciphertext before any session exists and no message carries a signature).
 */
import { type Signer, verifySignature, type X25519Keys } from '../../lib/crypto.js'
import { equalBytes, fromHex } from '../../lib/encoding.js'
import { SealedReceiver, SealedSender, SessionError } from '../session/index.js'
import { TAG_MSG } from './constants.js'
import { decodeEnvelope } from './envelope.js'
import { InvalidMessageError, NotReadyError, Refused } from './errors.js'
import { ErrorCode, type Message, Mode } from './messaging.pb.js'

/** A peer as proved by its Hello: certificate verified and bound to the connection's key. */
export interface VerifiedPeer {
  nodeId: string
  nodeIdBytes: Uint8Array
  sigPublicKey: Uint8Array
  commsPublicKey: Uint8Array
  peerId: string
}

/** What the sender knows of a recipient when it queues: always the NodeID, keys when resolved. */
export interface Recipient {
  nodeId: string
  sigPublicKey?: Uint8Array
  commsPublicKey?: Uint8Array
}

export interface Sealer {
  readonly mode: Mode
  /** Whether the payload travels readable (above libp2p's hop-by-hop Noise): labelled in logs and status. */
  readonly plaintext: boolean
  /** Needs the recipient's certified keys at queue time (SEALED does; PLAINTEXT_SIGNED does not). */
  readonly needsRecipientKeys: boolean
  /**
   * Protects an encoded envelope. Runs once, when the message is queued: the outbox stores the
   * result and every attempt sends the same bytes, so a queued message survives a restart.
   */
  seal(envelope: Uint8Array, to: Recipient, seq: bigint): Message | Promise<Message>
  /** The exact envelope bytes of a message from the authenticated `from`; throws Refused. */
  open(message: Message, from: VerifiedPeer): Uint8Array | Promise<Uint8Array>
}

/** PLAINTEXT_SIGNED: the envelope in clear, Ed25519-signed by the sender's certified key. */
export function plaintextSigned(signer: Signer): Sealer {
  return {
    mode: Mode.PLAINTEXT_SIGNED,
    plaintext: true,
    needsRecipientKeys: false,
    seal: (envelope) => ({
      mode: Mode.PLAINTEXT_SIGNED,
      body: envelope,
      signature: signer.sign(TAG_MSG, envelope),
    }),
    open: (message, from) => {
      if (!verifySignature(TAG_MSG, message.body, message.signature, from.sigPublicKey))
        throw new Refused(ErrorCode.BAD_SIGNATURE, 'envelope signature does not verify')
      return message.body
    },
  }
}

/**
 * SEALED: the envelope sealed to the recipient's certified X25519 key (HPKE auth mode, one KEM
 * per epoch; gateway/session/sealed.ts). The sender is authenticated by its certified X25519
 * key, so the body is refused unless it opens under the key of the stream's proved NodeID, and
 * its sealed sequence must be the envelope's.
 */
export function sealedToNode(self: () => { nodeIdBytes: Uint8Array } | undefined, comms: X25519Keys): Sealer {
  let sender: SealedSender | undefined
  let receiver: SealedReceiver | undefined
  let nodeId: Uint8Array | undefined
  const ours = () => {
    const me = self()
    if (me === undefined) throw new NotReadyError()
    if (nodeId === undefined || !equalBytes(nodeId, me.nodeIdBytes)) {
      nodeId = me.nodeIdBytes
      sender = new SealedSender({ senderNodeId: nodeId, sender: comms })
      receiver = new SealedReceiver({ recipientNodeId: nodeId, recipient: comms })
    }
    return { sender: sender as SealedSender, receiver: receiver as SealedReceiver }
  }
  return {
    mode: Mode.SEALED,
    plaintext: false,
    needsRecipientKeys: true,
    seal: async (envelope, to, seq) => {
      if (to.commsPublicKey === undefined)
        throw new InvalidMessageError(`no certified key known for ${to.nodeId}`)
      const body = await ours().sender.seal({
        recipientNodeId: fromHex(to.nodeId),
        recipientPublicKey: to.commsPublicKey,
        sequence: seq,
        plaintext: envelope,
      })
      return { mode: Mode.SEALED, body, signature: new Uint8Array(0) }
    },
    open: async (message, from) => {
      let opened: Awaited<ReturnType<SealedReceiver['open']>>
      try {
        opened = await ours().receiver.open(message.body, (id) =>
          equalBytes(id, from.nodeIdBytes) ? from.commsPublicKey : undefined,
        )
      } catch (err) {
        if (!(err instanceof SessionError)) throw err
        throw new Refused(ErrorCode.BAD_CIPHERTEXT, `sealed body refused (${err.code}: ${err.message})`)
      }
      const { seq } = decodeEnvelope(opened.plaintext)
      if (seq !== opened.sequence)
        throw new Refused(ErrorCode.BAD_CIPHERTEXT, 'sealed sequence is not the envelope sequence', { seq })
      return opened.plaintext
    },
  }
}

export type Sealers = Map<Mode, Sealer>

export function sealers(...list: Sealer[]): Sealers {
  return new Map(list.map((s) => [s.mode, s]))
}

export function modeLabel(mode: Mode): string {
  return mode === Mode.PLAINTEXT_SIGNED ? 'plaintext' : String(mode).toLowerCase()
}
