/**
 * The answering side of formation (formation-service.ts runs it): every request on
 * `/xlattice/cluster/1.0.0`. A node asked to join a proposed cluster (PROPOSE) checks the
 * proposal and the rules of formation.ts, and accepts by signing the registration body, which
 * holds it for that proposal until its lock lapses; the other kinds ask whether it is free,
 * release a hold, deliver a binding, or belong to replace-service.ts.
 * References: docs/protocols/cluster.md "Formation".
 */
import type { Signer } from '../../lib/crypto.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { memberListProblem, signClusterRegistration } from '../registry/cluster-binding.js'
import { SignedClusterBinding } from '../registry/registry.pb.js'
import { FormError, FormKind, FormRequest, type FormResponse } from './cluster.pb.js'
import type { Formation } from './formation.js'
import { answer, parseProposal } from './formation-wire.js'

/** What judging a proposal reads of the formation service. */
export interface Considering {
  registryKey: Uint8Array
  signer: Signer
  /** Members per cluster. */
  size: number
  /** Until when this node is joining a cluster in place of a dead member (ms; 0: not). */
  joiningUntil: number
  /** Bodies of the proposals this node accepted, by id (bounded here to 8). */
  accepted: Map<string, Uint8Array>
}

/** PROPOSE: the acceptance signature, or the refusal saying why. */
export function considerProposal(
  k: Considering,
  rules: Formation,
  req: FormRequest,
  remoteKey: Uint8Array | undefined,
): Partial<FormResponse> {
  const parsed = parseProposal(req, remoteKey, [k.registryKey])
  const body = req.body
  if (!('proposal' in parsed)) return parsed
  const { proposal, reg } = parsed
  if (k.joiningUntil > Date.now())
    return answer(FormError.IN_A_CLUSTER, 'this node is joining a cluster in place of a dead member')
  // Never hold or sign a registration the server must refuse (the members' canonical order).
  const problem = memberListProblem(reg.members)
  if (problem !== undefined) return answer(FormError.MALFORMED, problem)
  const me = reg.members.find((m) => toHex(m.nodeId) === rules.self)
  if (me !== undefined && !equalBytes(me.sigPublicKey, k.signer.publicKey))
    return answer(FormError.NOT_A_MEMBER, 'the proposal names this NodeID with another key')
  const verdict = rules.consider(proposal, Date.now())
  if (verdict.accept) {
    // Bounded: each entry costs a lookup at the server once its hold lapses.
    if (k.accepted.size >= 8) k.accepted.delete(k.accepted.keys().next().value as string)
    k.accepted.set(proposal.id, body)
    return { error: FormError.FORM_OK, signature: signClusterRegistration(k.signer, body).signature }
  }
  switch (verdict.reason) {
    case 'in-a-cluster':
      return answer(FormError.IN_A_CLUSTER, 'this node is in a cluster')
    case 'not-a-member':
      return answer(FormError.NOT_A_MEMBER, 'the proposal does not name this node')
    case 'malformed':
      return answer(FormError.MALFORMED, `a proposal has ${k.size} sorted members, the lowest proposing`)
    case 'holding-better':
      return {
        ...answer(FormError.HOLDING_BETTER, 'holding a better proposal'),
        holdingProposer: fromHex(verdict.holding.proposer),
      }
  }
}

/** Answers the replacement requests (replace-service.ts) arriving on the formation protocol. */
export type ReplaceHandler = (
  req: FormRequest,
  remoteKey: Uint8Array | undefined,
) => Promise<Partial<FormResponse>>

/** What answering a request reads and does in the formation service. */
export interface Answering {
  /** The rules once this node has a NodeID. */
  rules(): Formation | undefined
  /** The cluster this node is in, if any. */
  clusterId(): Uint8Array | undefined
  considering(): Considering
  replace(): ReplaceHandler | undefined
  /** A newer binding of this node's cluster (UPDATED): what came of it. */
  adopt(signed: SignedClusterBinding): Promise<string>
  /** The binding of a cluster this node accepted to form (FORMED); throws when it does not hold. */
  join(signed: SignedClusterBinding): Promise<void>
}

/** One request on /xlattice/cluster/1.0.0, as received: the answer, never a throw. */
export async function answerRequest(
  a: Answering,
  frame: Uint8Array,
  remoteKey: Uint8Array | undefined,
): Promise<Partial<FormResponse>> {
  let req: FormRequest
  try {
    req = FormRequest.decode(frame)
  } catch {
    return answer(FormError.FORM_BAD_REQUEST, 'request does not decode')
  }
  const rules = a.rules()
  if (rules === undefined) return answer(FormError.NOT_READY, 'this node has no NodeID yet')
  switch (req.kind) {
    case FormKind.STATUS: {
      const clusterId = a.clusterId()
      return clusterId === undefined
        ? { error: FormError.FORM_OK, free: true }
        : { error: FormError.FORM_OK, free: false, clusterId }
    }
    case FormKind.PROPOSE:
      return considerProposal(a.considering(), rules, req, remoteKey)
    case FormKind.WITHDRAW: {
      const k = a.considering()
      const parsed = parseProposal(req, remoteKey, [k.registryKey])
      if (!('proposal' in parsed)) return parsed
      rules.release(parsed.proposal.id)
      k.accepted.delete(parsed.proposal.id)
      return answer(FormError.FORM_OK, 'released')
    }
    case FormKind.REPLACE_OFFER:
    case FormKind.REPLACE_APPROVE:
    case FormKind.RECORD_APPROVE: {
      const replace = a.replace()
      return replace === undefined
        ? answer(FormError.NOT_READY, 'replacement is not running here')
        : replace(req, remoteKey)
    }
    case FormKind.UPDATED: {
      // The server's signature is the authority: anyone may deliver a binding.
      try {
        return answer(FormError.FORM_OK, await a.adopt(SignedClusterBinding.decode(req.body)))
      } catch (err) {
        return answer(FormError.BAD_BINDING, (err as Error).message)
      }
    }
    case FormKind.FORMED: {
      try {
        if (a.clusterId() !== undefined) return answer(FormError.IN_A_CLUSTER, 'already in a cluster')
        await a.join(SignedClusterBinding.decode(req.body))
        return answer(FormError.FORM_OK, 'joined')
      } catch (err) {
        return answer(FormError.BAD_BINDING, (err as Error).message)
      }
    }
    default:
      return answer(FormError.FORM_BAD_REQUEST, `unknown request kind ${req.kind}`)
  }
}
