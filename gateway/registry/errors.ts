import { ErrorCode } from './registry.pb.js'

/** A refusal with a wire code and a human-readable reason; mapped to a Response at the edge. */
export class RegistryError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.code = code
    this.name = 'RegistryError'
  }
}

export const badRequest = (msg: string) => new RegistryError(ErrorCode.BAD_REQUEST, msg)
