/** Node-to-node messaging on /xlattice/msg/1.0.0 (seed rows 0.0.5, 0.0.7). */
export { MSG_PROTOCOL, TAG_MSG, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, XMPP_KIND } from './constants.js'
export { Messaging, messaging, type MessagingInit, type MessagingComponents, type Sent } from './service.js'
export {
  plaintextSigned,
  sealers,
  type Sealer,
  type Sealers,
  type Recipient,
  type VerifiedPeer,
} from './sealer.js'
export { encodeEnvelope, decodeEnvelope } from './envelope.js'
export { helloFrame, messageFrame, type SelfIdentity } from './hello.js'
export { readFrames, FrameWriter } from './framing.js'
export { packFrames } from '../p2p/frames.js'
export { GroupCommit } from '../../lib/store/index.js'
export type { ReceivedMessage } from './stats.js'
export type { KeptMessage, ConsumeOptions } from './kept.js'
export * from './errors.js'
export * as messagingWire from './messaging.pb.js'
