/**
 * BFT consensus (Tendermint with weighted validators): the public surface. The gateway's
 * index.ts re-exports from here; nothing outside gateway/consensus imports its other files.
 */
export { certificateHash, hashHeader, operationsRoot, ZERO_HASH } from './blocks.js'
export {
  type Decoded,
  decodeBlock,
  decodeCertificate,
  decodeHeader,
  decodeMessage,
  encodeBlock,
  encodeCertificate,
  encodeHeader,
  encodeProposalSignBytes,
  encodeVoteSignBytes,
  type WireMessage,
} from './codec.js'
export { createCore, step } from './core.js'
export { ConsensusConfigError } from './errors.js'
export { proposerIndex } from './proposer.js'
export { hasQuorum, hasThird, type QuorumRule, TWO_THIRDS, VoteSet } from './quorum.js'
export {
  type ChainTip,
  type ConsensusApp,
  type ConsensusSigner,
  type CoreConfig,
  type CoreState,
  genesisTip,
  type Step,
  tipAfter,
} from './state.js'
export * from './types.js'
export {
  decodeValidatorSet,
  encodeValidatorSet,
  indexOfKey,
  makeValidatorSet,
  type ValidatorInit,
  validatorSetHash,
} from './validators.js'
export {
  type CertificateTarget,
  type ChainResult,
  type ValidatorSetChange,
  type VerifyFn,
  type VerifyOptions,
  type VerifyResult,
  verifyCertificateChain,
  verifyCommitCertificate,
} from './verify.js'
