/**
 * What each registry operation does to the state, once its signatures hold and its submitter
 * is a member: the rules of docs/protocols/cluster-registry.md, checked in the order listed
 * there, the first failing one giving the reason. Pure functions of (state, operation, height).
 */
import { equalBytes } from '../../lib/encoding.js'
import { assignedNodeId, userNodeId } from './entries.js'
import { isCanonicalNick } from './nick.js'
import type { RegistryOp } from './ops.js'
import type { Outcome } from './receipts.js'
import type { RegistryState } from './registry-state.js'

export interface ApplyContext {
  height: number
  clusterId: Uint8Array
  /** Keys whose NodeID certificates count (the XLattice server's), for 0x13; none: refused. */
  issuers: readonly Uint8Array[]
}

const ascii = new TextDecoder('latin1')

export function applyRegistryOp(state: RegistryState, op: RegistryOp, ctx: ApplyContext): Outcome {
  switch (op.kind) {
    case 'registerNick':
      return registerNick(state, op, ctx)
    case 'releaseNick':
      return releaseNick(state, op, ctx)
    case 'assignNodeId':
      return assignNodeId(state, op, ctx)
    case 'memberNodeId':
      return memberNodeId(state, op, ctx)
  }
}

/**
 * A member records the NodeID the server certified for its key (a member that joined by a
 * membership change is known until then by the NodeID the cluster would assign its key). The
 * certificate must come from a trusted issuer and be the submitter's own; the NodeID must not
 * be another member's.
 */
function memberNodeId(
  state: RegistryState,
  op: Extract<RegistryOp, { kind: 'memberNodeId' }>,
  ctx: ApplyContext,
): Outcome {
  if (!ctx.issuers.some((k) => equalBytes(k, op.issuer))) return { reason: 'bad-certificate' }
  if (!equalBytes(op.signingKey, op.submitter)) return { reason: 'bad-certificate' }
  const others = state.members().filter((m) => !equalBytes(m.publicKey, op.submitter))
  if (others.some((m) => equalBytes(m.nodeId, op.nodeId))) return { reason: 'node-id-taken' }
  const me = state.member(op.submitter)
  if (me !== undefined && !equalBytes(me.nodeId, op.nodeId)) state.putMember({ ...me, nodeId: op.nodeId })
  return { reason: null, id: op.nodeId }
}

function registerNick(
  state: RegistryState,
  op: Extract<RegistryOp, { kind: 'registerNick' }>,
  ctx: ApplyContext,
): Outcome {
  if (!isCanonicalNick(op.nick)) return { reason: 'bad-nick' }
  if (!state.knowsNode(op.home)) return { reason: 'unknown-home' }
  // The user NodeID is derived here, from the key the user signed with: no field of the
  // operation names it, so no submitter or proposer can choose it.
  const id = userNodeId(ctx.clusterId, op.signingKey)
  const user = state.user(id)
  if (op.seq !== (user?.seq ?? 0)) return { reason: 'stale-sequence' }
  const nick = ascii.decode(op.nick)
  if (state.hasNick(nick)) return { reason: 'nick-taken' }
  if (user !== undefined && user.nick !== null) return { reason: 'key-in-use' }
  state.putNick({
    nick,
    signingKey: op.signingKey,
    agreementKey: op.agreementKey,
    userNodeId: id,
    home: op.home,
    since: ctx.height,
  })
  state.putUser({
    userNodeId: id,
    signingKey: op.signingKey,
    agreementKey: op.agreementKey,
    seq: op.seq + 1,
    nick,
  })
  return { reason: null, id }
}

function releaseNick(
  state: RegistryState,
  op: Extract<RegistryOp, { kind: 'releaseNick' }>,
  ctx: ApplyContext,
): Outcome {
  if (!isCanonicalNick(op.nick)) return { reason: 'bad-nick' }
  const nick = ascii.decode(op.nick)
  const entry = state.nick(nick)
  if (entry === undefined) return { reason: 'unknown-nick' }
  if (!equalBytes(entry.signingKey, op.signingKey)) return { reason: 'not-owner' }
  const user = state.user(entry.userNodeId)
  if (user === undefined || op.seq !== user.seq) return { reason: 'stale-sequence' }
  state.deleteNick(nick)
  state.putUser({ ...user, seq: user.seq + 1, nick: null })
  return { reason: null, id: userNodeId(ctx.clusterId, op.signingKey) }
}

function assignNodeId(
  state: RegistryState,
  op: Extract<RegistryOp, { kind: 'assignNodeId' }>,
  ctx: ApplyContext,
): Outcome {
  const nodeId = assignedNodeId(ctx.clusterId, op.signingKey)
  const existing = state.node(nodeId)
  if (existing !== undefined) {
    // Idempotent: the same keys get the same NodeID again, with nothing written.
    if (!equalBytes(existing.agreementKey, op.agreementKey)) return { reason: 'node-keys-differ' }
    return { reason: null, id: nodeId }
  }
  state.putNode({ nodeId, signingKey: op.signingKey, agreementKey: op.agreementKey, since: ctx.height })
  return { reason: null, id: nodeId }
}
