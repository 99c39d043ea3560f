/**
 * Validator sets: canonical order (by public key), bigint weights, and the set hash that
 * headers carry (`validatorsHash`, `nextValidatorsHash`).
 */
import { sha256 } from '../../lib/crypto.js'
import { compareBytes, toHex } from '../../lib/encoding.js'
import { type Decoded, decodeValidatorList, encodeValidatorList } from './codec.js'
import { ConsensusConfigError } from './errors.js'
import { type Hash, type Limits, PUBLIC_KEY_LENGTH, type Validator, type ValidatorSet } from './types.js'

const MAX_WEIGHT = 2n ** 64n - 1n

export interface ValidatorInit {
  publicKey: Uint8Array
  weight: bigint | number
}

export function validatorSetHash(validators: readonly Validator[]): Hash {
  return sha256(encodeValidatorList(validators))
}

function build(validators: Validator[]): ValidatorSet {
  let totalWeight = 0n
  for (const v of validators) totalWeight += v.weight
  return { validators, totalWeight, hash: validatorSetHash(validators) }
}

/** Builds a set in canonical order; throws on duplicate keys or non-positive weights. */
export function makeValidatorSet(init: readonly ValidatorInit[]): ValidatorSet {
  if (init.length === 0 || init.length > 65535) throw new ConsensusConfigError('validator count out of range')
  const validators = init.map((v) => {
    const weight = typeof v.weight === 'bigint' ? v.weight : BigInt(v.weight)
    if (v.publicKey.length !== PUBLIC_KEY_LENGTH) throw new ConsensusConfigError('bad validator public key')
    if (weight < 1n || weight > MAX_WEIGHT) throw new ConsensusConfigError('validator weight out of range')
    return { publicKey: new Uint8Array(v.publicKey), weight }
  })
  validators.sort((a, b) => compareBytes(a.publicKey, b.publicKey))
  for (let i = 1; i < validators.length; i++) {
    if (compareBytes(validators[i - 1].publicKey, validators[i].publicKey) === 0) {
      throw new ConsensusConfigError('duplicate validator key')
    }
  }
  return build(validators)
}

export function encodeValidatorSet(set: ValidatorSet): Uint8Array {
  return encodeValidatorList(set.validators)
}

export function decodeValidatorSet(bytes: Uint8Array, limits: Limits): Decoded<ValidatorSet> {
  const d = decodeValidatorList(bytes, limits)
  return d.ok ? { ok: true, value: build(d.value) } : d
}

const indexCache = new WeakMap<ValidatorSet, Map<string, number>>()

/** Index of a public key in the set, or -1. */
export function indexOfKey(set: ValidatorSet, publicKey: Uint8Array): number {
  let map = indexCache.get(set)
  if (map === undefined) {
    map = new Map(set.validators.map((v, i) => [toHex(v.publicKey), i]))
    indexCache.set(set, map)
  }
  return map.get(toHex(publicKey)) ?? -1
}

/** True when the set's hash matches its contents (an outsider must not trust the field). */
export function validatorSetConsistent(set: ValidatorSet): boolean {
  const h = validatorSetHash(set.validators)
  return compareBytes(h, set.hash) === 0
}
