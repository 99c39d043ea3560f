/**
 * A member that joined by replacing a dead one records its server-certified NodeID (op 0x13,
 * gateway/cluster/ops.ts memberNodeIdOp): the membership change names keys only, so until then
 * the registry knows the new member by the NodeID the cluster would assign its key. A replica
 * that replays the chain from genesis reaches the same state root.
 */
import assert from 'node:assert/strict'
import { ed25519Generate, randomBytes, Signer } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import { MemoryStore } from '../../../../lib/store/index.js'
import { approveMembership, encodeMembershipOp } from '../../../../gateway/consensus/driver/index.js'
import { assignedNodeId } from '../../../../gateway/cluster/entries.js'
import { decodeRegistryOp, memberNodeIdOp, OP_MEMBER_NODE_ID } from '../../../../gateway/cluster/ops.js'
import { RegistryApp } from '../../../../gateway/cluster/registry-app.js'
import { REJECT_REASONS } from '../../../../gateway/cluster/receipts.js'
import { issueCertificate } from '../../../../gateway/registry/certificate.js'
import type { CommitRecord } from '../../../../gateway/consensus/index.js'
import { setOf } from '../consensus/fixtures.js'
import {
  CHAIN,
  commit,
  genesis,
  keys,
  members,
  opHash,
  outsider,
  register,
  user,
} from './registry-fixtures.js'

const server = new Signer(ed25519Generate())
const certFor = (key: Signer, nodeId = randomBytes(32), issuer = server) =>
  issueCertificate(issuer, {
    nodeId,
    sigPublicKey: key.publicKey,
    commsPublicKey: randomBytes(32),
    issuedAt: 1_700_000_000_000,
  })

/** Members 0..2 replace member 3 by the outsider. */
const next = setOf([members[0], members[1], members[2], outsider])
const nextSigners = next.validators.map((v) => keys.find((k) => toHex(k.publicKey) === toHex(v.publicKey))!)
const change = encodeMembershipOp(
  genesis,
  next,
  members.slice(0, 3).map((k) => approveMembership(k, CHAIN, genesis, next)),
)

function newApp(store = new MemoryStore()) {
  return {
    store,
    app: new RegistryApp(store, { chainId: CHAIN, genesis, certificateIssuers: [server.publicKey] }),
  }
}

