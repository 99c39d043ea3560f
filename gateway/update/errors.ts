/**
 * Errors of the update machinery. Each names the check that failed, so an operator reading
 * `xlattice update` output knows which attack or mistake was caught (TUF threat model: arbitrary
 * package, rollback, freeze, endless data). Wire codes are mapped only at the protocol edge.
 */
import { XLatticeError } from '../../lib/errors.js'

export class UpdateError extends XLatticeError {
  constructor(code = 'ERR_UPDATE', message = 'update failed', options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** Manifest or rotation statement bytes that do not parse as the expected canonical JSON. */
export class ManifestFormatError extends UpdateError {
  constructor(message = 'malformed release manifest', options?: { cause?: unknown }) {
    super('ERR_MANIFEST_FORMAT', message, options)
  }
}

export class UntrustedKeyError extends UpdateError {
  constructor(message = 'release manifest is signed by a key that is not trusted') {
    super('ERR_UNTRUSTED_KEY', message)
  }
}

export class BadSignatureError extends UpdateError {
  constructor(message = 'release manifest signature is invalid') {
    super('ERR_BAD_SIGNATURE', message)
  }
}

/** The tarball's bytes do not hash to the manifest's sha512 (tampered or corrupted). */
export class HashMismatchError extends UpdateError {
  constructor(message = 'tarball sha512 does not match the signed manifest') {
    super('ERR_HASH_MISMATCH', message)
  }
}

/** More (endless data) or fewer bytes than the signed manifest's size. */
export class SizeMismatchError extends UpdateError {
  constructor(message = 'tarball size does not match the signed manifest') {
    super('ERR_SIZE_MISMATCH', message)
  }
}

/** Freeze attack: a stale feed replayed after its signed expiry. */
export class ExpiredManifestError extends UpdateError {
  constructor(message = 'release manifest has expired') {
    super('ERR_EXPIRED', message)
  }
}

/** Rollback attack: a validly signed but older (or equal) release than the one running. */
export class RollbackError extends UpdateError {
  constructor(message = 'release is not newer than the running version') {
    super('ERR_ROLLBACK', message)
  }
}

/** The signed manifest names another package than the one this installation runs. */
export class WrongPackageError extends UpdateError {
  constructor(message = 'release manifest names another package') {
    super('ERR_WRONG_PACKAGE', message)
  }
}

/** Absolute paths, `..`, links leaving the package, device files, or too much unpacked data. */
export class UnsafeTarballError extends UpdateError {
  constructor(message = 'tarball contains an unsafe entry', options?: { cause?: unknown }) {
    super('ERR_UNSAFE_TARBALL', message, options)
  }
}

export class ReleaseNotFoundError extends UpdateError {
  constructor(message = 'release not found') {
    super('ERR_NOT_FOUND', message)
  }
}

/** Publishing a version that already exists with different bytes: releases are immutable. */
export class ReleaseExistsError extends UpdateError {
  constructor(message = 'release version already published') {
    super('ERR_RELEASE_EXISTS', message)
  }
}

/** The registry or HTTP server answered something the client cannot accept. */
export class UpdateProtocolError extends UpdateError {
  constructor(message = 'update protocol error', options?: { cause?: unknown }) {
    super('ERR_UPDATE_PROTOCOL', message, options)
  }
}

export class UpdatesDisabledError extends UpdateError {
  constructor(message = 'no release keys configured: updates are off') {
    super('ERR_UPDATES_DISABLED', message)
  }
}

export class NoPreviousVersionError extends UpdateError {
  constructor(message = 'no previous version to roll back to') {
    super('ERR_NO_PREVIOUS', message)
  }
}
