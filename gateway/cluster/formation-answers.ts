/**
 * The answering side of formation (formation-service.ts runs it): a node asked to join a
 * proposed cluster (PROPOSE) checks the proposal and the rules of formation.ts, and accepts by
 * signing the registration body, which holds it for that proposal until its lock lapses.
 * References: docs/protocols/cluster.md "Formation".
 */
import type { Signer } from '../../lib/crypto.js'
import { equalBytes, fromHex, toHex } from '../../lib/encoding.js'
import { memberListProblem, signClusterRegistration } from '../registry/cluster-binding.js'
import { FormError, type FormRequest, type FormResponse } from './cluster.pb.js'
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
