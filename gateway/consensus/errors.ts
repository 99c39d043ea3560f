import { XLatticeError } from '../../lib/errors.js'

/** A consensus configuration error (bad validator set, bad chain id): never raised by wire input. */
export class ConsensusConfigError extends XLatticeError {
  constructor(message = 'invalid consensus configuration', options?: { cause?: unknown }) {
    super('ERR_CONSENSUS_CONFIG', message, options)
  }
}
