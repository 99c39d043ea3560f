/**
 * Named errors of node-to-node messaging. `Refused` carries a wire ErrorCode and is mapped to
 * a Refusal frame at the edge; the others are for local callers (the admin endpoint, the CLI).
 */
import { XLatticeError } from '../../lib/errors.js'
import type { ErrorCode } from './messaging.pb.js'

/** An inbound frame or Hello refused with a wire code; `fatal` closes the stream after answering. */
export class Refused extends XLatticeError {
  readonly wire: ErrorCode
  readonly fatal: boolean
  readonly seq: bigint
  constructor(wire: ErrorCode, message: string, opts: { fatal?: boolean; seq?: bigint } = {}) {
    super(`ERR_MSG_${wire}`, message)
    this.wire = wire
    this.fatal = opts.fatal ?? false
    this.seq = opts.seq ?? 0n
  }
}

/** The reason label used in logs and `/status` counters, e.g. `bad_signature`. */
export function reasonOf(code: ErrorCode): string {
  return String(code).toLowerCase()
}

export class NotReadyError extends XLatticeError {
  constructor(message = 'this node has no NodeID certificate yet (not registered)') {
    super('ERR_MSG_NOT_READY', message)
  }
}

export class UnreachableError extends XLatticeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MSG_UNREACHABLE', message, options)
  }
}

export class ModeUnavailableError extends XLatticeError {
  constructor(message: string) {
    super('ERR_MSG_MODE_UNAVAILABLE', message)
  }
}

export class OutboxFullError extends XLatticeError {
  constructor(message: string) {
    super('ERR_MSG_OUTBOX_FULL', message)
  }
}

export class InvalidMessageError extends XLatticeError {
  constructor(message: string) {
    super('ERR_MSG_INVALID', message)
  }
}

/** keepLocal or consume for a kind this node was not configured to keep (MessagingInit.keep). */
export class NotKeptError extends XLatticeError {
  constructor(kind: string) {
    super('ERR_MSG_NOT_KEPT', `messages of kind ${JSON.stringify(kind)} are not kept on this node`)
  }
}

/** A second consumer for a kept kind: records are handed to one consumer, in order. */
export class ConsumerBusyError extends XLatticeError {
  constructor(kind: string) {
    super('ERR_MSG_CONSUMER_BUSY', `kept messages of kind ${JSON.stringify(kind)} already have a consumer`)
  }
}

/** A kept record on disk that does not decode (kept-record.ts): logged and dropped. */
export class KeptRecordError extends XLatticeError {
  constructor(message: string) {
    super('ERR_MSG_KEPT_RECORD', message)
  }
}