describe('cluster registry: a replacement member records its certified NodeID (0x13)', () => {
  it('[0.1.7] after the change the newcomer is known by the derived NodeID, then by its certified one; users can name it as home', async () => {
    const { app, store } = newApp()
    const blocks: CommitRecord[] = []
    blocks.push(await commit(app, store, [change], { nextSet: next }))
    const derived = assignedNodeId(CHAIN, outsider.publicKey)
    assert.deepEqual(app.nodeIdFor(outsider.publicKey), derived)

    const certified = randomBytes(32)
    const op = memberNodeIdOp({ chainId: CHAIN, member: outsider, certificate: certFor(outsider, certified) })
    assert.equal(op[0], OP_MEMBER_NODE_ID)
    const decoded = decodeRegistryOp(op)
    assert.equal(decoded?.kind, 'memberNodeId')
    assert.equal(app.checkOperation(op), true)
    const early = register(app, user('early'), 'early', { member: outsider, home: certified })
    blocks.push(await commit(app, store, [early, op], { set: next, signers: nextSigners }))
    assert.equal(app.receipt(opHash(early))!.reason, 'unknown-home', 'before the 0x13 in block order')
    const receipt = app.receipt(opHash(op))!
    assert.equal(receipt.accepted, true)
    assert.deepEqual(receipt.id, certified)
    assert.deepEqual(app.nodeIdFor(outsider.publicKey), certified)

    const later = register(app, user('later'), 'later', { member: outsider, home: certified })
    blocks.push(await commit(app, store, [later], { set: next, signers: nextSigners }))
    assert.equal(app.receipt(opHash(later))!.accepted, true)

    // A replica that joins later replays every block from genesis and holds the same state.
    const fresh = newApp()
    for (const b of blocks) await fresh.store.batch(fresh.app.apply(b))
    assert.equal(toHex(fresh.app.root), toHex(app.root))
    assert.deepEqual(fresh.app.nodeIdFor(outsider.publicKey), certified)
    // And after a restart, from the store.
    const reopened = new RegistryApp(store, {
      chainId: CHAIN,
      genesis,
      certificateIssuers: [server.publicKey],
    })
    await reopened.load()
    assert.equal(toHex(reopened.root), toHex(app.root))
  })

  it('[0.1.7] refuses certificates of another issuer, of another key, forged, or naming a member NodeID; and non-members', async () => {
    const { app, store } = newApp()
    await commit(app, store, [change], { nextSet: next })
    const stranger = new Signer(ed25519Generate())
    const untrusted = memberNodeIdOp({
      chainId: CHAIN,
      member: outsider,
      certificate: certFor(outsider, randomBytes(32), stranger),
    })
    const othersCert = memberNodeIdOp({ chainId: CHAIN, member: outsider, certificate: certFor(members[0]) })
    const good = certFor(outsider)
    const forged = memberNodeIdOp({
      chainId: CHAIN,
      member: outsider,
      certificate: { certificate: good.certificate, signature: randomBytes(64) },
    })
    const taken = memberNodeIdOp({
      chainId: CHAIN,
      member: outsider,
      certificate: certFor(outsider, app.nodeIdFor(members[1].publicKey)!),
    })
    const gone = memberNodeIdOp({ chainId: CHAIN, member: members[3], certificate: certFor(members[3]) })
    assert.equal(app.checkOperation(forged), false, 'refused at admission')
    assert.equal(app.checkOperation(gone), false, 'not a member any more')
    await commit(app, store, [untrusted, othersCert, forged, taken, gone], {
      set: next,
      signers: nextSigners,
    })
    const reasons = [untrusted, othersCert, forged, taken, gone].map((op) => app.receipt(opHash(op))!.reason)
    assert.deepEqual(reasons, [
      'bad-certificate',
      'bad-certificate',
      'bad-certificate',
      'node-id-taken',
      'not-a-member',
    ])
    assert.deepEqual(
      app.nodeIdFor(outsider.publicKey),
      assignedNodeId(CHAIN, outsider.publicKey),
      'unchanged',
    )
    // Receipt codes of the older reasons keep their numbers.
    assert.deepEqual(REJECT_REASONS.slice(-3), ['bad-approvals', 'bad-certificate', 'node-id-taken'])
    // Without a configured issuer every 0x13 is refused.
    const s2 = new MemoryStore()
    const plain = new RegistryApp(s2, { chainId: CHAIN, genesis })
    await commit(plain, s2, [change], { nextSet: next })
    const mine = memberNodeIdOp({ chainId: CHAIN, member: outsider, certificate: good })
    await commit(plain, s2, [mine], { set: next, signers: nextSigners })
    assert.equal(plain.receipt(opHash(mine))!.reason, 'bad-certificate')
  })

  it('[0.1.7] malformed 0x13 bodies do not decode', () => {
    const op = memberNodeIdOp({ chainId: CHAIN, member: outsider, certificate: certFor(outsider) })
    assert.equal(decodeRegistryOp(op.subarray(0, op.length - 1)), null)
    const junk = Uint8Array.from(op)
    junk[42] = 0xff // certificate length beyond the bound
    assert.equal(decodeRegistryOp(junk), null)
    const shortKeys = memberNodeIdOp({
      chainId: CHAIN,
      member: outsider,
      certificate: issueCertificate(server, {
        nodeId: randomBytes(31),
        sigPublicKey: outsider.publicKey,
        commsPublicKey: randomBytes(32),
        issuedAt: 0,
      }),
    })
    assert.equal(decodeRegistryOp(shortKeys), null, 'a 31-byte NodeID')
  })
})
