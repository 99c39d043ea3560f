/**
 * Requests and answers of /xlattice/cluster/1.0.0 that need no node state: a proposal read from
 * its registration body and checked to come from its proposer, and the refusal shape shared by
 * formation (formation-service.ts) and replacement (replace-answers.ts).
 */
import { sha256 } from '../../lib/crypto.js'
import { equalBytes, toHex } from '../../lib/encoding.js'
import { verifyCertificate } from '../registry/certificate.js'
import { MAX_CLUSTER_MEMBERS } from '../registry/cluster-binding.js'
import { RegisterCluster, SignedCertificate } from '../registry/registry.pb.js'
import { FormError, type FormRequest, type FormResponse } from './cluster.pb.js'
import type { Proposal } from './formation.js'

function memberIds(reg: RegisterCluster): string[] {
  return reg.members.map((m) => toHex(m.nodeId)).sort()
}

export function proposalOf(body: Uint8Array, reg: RegisterCluster): Proposal {
  const members = memberIds(reg)
  return { id: toHex(sha256(body)), proposer: members[0] ?? '', members }
}

/** A refusal (or an FORM_OK with a note) on /xlattice/cluster/1.0.0. */
export function answer(error: FormError, text: string): Partial<FormResponse> {
  return { error, text }
}

/**
 * The proposal in a PROPOSE or WITHDRAW body, checked to come from its proposer's connection;
 * or the answer refusing it.
 */
export function parseProposal(
  req: FormRequest,
  remoteKey: Uint8Array | undefined,
  issuers: Uint8Array[],
): { proposal: Proposal; reg: RegisterCluster } | Partial<FormResponse> {
  const body = req.body
  let reg: RegisterCluster
  try {
    reg = RegisterCluster.decode(body, { limits: { members: MAX_CLUSTER_MEMBERS } })
  } catch {
    return answer(FormError.FORM_BAD_REQUEST, 'the proposal does not decode')
  }
  const proposal = proposalOf(body, reg)
  const proposer = reg.members.find((m) => toHex(m.nodeId) === proposal.proposer)
  if (proposer === undefined || remoteKey === undefined || !equalBytes(proposer.sigPublicKey, remoteKey))
    return answer(
      FormError.NOT_PROPOSER,
      "the request did not come from the proposal's proposer (its lowest member)",
    )
  // The proposer's NodeID is what wins the preference order: it must be certified as its own.
  try {
    const cert = verifyCertificate(SignedCertificate.decode(req.certificate), issuers)
    if (toHex(cert.nodeId) !== proposal.proposer || !equalBytes(cert.sigPublicKey, proposer.sigPublicKey))
      throw new Error('certificate of another node')
  } catch {
    return answer(FormError.NOT_PROPOSER, "the proposer's NodeID certificate is missing or not its own")
  }
  return { proposal, reg }
}
