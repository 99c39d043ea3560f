/**
 * The requests of a replacement as a member and a free node answer them
 * (gateway/cluster/replace-service.ts), with stub formation, replica and server: forged,
 * stale and premature requests are refused with their reasons; a valid one is signed twice
 * (the consensus change and the server's UpdateClusterMembers).
 */
import assert from 'node:assert/strict'
import { ed25519FromSeed, randomBytes, Signer, sha256, verifySignature } from '../../../../lib/crypto.js'
import { compareBytes, toHex } from '../../../../lib/encoding.js'
import { pino } from 'pino'
import { peerIdOfKey } from '../../../../gateway/consensus/driver/validator.js'
import { membershipSignBytes, TAG_MEMBERSHIP } from '../../../../gateway/consensus/driver/membership.js'
import {
  FormError,
  FormKind,
  type FormResponse,
  Replacement,
} from '../../../../gateway/cluster/cluster.pb.js'
import { ClusterFormation } from '../../../../gateway/cluster/formation-service.js'
import { ClusterReplacement, ReplaceRefused } from '../../../../gateway/cluster/replace-service.js'
import { replacedMembers } from '../../../../gateway/cluster/replacement.js'
import { genesisSet, type Replica } from '../../../../gateway/cluster/replica.js'
import { clusterUpdateBody, signClusterUpdate } from '../../../../gateway/registry/cluster-binding.js'
import {
  type ClusterBinding,
  type ClusterMember,
  UpdateClusterMembers,
} from '../../../../gateway/registry/registry.pb.js'
import { TAG_CLUSTER_UPDATE } from '../../../../gateway/registry/tags.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const signer = (name: string) => new Signer(ed25519FromSeed(sha256(utf8(`xlattice/test/replace/${name}`))))
/** Four members in key order, a free node, a stranger. */
const memberKeys = ['m0', 'm1', 'm2', 'm3'].map(signer).sort((a, b) => compareBytes(a.publicKey, b.publicKey))
const candidateKey = signer('candidate')
const stranger = signer('stranger')
const idOf = (s: Signer) => sha256(utf8('node'), s.publicKey)
const asMember = (s: Signer): ClusterMember => ({ nodeId: idOf(s), sigPublicKey: s.publicKey })
const members = memberKeys.map(asMember)
const clusterId = sha256(utf8('cluster'))
const CHAIN = sha256(utf8('chain'))
const set = genesisSet(members)
const binding: ClusterBinding = {
  clusterId,
  name: 'c-test',
  genesis: members,
  registeredAt: 0n,
  version: 0n,
  members,
  updatedAt: 0n,
  issuer: new Uint8Array(32),
}
/** Member 3 (the highest key, so never the first to coordinate) answers; member 0 is dead. */
const self = memberKeys[3]
const dead = members[0]
const HOLD = 60_000
const AFTER = 10_000

interface Setup {
  svc: ClusterReplacement
  clock: { now: number }
  held: { clusterId: Uint8Array; until: number }[]
}

function setup(o: { free?: boolean; serverVersion?: number; asCandidate?: boolean } = {}): Setup {
  const clock = { now: 1_000_000 }
  const held: Setup['held'] = []
  const me = o.asCandidate === true ? candidateKey : self
  const replica = {
    chainId: CHAIN,
    driver: {
      validators: set,
      core: { myIndex: 3 },
      status: () => ({
        validators: members.map((m) => ({
          peerId: peerIdOfKey(m.sigPublicKey),
          connected: m !== dead,
        })),
      }),
    },
    app: { members: () => [] },
  } as unknown as Replica
  const svc = new ClusterReplacement(
    {
      formation: {
        current: () =>
          o.asCandidate === true
            ? undefined
            : { signed: { binding: new Uint8Array(), signature: new Uint8Array() }, binding },
        call: async () => ({}) as FormResponse,
        isFree: () => o.free ?? true,
        holdForReplacement: (id, until) => {
          held.push({ clusterId: id, until })
        },
        adopt: async () => 'ignored' as const,
        serveReplacement: () => {},
      },
      replica: () => (o.asCandidate === true ? undefined : replica),
      nodeId: () => toHex(idOf(me)),
      signer: me,
      registry: {
        getCluster: async () => ({ version: o.serverVersion ?? 0, members }) as never,
        updateClusterMembers: async () => {
          throw new Error('not in these tests')
        },
      },
      neighbours: () => [],
      neighbourAlive: () => undefined,
      log: pino({ level: 'silent' }),
      now: () => clock.now,
    },
    { replaceAfterMs: AFTER, intervalMs: 1000, holdMs: HOLD },
  )
  return { svc, clock, held }
}

