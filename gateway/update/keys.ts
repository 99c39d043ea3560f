/**
 * Release keys and their rotation.
 *
 * A release key is an Ed25519 key kept offline by whoever publishes releases, in a JSON file
 * (mode 0600). Nodes trust only the public keys in their config. A planned rotation is a
 * statement `{old, new, time}` signed by the old key with tag `xlattice/release-rotate/v1`:
 * a node that trusts `old` then trusts `new` instead. A compromised key cannot be rotated away
 * by a statement (the thief could sign one too): operators remove it from the config.
 */
import { readFile } from 'node:fs/promises'
import { ed25519FromSeed, ed25519Generate, KEY_LENGTH, Signer, verifySignature } from '../../lib/crypto.js'
import { equalBytes, fromB64u, toB64u } from '../../lib/encoding.js'
import { exists, writeFileAtomic } from '../../lib/fsutil.js'
import { ManifestFormatError, UpdateError } from './errors.js'

export const ROTATE_TAG = 'xlattice/release-rotate/v1'
const KEY_FILE_TYPE = 'xlattice-release-key'
const MAX_ROTATION_BYTES = 512

interface ReleaseKeyFile {
  type: typeof KEY_FILE_TYPE
  version: 1
  seed: string
  publicKey: string
  created: string
}

/** Parses a release public key given as unpadded base64url (config, `--key`). */
export function parsePublicKey(text: string): Uint8Array {
  try {
    return fromB64u(text.trim(), KEY_LENGTH)
  } catch {
    throw new UpdateError(
      'ERR_BAD_KEY',
      `not a release public key (32 bytes, base64url): ${JSON.stringify(text)}`,
    )
  }
}

/** Creates a new release key file; never overwrites one (losing a release key is forever). */
export async function generateReleaseKeyFile(path: string): Promise<Uint8Array> {
  if (await exists(path))
    throw new UpdateError('ERR_KEY_EXISTS', `${path} already exists: not overwriting a key`)
  const keys = ed25519Generate()
  const file: ReleaseKeyFile = {
    type: KEY_FILE_TYPE,
    version: 1,
    seed: toB64u(keys.seed),
    publicKey: toB64u(keys.publicKey),
    created: new Date().toISOString(),
  }
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600)
  return keys.publicKey
}

export async function loadReleaseKey(path: string): Promise<Signer> {
  let file: ReleaseKeyFile
  try {
    file = JSON.parse(await readFile(path, 'utf8'))
  } catch (err: any) {
    throw new UpdateError('ERR_BAD_KEY', `cannot read release key ${path}: ${err.message}`, { cause: err })
  }
  if (file?.type !== KEY_FILE_TYPE || typeof file.seed !== 'string') {
    throw new UpdateError('ERR_BAD_KEY', `${path} is not an xlattice release key file`)
  }
  const keys = ed25519FromSeed(fromB64u(file.seed, KEY_LENGTH))
  if (typeof file.publicKey === 'string' && file.publicKey !== toB64u(keys.publicKey)) {
    throw new UpdateError('ERR_BAD_KEY', `${path}: publicKey does not match seed`)
  }
  return new Signer(keys)
}

export interface RotationStatement {
  old: Uint8Array
  new: Uint8Array
  time: string
}

export interface SignedRotation {
  /** The statement exactly as signed: `{"old":b64u,"new":b64u,"time":ISO}`. */
  statement: Uint8Array
  signature: Uint8Array
}

export function signRotation(oldKey: Signer, newKey: Uint8Array, time = new Date()): SignedRotation {
  const statement = new TextEncoder().encode(
    JSON.stringify({ old: toB64u(oldKey.publicKey), new: toB64u(newKey), time: time.toISOString() }),
  )
  return { statement, signature: oldKey.sign(ROTATE_TAG, statement) }
}

export function decodeRotation(bytes: Uint8Array): RotationStatement {
  if (bytes.length > MAX_ROTATION_BYTES) throw new ManifestFormatError('rotation statement is too large')
  let v: any
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    const s = { old: fromB64u(v.old, KEY_LENGTH), new: fromB64u(v.new, KEY_LENGTH), time: v.time }
    if (typeof s.time !== 'string' || !Number.isFinite(Date.parse(s.time))) throw new Error('bad time')
    return s
  } catch (err) {
    throw new ManifestFormatError('malformed rotation statement', { cause: err })
  }
}

/** Decodes and checks a statement's signature by its own `old` key; undefined when invalid. */
export function verifyRotation(r: SignedRotation): RotationStatement | undefined {
  let s: RotationStatement
  try {
    s = decodeRotation(r.statement)
  } catch {
    return undefined
  }
  return verifySignature(ROTATE_TAG, r.statement, r.signature, s.old) ? s : undefined
}

/**
 * The keys trusted after following valid rotation statements, oldest first: each statement
 * whose `old` key is trusted at that point replaces it by `new`. Statements from untrusted
 * keys, bad signatures or malformed bytes are ignored, so a registry cannot add keys.
 */
export function applyRotations(
  trusted: readonly Uint8Array[],
  rotations: readonly SignedRotation[],
): Uint8Array[] {
  const statements = rotations
    .map(verifyRotation)
    .filter((s): s is RotationStatement => s !== undefined)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
  let keys = [...trusted]
  for (const s of statements) {
    if (!keys.some((k) => equalBytes(k, s.old))) continue
    keys = keys.filter((k) => !equalBytes(k, s.old))
    if (!keys.some((k) => equalBytes(k, s.new))) keys.push(s.new)
  }
  return keys
}
