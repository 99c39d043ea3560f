/**
 * The simulator's judge. Agreement: no two correct validators commit different blocks at one
 * height. Validity: every committed block is certified by the expected set, extends the agreed
 * chain, carries the right state root and next set, and holds only valid operations (an
 * invalid Byzantine proposal must never be decided). No equivocation: a correct validator,
 * restarted or not, never signs two different messages for one slot. Liveness: after GST every height is
 * decided within a bounded number of rounds, and every correct node keeps committing.
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes, toHex } from '../../lib/encoding.js'
import {
  type CommitRecord,
  DEFAULT_LIMITS,
  decodeMessage,
  type Hash,
  operationsRoot,
  type ValidatorSet,
  type VerifyOptions,
  verifyCommitCertificate,
  ZERO_HASH,
} from '../../gateway/consensus/index.js'
import { GENESIS_ROOT, nextSet, opValid } from './app.js'

export type ViolationKind = 'agreement' | 'validity' | 'equivocation' | 'liveness'

export interface Violation {
  kind: ViolationKind
  message: string
  time: number
}

export class Checker {
  readonly violations: Violation[] = []
  readonly #decided = new Map<number, { key: string; node: number }>()
  readonly #signed = new Map<string, Uint8Array>()
  readonly #sets = new Map<number, ValidatorSet>()
  readonly #roots: Hash[] = [GENESIS_ROOT]
  readonly #hashes: Hash[] = [ZERO_HASH]
  readonly #bound: number
  readonly #options: VerifyOptions
  #gst: { time: number; height: number; round: number } | null = null

  /** `bound`: rounds allowed after GST before a height must be decided. */
  constructor(genesis: ValidatorSet, bound: number, options: VerifyOptions) {
    this.#sets.set(1, genesis)
    this.#bound = bound
    this.#options = options
  }

  #violate(kind: ViolationKind, message: string, time: number): void {
    this.violations.push({ kind, message, time })
  }

  get safetyViolated(): boolean {
    return this.violations.some((v) => v.kind !== 'liveness')
  }

  /**
   * Every message a correct validator signs, seen at its signer as it is signed. Two different
   * ones for one (height, round, type) would mean a restart forgot what it may have signed.
   */
  onSigned(node: number, message: Uint8Array, time: number): void {
    const d = decodeMessage(message, DEFAULT_LIMITS)
    if (!d.ok) {
      this.#violate('equivocation', `node ${node} signed a malformed message: ${d.error}`, time)
      return
    }
    const m = d.value
    const f = m.kind === 'vote' ? m.vote : m.proposal
    const slot = `${node}:${f.height}:${f.round}:${m.kind === 'vote' ? m.vote.type : 'proposal'}`
    const prior = this.#signed.get(slot)
    if (prior === undefined) this.#signed.set(slot, m.signBytes)
    else if (!equalBytes(prior, m.signBytes))
      this.#violate('equivocation', `node ${node} signed twice for ${slot}`, time)
  }

  onCommit(node: number, c: CommitRecord, time: number): void {
    const key = toHex(c.blockHash)
    const prior = this.#decided.get(c.height)
    if (prior !== undefined) {
      if (prior.key !== key) {
        const msg = `height ${c.height}: node ${node} committed ${key.slice(0, 12)}, node ${prior.node} committed ${prior.key.slice(0, 12)}`
        this.#violate('agreement', msg, time)
      }
      return
    }
    this.#decided.set(c.height, { key, node })
    this.#validate(node, c, time)
    this.#liveness(c, time)
  }

  #validate(node: number, c: CommitRecord, time: number): void {
    const h = c.height
    const set = this.#sets.get(h)
    const fail = (why: string) => this.#violate('validity', `height ${h} (node ${node}): ${why}`, time)
    if (set === undefined) {
      fail('decided before its parent')
      return
    }
    const header = c.block.header
    if (!equalBytes(c.validators.hash, set.hash)) fail('decided by an unexpected validator set')
    const cert = verifyCommitCertificate(set, header, c.certificate, this.#options)
    if (!cert.ok) fail(`certificate: ${cert.reason}`)
    if (!equalBytes(header.prevHash, this.#hashes[h - 1])) fail('does not extend the agreed chain')
    if (!equalBytes(header.stateRoot, this.#roots[h - 1])) fail('wrong state root')
    if (!equalBytes(header.operationsHash, operationsRoot(c.block.operations))) fail('wrong operations hash')
    if (!c.block.operations.every(opValid)) fail('invalid operation committed')
    const next = nextSet(set, c.block.operations)
    if (!equalBytes(header.nextValidatorsHash, next.hash)) fail('wrong next validator set')
    this.#roots[h] = sha256(this.#roots[h - 1], header.operationsHash)
    this.#hashes[h] = c.blockHash
    this.#sets.set(h + 1, next)
  }

  /** At GST: the highest height any correct node is at, and the highest round there. */
  onGst(time: number, positions: Array<{ height: number; round: number }>): void {
    const height = Math.max(...positions.map((p) => p.height))
    const round = Math.max(...positions.filter((p) => p.height === height).map((p) => p.round))
    this.#gst = { time, height, round }
  }

  #liveness(c: CommitRecord, time: number): void {
    const g = this.#gst
    if (g === null || time < g.time || c.height < g.height) return
    const limit = c.height === g.height ? g.round + this.#bound : this.#bound
    if (c.certificate.round > limit) {
      this.#violate(
        'liveness',
        `height ${c.height} decided in round ${c.certificate.round} > ${limit} after GST`,
        time,
      )
    }
  }

  stalled(time: number, stuck: string[]): void {
    this.#violate('liveness', `no progress after GST: ${stuck.join(', ')}`, time)
  }
}
