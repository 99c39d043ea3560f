/**
 * Binding proofs (seed row 0.1.2): "at height h of cluster C's chain, registry key K mapped to
 * value V" (or "K was absent", which shows a nick is free). A proof carries the certified
 * header of height h + 1, whose `stateRoot` is the registry's Merkle root after block h (state
 * roots lag one block, as CometBFT's AppHash does), the certified membership changes that lead
 * from C's genesis validator set to the set of height h + 1, and a Merkle proof under that
 * root. Anyone holding the genesis set (the XLattice server keeps it) and the chain id checks
 * it without talking to the cluster.
 * References: docs/protocols/cluster-registry.md "Merkle state and binding proofs";
 * docs/protocols/consensus.md "Certificates for outsiders".
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes } from '../../lib/encoding.js'
import {
  type BlockHeader,
  type CommitCertificate,
  DEFAULT_LIMITS,
  type Decoded,
  decodeCertificate,
  decodeHeader,
  decodeValidatorSet,
  encodeCertificate,
  encodeHeader,
  encodeValidatorSet,
  type Hash,
  type Limits,
  type ValidatorSet,
  type ValidatorSetChange,
  type VerifyFn,
  verifyCertificateChain,
} from '../consensus/index.js'
import {
  decodeMerkleProof,
  encodeMerkleProof,
  MAX_MERKLE_PROOF_BYTES,
  type MerkleMap,
  type MerkleProof,
  verifyMerkleProof,
} from './merkle.js'

export interface BindingProof {
  /** The header of height h + 1: its stateRoot is the registry root after height h. */
  header: BlockHeader
  /** The commit certificate of that header, by the set of height h + 1. */
  certificate: CommitCertificate
  /** Every membership change before height h + 1, oldest first (verifyCertificateChain). */
  changes: ValidatorSetChange[]
  merkle: MerkleProof
}

/** What a verifier trusts: the cluster's chain id and genesis validator set. */
export interface ClusterAnchor {
  chainId: Hash
  genesis: ValidatorSet
}

/** `height` is the height whose state the proof speaks for (header.height - 1). */
export type BindingResult = { ok: true; height: number } | { ok: false; reason: string }

export interface BindingVerifyOptions {
  /** Refuse proofs about a state older than this height (a caller that knows a newer one). */
  minHeight?: number
  /** Signature check (tests inject a cached one). */
  verify?: VerifyFn
}

export const MAX_BINDING_PROOF_BYTES = 1024 * 1024
export const MAX_CHANGES = 1024
const VERSION = 1
const utf8 = new TextEncoder()

/**
 * The Merkle key of a typed registry key such as `nick/alice`: `sha256(utf8(typed key))`, the
 * same function as entries.ts `registryKey`, so a caller needs nothing else from the registry.
 */
export function entryKey(typedKey: string): Hash {
  return sha256(utf8.encode(typedKey))
}

/** The value hash of an entry's canonical encoding (entries.ts `entryHash`): `sha256(encoding)`. */
export function entryValueHash(encoding: Uint8Array): Hash {
  return sha256(encoding)
}

/**
 * Builds a proof for `key` from `map` holding the state `certified.header` commits to (height
 * header.height - 1): the registry calls it while applying block h + 1, before the block's
 * operations, or from a snapshot. Throws RangeError when the map is at another state.
 */
export function makeBindingProof(
  map: MerkleMap,
  key: Hash,
  certified: { header: BlockHeader; certificate: CommitCertificate },
  changes: readonly ValidatorSetChange[],
): BindingProof {
  if (!equalBytes(map.root(), certified.header.stateRoot)) {
    throw new RangeError('the map is not at the state this header commits to')
  }
  const before = changes.filter((c) => c.header.height < certified.header.height)
  return {
    header: certified.header,
    certificate: certified.certificate,
    changes: before,
    merkle: map.prove(key),
  }
}

/**
 * Checks that `key` maps to `valueHash` (undefined: is absent) in the cluster's registry at the
 * height the proof names. Never throws; `{ ok: false, reason }` for anything forged or malformed.
 */