/** A replacement of `gone` by `by`, with the candidate's acceptance unless told otherwise. */
function request(
  o: {
    gone?: ClusterMember
    by?: Signer
    next?: ClusterMember[]
    previousVersion?: number
    setHash?: Uint8Array
    accepted?: boolean
    manual?: boolean
    clusterId?: Uint8Array
  } = {},
) {
  const gone = o.gone ?? dead
  const by = o.by ?? candidateKey
  const update = clusterUpdateBody({
    clusterId: o.clusterId ?? clusterId,
    previousVersion: o.previousVersion ?? 0,
    members: o.next ?? replacedMembers(members, gone.nodeId, asMember(by)),
  })
  const body = Replacement.encode({
    update,
    dead: gone.nodeId,
    currentSetHash: o.setHash ?? set.hash,
    candidateSignature: o.accepted === false ? new Uint8Array(64) : signClusterUpdate(by, update).signature,
    manual: o.manual ?? false,
  })
  return { update, body }
}

const approve = (s: Setup, body: Uint8Array, from: Signer = memberKeys[1]) =>
  s.svc.answer({ kind: FormKind.REPLACE_APPROVE, body, certificate: new Uint8Array() }, from.publicKey)
const offer = (s: Setup, body: Uint8Array, from: Signer = memberKeys[1]) =>
  s.svc.answer({ kind: FormKind.REPLACE_OFFER, body, certificate: new Uint8Array() }, from.publicKey)

function refused(res: Partial<FormResponse>, code: FormError, reason: RegExp): void {
  assert.equal(res.error, code, res.text)
  assert.match(res.text ?? '', reason)
}

/** Member 0 has been unreachable here for `forMs`. */
async function deadFor(s: Setup, forMs: number): Promise<void> {
  await s.svc.tick()
  s.clock.now += forMs
  await s.svc.tick()
}

