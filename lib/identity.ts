/**
 * A node's cryptographic identity (seed row 0.0.1): an Ed25519 signing key (its libp2p
 * peer ID embeds it) and an X25519 key for key agreement, XLattice's sigKey/commsKey pair.
 *
 * Created automatically in `<data>/identity.json` (mode 0600) on first start, reused
 * afterwards and never overwritten: a damaged or loosely-permissioned file is an error the
 * operator must look at, since silently regenerating would throw away the node's NodeID.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ed25519FromSeed,
  ed25519Generate,
  randomBytes,
  Signer,
  x25519FromPrivate,
  x25519Generate,
} from './crypto.js'
import { equalBytes, fromB64u, toB64u } from './encoding.js'
import { IdentityError } from './errors.js'
import { syncDir } from './fsutil.js'

export const IDENTITY_FILE = 'identity.json'

export interface Identity {
  sigSeed: Uint8Array
  sigPublicKey: Uint8Array
  commsPrivateKey: Uint8Array
  commsPublicKey: Uint8Array
  created: string
}

interface IdentityFile {
  version: 1
  sigSeed: string
  sigPublicKey: string
  commsPrivateKey: string
  commsPublicKey: string
  created: string
}

export function generateIdentity(): Identity {
  const sig = ed25519Generate()
  const comms = x25519Generate()
  return {
    sigSeed: sig.seed,
    sigPublicKey: sig.publicKey,
    commsPrivateKey: comms.privateKey,
    commsPublicKey: comms.publicKey,
    created: new Date().toISOString(),
  }
}

function serialise(id: Identity): string {
  const file: IdentityFile = {
    version: 1,
    sigSeed: toB64u(id.sigSeed),
    sigPublicKey: toB64u(id.sigPublicKey),
    commsPrivateKey: toB64u(id.commsPrivateKey),
    commsPublicKey: toB64u(id.commsPublicKey),
    created: id.created,
  }
  return `${JSON.stringify(file, null, 2)}\n`
}

function parse(path: string, text: string): Identity {
  let raw: Partial<IdentityFile>
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new IdentityError(`${path} is not valid JSON (damaged?): ${(err as Error).message}`)
  }
  if (raw === null || typeof raw !== 'object' || raw.version !== 1) {
    throw new IdentityError(`${path}: unsupported or missing "version" (expected 1)`)
  }
  const field = (name: keyof IdentityFile): Uint8Array => {
    const value = raw[name]
    if (typeof value !== 'string') throw new IdentityError(`${path}: "${name}" is missing`)
    try {
      return fromB64u(value, 32)
    } catch (err) {
      throw new IdentityError(`${path}: "${name}" is not 32 bytes of base64url: ${(err as Error).message}`)
    }
  }
  const id: Identity = {
    sigSeed: field('sigSeed'),
    sigPublicKey: field('sigPublicKey'),
    commsPrivateKey: field('commsPrivateKey'),
    commsPublicKey: field('commsPublicKey'),
    created: typeof raw.created === 'string' ? raw.created : '',
  }
  // The public halves are stored for people to read; check they still match the private halves.
  if (!equalBytes(ed25519FromSeed(id.sigSeed).publicKey, id.sigPublicKey)) {
    throw new IdentityError(`${path}: "sigPublicKey" does not match "sigSeed" (damaged file)`)
  }
  if (!equalBytes(x25519FromPrivate(id.commsPrivateKey).publicKey, id.commsPublicKey)) {
    throw new IdentityError(`${path}: "commsPublicKey" does not match "commsPrivateKey" (damaged file)`)
  }
  return id
}

/** Reads `<dataDir>/identity.json`; throws IdentityError if it is missing, damaged or readable by others. */
export async function readIdentity(dataDir: string): Promise<Identity> {
  const path = join(dataDir, IDENTITY_FILE)
  let mode: number
  try {
    mode = (await stat(path)).mode
  } catch (err: any) {
    if (err.code === 'ENOENT') throw new IdentityError(`no identity at ${path}`)
    throw new IdentityError(`cannot read ${path}: ${err.message}`, { cause: err })
  }
  if ((mode & 0o077) !== 0) {
    throw new IdentityError(
      `${path} has mode ${(mode & 0o777).toString(8)}; it holds private keys and must be 600 (chmod 600 ${path})`,
    )
  }
  return parse(path, await readFile(path, 'utf8'))
}

/**
 * Loads the identity, creating it if (and only if) the file does not exist.
 */
export async function loadOrCreateIdentity(
  dataDir: string,
): Promise<{ identity: Identity; created: boolean }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, IDENTITY_FILE)
  const identity = generateIdentity()
  // Write a temp file, then link(2) it into place: atomic and never overwrites, so neither a
  // crash mid-write nor two processes racing on one data directory can leave a half file.
  const tmp = `${path}.tmp-${process.pid}-${toB64u(randomBytes(6))}`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(serialise(identity))
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await link(tmp, path)
  } catch (err: any) {
    if (err.code === 'EEXIST') return { identity: await readIdentity(dataDir), created: false }
    throw new IdentityError(`cannot create ${path}: ${err.message}`, { cause: err })
  } finally {
    await unlink(tmp).catch(() => {})
  }
  await syncDir(dataDir)
  return { identity, created: true }
}

export function identitySigner(id: Identity): Signer {
  return new Signer({ seed: id.sigSeed, publicKey: id.sigPublicKey })
}

/** The libp2p private key for this identity: the same Ed25519 key, so the peer ID embeds it. */
export async function libp2pPrivateKey(id: Identity): Promise<Ed25519PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', id.sigSeed)
}

export async function identityPeerId(id: Identity): Promise<PeerId> {
  return peerIdFromPrivateKey(await libp2pPrivateKey(id))
}
