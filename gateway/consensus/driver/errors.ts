/** Errors of the consensus driver. Wire input never raises these: it is dropped and counted. */
import { XLatticeError } from '../../../lib/errors.js'

/** The data directory holds another chain than the configured validator set names. */
export class ChainMismatch extends XLatticeError {
  constructor(
    message = 'the data directory holds a chain with another genesis validator set than the config ' +
      '(consensus.validators changed, or the wrong --data)',
  ) {
    super('ERR_BFT_CHAIN_MISMATCH', message)
  }
}

/** Something the driver wrote is missing or unreadable: refuse to run rather than guess. */
export class CorruptStore extends XLatticeError {
  constructor(what: string) {
    super('ERR_BFT_CORRUPT_STORE', `consensus store is damaged: ${what}`)
  }
}

/** The mempool is at its bound; the submitter should retry later (HTTP 503). */
export class MempoolFull extends XLatticeError {
  constructor(message = 'the mempool is full; retry later') {
    super('ERR_BFT_MEMPOOL_FULL', message)
  }
}

/** An operation the application refuses before it enters the mempool. */
export class InvalidOperation extends XLatticeError {
  constructor(message = 'invalid operation') {
    super('ERR_BFT_INVALID_OPERATION', message)
  }
}
