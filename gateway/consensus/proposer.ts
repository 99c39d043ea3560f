/**
 * Deterministic, weight-aware proposer choice, identical on every validator for (height, round).
 *
 * CometBFT's proposer-priority rotation without carried state: starting from zero priorities,
 * each slot adds every validator's weight to its priority, picks the highest (lowest index on
 * ties) and subtracts the total from the winner. From zero this sequence is periodic with
 * period W (each validator appears exactly `weight` times, spread out rather than in runs), so
 * slot k = height + round is read from one precomputed cycle. Large totals are scaled down
 * (each weight at least 1) for the rotation only; quorums always use the exact weights.
 * References: CometBFT spec/consensus/proposer-selection.md; nginx smooth weighted round-robin.
 */
import { toHex } from '../../lib/encoding.js'
import type { ValidatorSet } from './types.js'

const MAX_CYCLE = 4096
const cycles = new Map<string, Uint16Array>()

function rotationWeights(set: ValidatorSet): number[] {
  const total = set.totalWeight
  const limit = BigInt(Math.max(MAX_CYCLE, set.validators.length))
  if (total <= limit) return set.validators.map((v) => Number(v.weight))
  return set.validators.map((v) => {
    const scaled = (v.weight * limit) / total
    return scaled < 1n ? 1 : Number(scaled)
  })
}

function cycle(set: ValidatorSet): Uint16Array {
  const key = toHex(set.hash)
  let seq = cycles.get(key)
  if (seq !== undefined) return seq
  const weights = rotationWeights(set)
  const total = weights.reduce((a, b) => a + b, 0)
  const priority = new Array<number>(weights.length).fill(0)
  seq = new Uint16Array(total)
  for (let k = 0; k < total; k++) {
    let best = 0
    for (let i = 0; i < weights.length; i++) {
      priority[i] += weights[i]
      if (priority[i] > priority[best]) best = i
    }
    priority[best] -= total
    seq[k] = best
  }
  if (cycles.size >= 256) cycles.clear()
  cycles.set(key, seq)
  return seq
}

/** Index (in the set's canonical order) of the proposer of (height, round). */
export function proposerIndex(set: ValidatorSet, height: number, round: number): number {
  const seq = cycle(set)
  return seq[(height + round) % seq.length]
}
