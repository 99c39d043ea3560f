/**
 * How a Message body is protected, one Sealer per Mode. Messaging only queues, frames,
 * sequences and acknowledges; the crypto is here, behind this interface, so the encrypted
 * modes of seed row 0.0.7 (SESSION under /xlattice/session/1.0.0 keys, SEALED to the
 * receiver's certified X25519 key with HPKE) plug in without touching the rest.
 */
import { type Signer, verifySignature } from '../../lib/crypto.js'
import { TAG_MSG } from './constants.js'
import { Refused } from './errors.js'
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
  seal(envelope: Uint8Array, to: Recipient): Message | Promise<Message>
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

export type Sealers = Map<Mode, Sealer>

export function sealers(...list: Sealer[]): Sealers {
  return new Map(list.map((s) => [s.mode, s]))
}

export function modeLabel(mode: Mode): string {
  return mode === Mode.PLAINTEXT_SIGNED ? 'plaintext' : String(mode).toLowerCase()
}
