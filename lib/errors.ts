/** Base for the project's named errors: a stable `code` for wire/stanza mapping at the edges. */
export class XLatticeError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

export class IdentityError extends XLatticeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_IDENTITY', message, options)
  }
}

export class ConfigError extends XLatticeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', message, options)
  }
}

export class StoreError extends XLatticeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_STORE', message, options)
  }
}