export function verifyBindingProof(
  anchor: ClusterAnchor,
  key: Hash,
  valueHash: Hash | undefined,
  proof: BindingProof,
  options: BindingVerifyOptions = {},
): BindingResult {
  const fail = (reason: string): BindingResult => ({ ok: false, reason })
  try {
    const { header, certificate, changes, merkle } = proof
    if (!Array.isArray(changes) || changes.length > MAX_CHANGES) return fail('bad membership change list')
    // Certificates are checked under the header's own chain id: without these two checks a twin
    // chain run by the same keys (or a membership change taken from one) would pass.
    if (!equalBytes(header.chainId, anchor.chainId)) return fail('header from another chain')
    if (changes.some((c) => !equalBytes(c.header.chainId, anchor.chainId))) {
      return fail('membership change from another chain')
    }
    const chain = verifyCertificateChain(
      anchor.genesis,
      changes,
      { header, certificate },
      { verify: options.verify },
    )
    if (!chain.ok) {
      if (chain.at >= 0 && chain.at < changes.length)
        return fail(`membership change ${chain.at}: ${chain.reason}`)
      return fail(chain.at === changes.length ? `header certificate: ${chain.reason}` : chain.reason)
    }
    const height = header.height - 1
    if (options.minHeight !== undefined && height < options.minHeight) {
      return fail(`stale: proof for height ${height}, height ${options.minHeight} or later required`)
    }
    if (!verifyMerkleProof(header.stateRoot, key, valueHash, merkle)) {
      return fail(
        valueHash === undefined
          ? 'absence not proven under the state root'
          : 'binding not proven under the state root',
      )
    }
    return { ok: true, height }
  } catch {
    return fail('malformed proof')
  }
}

class Junk extends Error {}

/** Bounds-checked reader: throws Junk, caught at the decoder's boundary. */
class Cursor {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    if (this.pos + 1 > this.bytes.length) throw new Junk('truncated')
    return this.bytes[this.pos++]
  }

  u16(): number {
    return (this.u8() << 8) | this.u8()
  }

  chunk(max: number): Uint8Array {
    const n = ((this.u16() << 16) | this.u16()) >>> 0
    if (n > max) throw new Junk('length over limit')
    if (this.pos + n > this.bytes.length) throw new Junk('truncated')
    this.pos += n
    return this.bytes.subarray(this.pos - n, this.pos)
  }
}

function put(parts: Uint8Array[], bytes: Uint8Array): void {
  const n = new Uint8Array(4)
  new DataView(n.buffer).setUint32(0, bytes.length)
  parts.push(n, bytes)
}

/**
 * `u8 version(1) || chunk header || chunk certificate || u16 count || count x (chunk header ||
 * chunk certificate || chunk next validator set) || chunk merkle proof`, where a chunk is a u32
 * big-endian length and the canonical consensus (or merkle.ts) encoding.
 */
export function encodeBindingProof(proof: BindingProof): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([VERSION])]
  put(parts, encodeHeader(proof.header))
  put(parts, encodeCertificate(proof.certificate))
  parts.push(new Uint8Array([proof.changes.length >> 8, proof.changes.length & 0xff]))
  for (const c of proof.changes) {
    put(parts, encodeHeader(c.header))
    put(parts, encodeCertificate(c.certificate))
    put(parts, encodeValidatorSet(c.nextValidators))
  }
  put(parts, encodeMerkleProof(proof.merkle))
  return new Uint8Array(Buffer.concat(parts))
}

function must<T>(d: Decoded<T>, what: string): T {
  if (!d.ok) throw new Junk(`${what}: ${d.error}`)
  return d.value
}

/** Decodes a proof; never throws, `{ ok: false, error }` for junk or anything over the bounds. */
export function decodeBindingProof(
  bytes: Uint8Array,
  limits: Limits = DEFAULT_LIMITS,
): Decoded<BindingProof> {
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: 'not bytes' }
  if (bytes.length > MAX_BINDING_PROOF_BYTES) return { ok: false, error: 'proof over limit' }
  const maxCertificate = 48 + 66 * limits.maxValidators
  const maxSet = 2 + 40 * limits.maxValidators
  try {
    const r = new Cursor(bytes)
    if (r.u8() !== VERSION) throw new Junk('unknown proof version')
    const header = must(decodeHeader(r.chunk(1024)), 'header')
    const certificate = must(decodeCertificate(r.chunk(maxCertificate), limits), 'certificate')
    const count = r.u16()
    if (count > MAX_CHANGES) throw new Junk('too many membership changes')
    const changes: ValidatorSetChange[] = []
    for (let i = 0; i < count; i++) {
      changes.push({
        header: must(decodeHeader(r.chunk(1024)), `change ${i} header`),
        certificate: must(decodeCertificate(r.chunk(maxCertificate), limits), `change ${i} certificate`),
        nextValidators: must(decodeValidatorSet(r.chunk(maxSet), limits), `change ${i} next set`),
      })
    }
    const merkle = must(decodeMerkleProof(r.chunk(MAX_MERKLE_PROOF_BYTES)), 'merkle proof')
    if (r.pos !== bytes.length) throw new Junk('trailing bytes')
    return { ok: true, value: { header, certificate, changes, merkle } }
  } catch (err) {
    return { ok: false, error: err instanceof Junk ? err.message : 'malformed' }
  }
}
