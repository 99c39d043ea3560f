/** Drives one core by hand for targeted schedules. */
import {
  type CoreState,
  createCore,
  DEFAULT_LIMITS,
  decodeMessage,
  genesisTip,
  type Hash,
  type Input,
  type Output,
  type PersistRecord,
  proposerIndex,
  step,
  type TimerKind,
  type Timeouts,
  type ValidatorSet,
  type Vote,
} from '../../../../gateway/consensus/index.js'
import { type Signer, verifySignature } from '../../../../lib/crypto.js'
import { type BuiltBlock, CHAIN, proposal, TestApp, vote } from './fixtures.js'

export const TIMEOUTS: Timeouts = {
  proposeMs: 100,
  proposeDeltaMs: 10,
  prevoteMs: 50,
  prevoteDeltaMs: 5,
  precommitMs: 50,
  precommitDeltaMs: 5,
  commitMs: 20,
}

export class Harness {
  readonly app = new TestApp()
  readonly core: CoreState
  signatures = 0
  /** Signature checks the core asked for. */
  verifications = 0

  constructor(
    readonly keys: readonly Signer[],
    readonly set: ValidatorSet,
    readonly me: number,
    records: readonly PersistRecord[] = [],
  ) {
    const key = keys[me]
    const signer = {
      publicKey: key.publicKey,
      sign: (tag: string, bytes: Uint8Array) => {
        this.signatures++
        return key.sign(tag, bytes)
      },
    }
    this.core = createCore(
      {
        chainId: CHAIN,
        signer,
        app: this.app,
        timeouts: TIMEOUTS,
        verify: (tag, bytes, signature, publicKey) => {
          this.verifications++
          return verifySignature(tag, bytes, signature, publicKey)
        },
      },
      genesisTip(set),
      records,
    )
  }

  step(input: Input): Output {
    return step(this.core, input)
  }

  start(): Output {
    return this.step({ kind: 'start' })
  }

  msg(bytes: Uint8Array): Output {
    return this.step({ kind: 'message', bytes })
  }

  timeout(kind: TimerKind, round: number, height = this.core.height): Output {
    return this.step({ kind: 'timeout', timer: { kind, height, round, durationMs: 0 } })
  }

  /** A prevote or precommit from validator i at the current height. */
  vote(i: number, type: 'prevote' | 'precommit', round: number, hash: Hash | null): Output {
    return this.msg(vote(this.keys[i], i, type, this.core.height, round, hash))
  }

  /** The proposal of `round` by its proposer. */
  propose(round: number, validRound: number, b: BuiltBlock): Output {
    const p = proposerIndex(this.core.validators, this.core.height, round)
    return this.msg(proposal(this.keys[p], this.core.height, round, validRound, b))
  }
}

/** The votes among a step's sent messages. */
export function sentVotes(out: Output, type?: 'prevote' | 'precommit'): Vote[] {
  const votes: Vote[] = []
  for (const bytes of out.send) {
    const d = decodeMessage(bytes, DEFAULT_LIMITS)
    if (d.ok && d.value.kind === 'vote' && (type === undefined || d.value.vote.type === type))
      votes.push(d.value.vote)
  }
  return votes
}

export function sentProposals(out: Output) {
  return out.send.flatMap((bytes) => {
    const d = decodeMessage(bytes, DEFAULT_LIMITS)
    return d.ok && d.value.kind === 'proposal' ? [d.value] : []
  })
}

export function hex(h: Hash | null): string {
  return h === null ? 'nil' : Buffer.from(h).toString('hex')
}