describe('cluster replacement: answering requests', () => {
  it('[0.1.7] a member approves a valid replacement of a member dead here long enough: both signatures verify', async () => {
    const s = setup()
    await deadFor(s, AFTER)
    const { update, body } = request()
    const res = await approve(s, body)
    assert.equal(res.error, FormError.FORM_OK, res.text)
    const next = genesisSet(replacedMembers(members, dead.nodeId, asMember(candidateKey)))
    const bytes = membershipSignBytes(CHAIN, set.hash, next.hash)
    assert.ok(verifySignature(TAG_MEMBERSHIP, bytes, res.membershipSignature!, self.publicKey))
    assert.ok(verifySignature(TAG_CLUSTER_UPDATE, update, res.signature!, self.publicKey))
    // The same request again (a coordinator's retry) is approved again.
    assert.equal((await approve(s, body)).error, FormError.FORM_OK)
    const st = s.svc.status()
    assert.deepEqual(
      st.members.map((m) => [m.reachable, m.unreachableSec]),
      [
        [false, 10],
        [true, 0],
        [true, 0],
        [true, 0],
      ],
    )
  })

  it('[0.1.7] refuses forged and stale requests with their reasons', async () => {
    const s = setup()
    await deadFor(s, AFTER)
    refused(
      await approve(s, request().body, stranger),
      FormError.NOT_FROM_MEMBER,
      /did not come from a member/,
    )
    refused(
      await approve(s, request({ setHash: randomBytes(32) }).body),
      FormError.WRONG_SET,
      /another validator set/,
    )
    refused(
      await approve(s, request({ previousVersion: 1 }).body),
      FormError.WRONG_SET,
      /version 0 here, the request replaces 1/,
    )
    refused(
      await approve(s, request({ clusterId: randomBytes(32) }).body),
      FormError.NOT_A_MEMBER,
      /not a member of that cluster/,
    )
    refused(await approve(s, request({ accepted: false }).body), FormError.MALFORMED, /did not accept/)
    const twoSwapped = replacedMembers(
      replacedMembers(members, dead.nodeId, asMember(candidateKey)),
      members[1].nodeId,
      asMember(stranger),
    )
    refused(
      await approve(s, request({ next: twoSwapped }).body),
      FormError.MALFORMED,
      /exactly the dead member/,
    )
    refused(
      await approve(s, Replacement.encode({ update: randomBytes(40) })),
      FormError.FORM_BAD_REQUEST,
      /does not decode/,
    )
    const unsorted = UpdateClusterMembers.encode({
      clusterId,
      previousVersion: 0n,
      members: [...replacedMembers(members, dead.nodeId, asMember(candidateKey))].reverse(),
      timestamp: 0n,
      nonce: randomBytes(16),
    })
    refused(
      await approve(s, Replacement.encode({ update: unsorted, dead: dead.nodeId, currentSetHash: set.hash })),
      FormError.MALFORMED,
      /sorted/,
    )
  })

  it('[0.1.0] never approves replacing a member it reaches, itself, or one dead too briefly (unless an operator asked)', async () => {
    const s = setup()
    await deadFor(s, AFTER / 2)
    refused(
      await approve(s, request({ gone: members[2] }).body),
      FormError.MEMBER_ALIVE,
      /this member reaches it/,
    )
    refused(
      await approve(s, request({ gone: members[2], manual: true }).body),
      FormError.MEMBER_ALIVE,
      /reaches it/,
    )
    refused(
      await approve(s, request({ gone: asMember(self) }).body),
      FormError.MEMBER_ALIVE,
      /is the member to replace/,
    )
    refused(await approve(s, request().body), FormError.NOT_YET, /for 5 s, not yet 10 s/)
    assert.equal((await approve(s, request({ manual: true }).body)).error, FormError.FORM_OK)
  })

  it('[0.1.7] holds one next set per validator set: a second candidate is refused while the hold lasts', async () => {
    const s = setup()
    await deadFor(s, AFTER)
    assert.equal((await approve(s, request().body)).error, FormError.FORM_OK)
    refused(await approve(s, request({ by: stranger }).body), FormError.HOLDING_OTHER, /another replacement/)
    s.clock.now += HOLD + 1
    assert.equal((await approve(s, request({ by: stranger }).body)).error, FormError.FORM_OK)
  })

  it('[0.1.0] a free node accepts an offer from a member that the server confirms, and holds itself for it', async () => {
    const s = setup({ asCandidate: true })
    const { update, body } = request()
    const res = await offer(s, body)
    assert.equal(res.error, FormError.FORM_OK, res.text)
    assert.ok(verifySignature(TAG_CLUSTER_UPDATE, update, res.signature!, candidateKey.publicKey))
    assert.equal(s.held.length, 1)
    assert.deepEqual(s.held[0].clusterId, clusterId)

    refused(await offer(s, body, stranger), FormError.NOT_FROM_MEMBER, /did not come from a member/)
    refused(await offer(s, request({ by: stranger }).body), FormError.NOT_A_MEMBER, /does not name this node/)
    refused(
      await offer(setup({ asCandidate: true, serverVersion: 1 }), body),
      FormError.WRONG_SET,
      /at version 1/,
    )
    refused(
      await offer(setup({ asCandidate: true, free: false }), body),
      FormError.IN_A_CLUSTER,
      /in a cluster/,
    )
  })

  it('[0.1.0] the coordinator refuses to replace a live member, itself or a stranger, or without a free node', async () => {
    const s = setup()
    await deadFor(s, AFTER / 2)
    const attempt = (dead?: ClusterMember) =>
      s.svc.replace({ dead: dead === undefined ? undefined : toHex(dead.nodeId), manual: true })
    await assert.rejects(
      attempt(members[2]),
      (e: Error) => e instanceof ReplaceRefused && /reaches it/.test(e.message),
    )
    await assert.rejects(attempt(asMember(self)), /cannot replace itself/)
    await assert.rejects(attempt(asMember(stranger)), /is not a member/)
    // The dead member is found without being named; with no free neighbour nothing happens.
    await assert.rejects(attempt(), /no live neighbour is free/)
    assert.match(s.svc.status().last?.error ?? '', /no live neighbour is free/)
    const other = setup({ asCandidate: true })
    await assert.rejects(other.svc.replace({ manual: true }), /not a member running the cluster registry/)
  })

  it('[0.1.0] a free node that accepted stays out of other clusters, but hears its coordinator again', () => {
    const f = new ClusterFormation(
      {
        host: {} as never,
        nodeId: () => undefined,
        certificate: () => undefined,
        signer: candidateKey,
        registry: {} as never,
        neighbours: () => [],
        dataDir: '/nonexistent',
        log: pino({ level: 'silent' }),
      },
      { size: 4, intervalMs: 1000, lockMs: 1000 },
    )
    assert.equal(f.isFree(), true)
    f.holdForReplacement(clusterId, Date.now() + 10_000)
    assert.equal(f.isFree(), false)
    assert.equal(f.isFree(randomBytes(32)), false, 'another cluster')
    assert.equal(f.isFree(clusterId), true, 'the same cluster trying again')
    assert.equal(f.isFree(randomBytes(32), Date.now() + 10_001), true, 'the hold lapsed')
  })
})
