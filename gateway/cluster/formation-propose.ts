/**
 * The proposing side of formation (formation-service.ts decides when): the proposer sends the
 * cluster registration to the members it picked, each accepts by signing those bytes, and with
 * every signature it registers the cluster with the XLattice server and hands the server-signed
 * binding to the members (FORMED). A proposal that fails (a decline, a member that does not
 * answer) is withdrawn; members that did not answer sit out the next few.
 * References: docs/protocols/cluster.md "Formation".
 */
import { randomBytes, verifySignature } from '../../lib/crypto.js'
import { fromHex } from '../../lib/encoding.js'
import {
  type ClusterApproval,
  clusterRegistrationBody,
  signClusterRegistration,
} from '../registry/cluster-binding.js'
import type { VerifiedCluster } from '../registry/client.js'
import {
  type ClusterMember,
  RegisterCluster,
  SignedCertificate,
  SignedClusterBinding,
} from '../registry/registry.pb.js'
import { TAG_CLUSTER_REGISTER } from '../registry/tags.js'
import { FormError, type FormRequest, type FormResponse, FormKind } from './cluster.pb.js'
import type { Formation, Proposal } from './formation.js'
import type { FormationComponents, FormationPeer, FormationSettings } from './formation-service.js'
import { proposalOf } from './formation-wire.js'

/** What proposing uses of the formation service. */
export interface Proposing {
  c: FormationComponents
  s: FormationSettings
  rules: Formation
  /** Members that did not answer a proposal, until when they sit out. */
  unresponsive: Map<string, number>
  call(peer: FormationPeer, req: Partial<FormRequest>): Promise<FormResponse>
  join(signed: SignedClusterBinding): Promise<void>
  describe(cluster: VerifiedCluster, msg: string): void
  /** The service's state becomes 'proposing'. */
  proposing(): void
  /** Why the last round failed (status). */
  failed(text: string): void
}

/** Proposes a cluster of `members` (sorted, this node first): all sign, or it is withdrawn. */
export async function propose(
  p: Proposing,
  members: string[],
  peers: Map<string, FormationPeer>,
): Promise<void> {
  const rules = p.rules
  const self = rules.self
  const signed = p.c.certificate()
  if (signed === undefined) return
  const certificate = SignedCertificate.encode(signed)
  const list: ClusterMember[] = members.map((id) => ({
    nodeId: fromHex(id),
    sigPublicKey: id === self ? p.c.signer.publicKey : (peers.get(id)?.sigPublicKey ?? new Uint8Array()),
  }))
  const body = clusterRegistrationBody({ members: list, nonce: randomBytes(16) })
  const reg = RegisterCluster.decode(body)
  const proposal = proposalOf(body, reg)
  if (!rules.propose(proposal, Date.now())) return
  p.proposing()
  p.c.log.info({ members, proposal: proposal.id.slice(0, 16) }, 'proposing a cluster')
  const approvals: ClusterApproval[] = [signClusterRegistration(p.c.signer, body)]
  const others = members.filter((id) => id !== self)
  const answers = await Promise.all(
    others.map(async (id) => {
      const peer = peers.get(id)
      if (peer === undefined) return { id, error: 'not a live neighbour' }
      try {
        const res = await p.call(peer, { kind: FormKind.PROPOSE, body, certificate })
        if (res.error !== FormError.FORM_OK) return { id, error: `${res.error}: ${res.text}`, answered: true }
        if (!verifySignature(TAG_CLUSTER_REGISTER, body, res.signature, peer.sigPublicKey))
          return { id, error: 'acceptance signature does not verify', answered: true }
        approvals.push({ publicKey: peer.sigPublicKey, signature: res.signature })
        return { id }
      } catch (err) {
        return { id, error: (err as Error).message }
      }
    }),
  )
  const failed = answers.filter((a) => a.error !== undefined)
  if (failed.length > 0) {
    for (const f of failed) {
      if (!('answered' in f)) p.unresponsive.set(f.id, Date.now() + 3 * p.s.lockMs)
    }
    const why = failed.map((f) => `${f.id.slice(0, 8)}: ${f.error}`).join('; ')
    p.failed(why)
    p.c.log.info({ proposal: proposal.id.slice(0, 16), failed: why }, 'proposal failed')
    await withdraw(p, proposal, { body, certificate }, others, peers)
    return
  }
  const cluster = await p.c.registry.registerCluster(body, approvals)
  await p.join(cluster.signed)
  await Promise.all(
    others.map((id) =>
      p
        .call(peers.get(id) as FormationPeer, {
          kind: FormKind.FORMED,
          body: SignedClusterBinding.encode(cluster.signed),
        })
        .catch(() => {}),
    ),
  )
  p.describe(cluster, 'formed a cluster')
}

async function withdraw(
  p: Proposing,
  proposal: Proposal,
  request: { body: Uint8Array; certificate: Uint8Array },
  others: string[],
  peers: Map<string, FormationPeer>,
): Promise<void> {
  p.rules.release(proposal.id)
  await Promise.all(
    others.map((id) => {
      const peer = peers.get(id)
      return peer === undefined
        ? undefined
        : p.call(peer, { kind: FormKind.WITHDRAW, ...request }).catch(() => {})
    }),
  )
}
