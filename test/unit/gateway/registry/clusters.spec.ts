/**
 * The server's cluster registry without a network: the three handlers over a NodeTable and a
 * ClusterTable on a MemoryStore, with the error mapping the server applies at the edge.
 */
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { ed25519Generate, randomBytes, Signer } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import { MemoryStore, type Store } from '../../../../lib/store/index.js'
import { issueCertificate } from '../../../../gateway/registry/certificate.js'
import {
  checkClusterQuorum,
  ClusterBindingError,
  clusterIdOf,
  clusterRegistrationBody,
  clusterSignatures,
  clusterUpdateBody,
  derivedClusterName,
  signClusterRegistration,
  signClusterUpdate,
  verifyClusterBinding,
  verifyClusterHistory,
} from '../../../../gateway/registry/cluster-binding.js'
import { ClusterTable } from '../../../../gateway/registry/clusters.js'
import type { HandlerComponents } from '../../../../gateway/registry/components.js'
import { RegistryError } from '../../../../gateway/registry/errors.js'
import { handlers } from '../../../../gateway/registry/handlers/index.js'
import {
  ClusterInfo,
  type ClusterMember,
  type ClusterSignature,
  ErrorCode,
  GetCluster,
  RegisterCluster,
  type Request,
  RequestType,
  type Response,
  SignedClusterRequest,
} from '../../../../gateway/registry/registry.pb.js'
import { NodeTable } from '../../../../gateway/registry/state.js'
import { TAG_CLUSTER_REGISTER } from '../../../../gateway/registry/tags.js'

const T0 = 1_700_000_000_000
const serverSigner = new Signer(ed25519Generate())

interface Node {
  signer: Signer
  member: ClusterMember
}

interface World {
  store: Store
  c: HandlerComponents
  clock: { now: number }
}

async function world(store: Store = new MemoryStore(), clock = { now: T0 }): Promise<World> {
  const c: HandlerComponents = {
    table: await NodeTable.open(store, 600_000, clock.now),
    clusters: await ClusterTable.open(store, 600_000, clock.now),
    signer: serverSigner,
    limits: { heartbeatTtlMs: 30_000, neighbourK: 8, clockSkewMs: 60_000, nonceRetentionMs: 600_000 },
    log: pino({ level: 'silent' }),
    now: () => clock.now,
  }
  return { store, c, clock }
}

/** A node the server certified (as RegisterNode would have). */
async function certified(w: World): Promise<Node> {
  const signer = new Signer(ed25519Generate())
  const nodeId = randomBytes(32)
  const comms = randomBytes(32)
  const op = w.c.table.claimNonce(randomBytes(16), w.clock.now)
  assert.ok(op)
  const certificate = issueCertificate(serverSigner, {
    nodeId,
    sigPublicKey: signer.publicKey,
    commsPublicKey: comms,
    issuedAt: w.clock.now,
  })
  const b = w.c.table.bind(
    {
      nodeId,
      sigPublicKey: signer.publicKey,
      commsPublicKey: comms,
      certificate,
      peerRecord: new Uint8Array([1]),
      peerRecordSeq: 0n,
      lastSeen: w.clock.now,
    },
    op,
  )
  await b.durable
  return { signer, member: { nodeId, sigPublicKey: signer.publicKey } }
}

async function nodes(w: World, n: number): Promise<Node[]> {
  const out: Node[] = []
  for (let i = 0; i < n; i++) out.push(await certified(w))
  return out
}

/** Dispatches like the server: a RegistryError becomes its code; anything else fails the test. */
async function send(w: World, req: Request): Promise<Response> {
  try {
    return await handlers[req.type]!(w.c, req, { remoteKey: new Uint8Array(), remotePeer: 'test' })
  } catch (err) {
    if (err instanceof RegistryError) {
      return { error: err.code, errorText: err.message, body: new Uint8Array(), signature: new Uint8Array() }
    }
    throw err
  }
}

const request = (
  type: RequestType.REGISTER_CLUSTER | RequestType.UPDATE_CLUSTER_MEMBERS,
  body: Uint8Array,
  signatures: ClusterSignature[],
): Request => ({ type, body: SignedClusterRequest.encode({ body, signatures }), signature: new Uint8Array() })

/** A registration of `members` signed by `signers` (indexed into the canonical member list). */
function registration(
  w: World,
  members: Node[],
  signers: Node[],
  fields: { name?: string; nonce?: Uint8Array; timestamp?: number } = {},
): { body: Uint8Array; req: Request } {
  const body = clusterRegistrationBody({
    members: members.map((m) => m.member),
    timestamp: w.clock.now,
    ...fields,
  })
  const sorted = RegisterCluster.decode(body).members
  const sigs = clusterSignatures(
    sorted,
    signers.map((s) => signClusterRegistration(s.signer, body)),
  )
  return { body, req: request(RequestType.REGISTER_CLUSTER, body, sigs) }
}

function update(
  w: World,
  clusterId: Uint8Array,
  previousVersion: number,
  current: ClusterMember[],
  next: Node[],
  signers: Node[],
) {
  const body = clusterUpdateBody({
    clusterId,
    previousVersion,
    members: next.map((m) => m.member),
    timestamp: w.clock.now,
  })
  const sigs = clusterSignatures(
    current,
    signers.map((s) => signClusterUpdate(s.signer, body)),
  )
  return request(RequestType.UPDATE_CLUSTER_MEMBERS, body, sigs)
}

function ok(res: Response) {
  assert.equal(res.error, ErrorCode.OK, `refused (${ErrorCode[res.error]}): ${res.errorText}`)
  const info = ClusterInfo.decode(res.body)
  return verifyClusterBinding(info.binding!, [serverSigner.publicKey])
}

function refused(res: Response, code: ErrorCode, text?: RegExp) {
  assert.equal(ErrorCode[res.error], ErrorCode[code], res.errorText)
  if (text !== undefined) assert.match(res.errorText, text)
}

const get = (
  w: World,
  q: { clusterId?: Uint8Array; name?: string; history?: boolean; fromVersion?: bigint },
) =>
  send(w, {
    type: RequestType.GET_CLUSTER,
    body: GetCluster.encode(q as GetCluster),
    signature: new Uint8Array(),
  })

describe('gateway/registry cluster registry', () => {
  it('[0.1.8] four certified nodes register a cluster with 3 of 4 signatures: ID issued, genesis keys bound, name derived', async () => {
    const w = await world()
    const four = await nodes(w, 4)
    const { body, req } = registration(w, four, four.slice(0, 3))
    const b = ok(await send(w, req))
    const reg = RegisterCluster.decode(body)
    assert.equal(toHex(b.clusterId), toHex(clusterIdOf(reg.members, reg.nonce)))
    assert.equal(b.name, derivedClusterName(b.clusterId))
    assert.match(b.name, /^c-[0-9a-f]{8}$/)
    assert.equal(b.version, 0n)
    assert.deepEqual(
      b.genesis.map((m) => toHex(m.sigPublicKey)),
      four.map((n) => toHex(n.member.sigPublicKey)).sort(),
    )
    assert.deepEqual(b.members, b.genesis)
    assert.equal(b.registeredAt, BigInt(T0))
    assert.equal(w.c.clusters.size, 1)
    for (const n of four) assert.equal(w.c.clusters.clusterOf(n.member.nodeId)?.name, b.name)
    // n = 1 is allowed for development: its one member is more than 2/3.
    const [solo] = await nodes(w, 1)
    assert.equal(ok(await send(w, registration(w, [solo], [solo], { name: 'dev' }).req)).name, 'dev')
  })

  it('[0.1.8] quorum is more than 2/3 of the members by count', async () => {
    const w = await world()
    const all = await nodes(w, 7)
    const body = new Uint8Array([1, 2, 3])
    const sigs = (k: number) =>
      all.slice(0, k).map((n, index) => ({ index, signature: n.signer.sign(TAG_CLUSTER_REGISTER, body) }))
    for (const [n, need] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
      [5, 4],
      [6, 5],
      [7, 5],
    ]) {
      const members = all.slice(0, n).map((x) => x.member)
      assert.doesNotThrow(
        () => checkClusterQuorum(TAG_CLUSTER_REGISTER, body, sigs(need), members),
        `${need}/${n}`,
      )
      assert.throws(
        () => checkClusterQuorum(TAG_CLUSTER_REGISTER, body, sigs(need - 1), members),
        (e: RegistryError) => e.code === ErrorCode.INSUFFICIENT_SIGNATURES,
      )
    }
  })

  it('[0.1.8] forged registrations are refused with a code and a reason, and burn no nonce', async () => {
    const w = await world()
    const four = await nodes(w, 4)
    const [outsider] = await nodes(w, 1)
    const nonce = randomBytes(16)
    // Two of four: a sub-quorum.
    refused(
      await send(w, registration(w, four, four.slice(0, 2), { nonce }).req),
      ErrorCode.INSUFFICIENT_SIGNATURES,
      /2 of 4/,
    )
    // A non-member's signature put in the place of a member who did not sign.
    const { body, req } = registration(w, four, four.slice(0, 2), { nonce })
    const members = RegisterCluster.decode(body).members
    const signed = SignedClusterRequest.decode(req.body)
    const missing = [0, 1, 2, 3].find((i) => !signed.signatures.some((s) => s.index === i))!
    const forged = [
      ...signed.signatures,
      { index: missing, signature: outsider.signer.sign(TAG_CLUSTER_REGISTER, body) },
    ]
    refused(
      await send(w, request(RequestType.REGISTER_CLUSTER, body, forged)),
      ErrorCode.BAD_SIGNATURE,
      /member \d/,
    )
    // A signature whose index is outside the member list.
    const beyond = [
      ...signed.signatures,
      { index: 4, signature: outsider.signer.sign(TAG_CLUSTER_REGISTER, body) },
    ]
    refused(await send(w, request(RequestType.REGISTER_CLUSTER, body, beyond)), ErrorCode.NOT_A_MEMBER)
    // One member counted three times.
    const dup = [0, 0, 0].map((index) => ({ index, signature: signed.signatures[0].signature }))
    refused(await send(w, request(RequestType.REGISTER_CLUSTER, body, dup)), ErrorCode.BAD_REQUEST, /twice/)
    // A signature under another domain (the update tag) does not count as a registration.
    const otherTag = four.slice(0, 3).map((n) => ({
      index: members.findIndex((m) => toHex(m.sigPublicKey) === toHex(n.member.sigPublicKey)),
      signature: signClusterUpdate(n.signer, body).signature,
    }))
    refused(await send(w, request(RequestType.REGISTER_CLUSTER, body, otherTag)), ErrorCode.BAD_SIGNATURE)
    // A member the server never certified.
    const strangerSigner = new Signer(ed25519Generate())
    const stranger = {
      signer: strangerSigner,
      member: { nodeId: randomBytes(32), sigPublicKey: strangerSigner.publicKey },
    }
    const withStranger = [...four.slice(0, 3), stranger]
    refused(
      await send(w, registration(w, withStranger, withStranger).req),
      ErrorCode.NOT_REGISTERED,
      /no NodeID certificate/,
    )
    // A certified NodeID with someone else's key.
    const impostor = {
      signer: outsider.signer,
      member: { nodeId: four[3].member.nodeId, sigPublicKey: outsider.signer.publicKey },
    }
    const withImpostor = [...four.slice(0, 3), impostor]
    refused(await send(w, registration(w, withImpostor, withImpostor).req), ErrorCode.KEY_MISMATCH)
    // Stale, badly named, reserved name, unsorted, oversize.
    refused(
      await send(w, registration(w, four, four, { timestamp: T0 - 61_000 }).req),
      ErrorCode.STALE_TIMESTAMP,
    )
    refused(
      await send(w, registration(w, four, four, { name: 'Bad_Name' }).req),
      ErrorCode.BAD_REQUEST,
      /a-z0-9/,
    )
    refused(await send(w, registration(w, four, four, { name: 'x'.repeat(33) }).req), ErrorCode.BAD_REQUEST)
    refused(
      await send(w, registration(w, four, four, { name: 'c-0123abcd' }).req),
      ErrorCode.BAD_REQUEST,
      /reserved/,
    )
    const unsorted = RegisterCluster.encode({
      ...RegisterCluster.decode(body),
      members: [...members].reverse(),
    })
    refused(
      await send(w, request(RequestType.REGISTER_CLUSTER, unsorted, [])),
      ErrorCode.BAD_REQUEST,
      /sorted/,
    )
    const huge = RegisterCluster.encode({
      ...RegisterCluster.decode(body),
      members: Array.from({ length: 65 }, () => ({ nodeId: randomBytes(32), sigPublicKey: randomBytes(32) })),
    })
    refused(
      await send(w, request(RequestType.REGISTER_CLUSTER, huge, [])),
      ErrorCode.BAD_REQUEST,
      /64 members/,
    )
    // None of that burnt the nonce: the honest request with it still passes.
    ok(await send(w, registration(w, four, four.slice(1), { nonce }).req))
    assert.equal(w.c.clusters.size, 1)
  })

  it('[0.1.7] a node belongs to one cluster, names are unique, nonces are used once', async () => {
    const w = await world()
    const eight = await nodes(w, 8)
    const nonce = randomBytes(16)
    const a = ok(
      await send(w, registration(w, eight.slice(0, 4), eight.slice(0, 4), { name: 'alpha', nonce }).req),
    )
    assert.equal(a.name, 'alpha')
    const overlap = [eight[3], ...eight.slice(4, 7)]
    refused(
      await send(w, registration(w, overlap, overlap).req),
      ErrorCode.CONFLICT,
      /already belongs to cluster alpha/,
    )
    const fresh = eight.slice(4, 8)
    refused(await send(w, registration(w, fresh, fresh, { name: 'alpha' }).req), ErrorCode.CONFLICT, /taken/)
    refused(await send(w, registration(w, fresh, fresh, { nonce }).req), ErrorCode.REPLAYED_NONCE)
    // The exact request again: its members are taken.
    refused(
      await send(w, registration(w, eight.slice(0, 4), eight.slice(0, 4), { name: 'alpha', nonce }).req),
      ErrorCode.CONFLICT,
    )
    ok(await send(w, registration(w, fresh, fresh, { name: 'beta' }).req))
    assert.equal(w.c.clusters.size, 2)
  })

  it('[0.1.8] a derived name that is taken grows by two hex digits', async () => {
    const w = await world()
    const four = await nodes(w, 4)
    const nonce = randomBytes(16)
    const id = clusterIdOf(
      four.map((n) => n.member),
      nonce,
    )
    // Squat the 8-digit derived name (only possible by an ID prefix collision in practice).
    const [squatter] = await nodes(w, 1)
    const squat = w.c.clusters.claimNonce(randomBytes(16), T0)
    assert.ok(squat)
    const fields = {
      clusterId: randomBytes(32),
      name: derivedClusterName(id),
      genesis: [squatter.member],
      registeredAt: T0,
    }
    w.c.clusters.register(
      fields,
      {
        version: 0,
        members: [squatter.member],
        updatedAt: T0,
        signed: { binding: new Uint8Array(), signature: new Uint8Array() },
        request: { body: new Uint8Array(), signatures: [] },
      },
      squat,
    )
    const b = ok(await send(w, registration(w, four, four, { nonce }).req))
    assert.equal(b.name, derivedClusterName(id, 10))
  })

  it('[0.1.7] membership changes need more than 2/3 of the current members and the current version; history is kept', async () => {
    const w = await world()
    const [a, b, c, d, e, f, g, h] = await nodes(w, 8)
    const genesis = ok(await send(w, registration(w, [a, b, c, d], [a, b, c], { name: 'gamma' }).req))
    const id = genesis.clusterId
    // Replace d by e, approved by a, b, c.
    w.clock.now += 1000
    const v1 = ok(await send(w, update(w, id, 0, genesis.members, [a, b, c, e], [a, b, c])))
    assert.equal(v1.version, 1n)
    assert.equal(v1.updatedAt, BigInt(T0 + 1000))
    assert.deepEqual(v1.genesis, genesis.genesis, 'genesis keys stay')
    assert.equal(w.c.clusters.clusterOf(e.member.nodeId)?.name, 'gamma')
    assert.equal(w.c.clusters.clusterOf(d.member.nodeId), undefined, 'd left and is free again')
    // A take-over signed only by the would-be members: none of them is a current member.
    refused(
      await send(w, update(w, id, 1, v1.members, [e, f, g, h], [f, g, h])),
      ErrorCode.INSUFFICIENT_SIGNATURES,
    )
    // The same with the new members' signatures slotted in at current members' indices.
    const body = clusterUpdateBody({
      clusterId: id,
      previousVersion: 1,
      members: [f, g, h].map((n) => n.member),
      timestamp: w.clock.now,
    })
    const slotted = [f, g, h].map((n, index) => ({
      index,
      signature: signClusterUpdate(n.signer, body).signature,
    }))
    refused(
      await send(w, request(RequestType.UPDATE_CLUSTER_MEMBERS, body, slotted)),
      ErrorCode.BAD_SIGNATURE,
    )
    // The old members after they were replaced: d no longer counts.
    refused(await send(w, update(w, id, 1, v1.members, [a, b, c], [b, d])), ErrorCode.INSUFFICIENT_SIGNATURES)
    refused(
      await send(w, update(w, id, 0, v1.members, [a, b, c], [a, b, c])),
      ErrorCode.WRONG_VERSION,
      /version 1/,
    )
    refused(
      await send(w, update(w, randomBytes(32), 1, v1.members, [a, b, c], [a, b, c])),
      ErrorCode.NOT_FOUND,
    )
    refused(
      await send(w, update(w, id, 1, v1.members, [a, b, c, e], [a, b, c])),
      ErrorCode.BAD_REQUEST,
      /equals/,
    )
    const other = ok(await send(w, registration(w, [f, g], [f, g]).req))
    refused(
      await send(w, update(w, id, 1, v1.members, [a, b, c, f], [a, b, c])),
      ErrorCode.CONFLICT,
      new RegExp(other.name),
    )
    // Shrinking to a, b, c, approved by a, b, e of the current four a, b, c, e.
    const v2 = ok(await send(w, update(w, id, 1, v1.members, [a, b, c], [a, b, e])))
    assert.equal(v2.version, 2n)

    // GET by ID and by name; the history verifies from the genesis keys.
    const byName = ClusterInfo.decode((await get(w, { name: 'gamma', history: true })).body)
    const byId = ClusterInfo.decode((await get(w, { clusterId: id })).body)
    assert.equal(toHex(byName.binding!.binding), toHex(byId.binding!.binding))
    assert.equal(byId.history.length, 0)
    assert.equal(byName.history.length, 3)
    assert.equal(byName.more, false)
    assert.equal(verifyClusterHistory(byName.history, [serverSigner.publicKey]).version, 2n)
    const page = await w.c.clusters.history(w.c.clusters.byId(id)!, 0, 1)
    assert.deepEqual([page.versions.length, page.more], [1, true], 'history is cut to the size budget')
    // Altered history: version 1's request claimed for a different member list.
    const tampered = structuredClone(byName.history)
    tampered[1].request!.signatures = tampered[1].request!.signatures.slice(0, 2)
    assert.throws(() => verifyClusterHistory(tampered, [serverSigner.publicKey]), ClusterBindingError)
    const swapped = [byName.history[0], byName.history[2]]
    assert.throws(() => verifyClusterHistory(swapped, [serverSigner.publicKey]), ClusterBindingError)
    // From a later version; an unknown cluster; neither or both keys.
    assert.equal(
      ClusterInfo.decode((await get(w, { name: 'gamma', history: true, fromVersion: 2n })).body).history
        .length,
      1,
    )
    refused(await get(w, { name: 'nope' }), ErrorCode.NOT_FOUND)
    refused(await get(w, { clusterId: randomBytes(32) }), ErrorCode.NOT_FOUND)
    refused(await get(w, {}), ErrorCode.BAD_REQUEST)
    refused(await get(w, { name: 'gamma', clusterId: id }), ErrorCode.BAD_REQUEST)
  })

  it('[0.1.7] clusters, versions, history and nonces survive a reopen of the store', async () => {
    const store = new MemoryStore()
    const w = await world(store)
    const [a, b, c, d, e] = await nodes(w, 5)
    const nonce = randomBytes(16)
    const g = ok(await send(w, registration(w, [a, b, c, d], [a, b, c], { name: 'delta', nonce }).req))
    ok(await send(w, update(w, g.clusterId, 0, g.members, [a, b, c, e], [b, c, d])))

    const w2 = await world(store, { now: T0 + 1000 })
    assert.equal(w2.c.clusters.size, 1)
    const cl = w2.c.clusters.byName('delta')!
    assert.equal(cl.version, 1)
    assert.equal(toHex(w2.c.clusters.byId(g.clusterId)!.clusterId), toHex(g.clusterId))
    assert.equal(w2.c.clusters.clusterOf(e.member.nodeId), cl)
    assert.equal(w2.c.clusters.clusterOf(d.member.nodeId), undefined)
    const info = ClusterInfo.decode((await get(w2, { clusterId: g.clusterId, history: true })).body)
    assert.equal(verifyClusterHistory(info.history, [serverSigner.publicKey]).version, 1n)
    assert.equal(w2.c.clusters.claimNonce(nonce, T0 + 1000), false, 'nonce remembered')
    // And it keeps working: version 2 on top of the reloaded state.
    const v2 = ok(await send(w2, update(w2, g.clusterId, 1, cl.members, [a, b, c, d], [a, b, c])))
    assert.equal(v2.version, 2n)
  })

  it('[0.1.8] 3,000 junk and mutated cluster requests are refused with codes, never thrown', async () => {
    const w = await world()
    const four = await nodes(w, 4)
    const { req } = registration(w, four, four)
    const rnd = (n: number) => Math.floor(Math.random() * n)
    const types = [RequestType.REGISTER_CLUSTER, RequestType.UPDATE_CLUSTER_MEMBERS, RequestType.GET_CLUSTER]
    const counts = new Map<string, number>()
    for (let i = 0; i < 3000; i++) {
      let body: Uint8Array
      if (i % 3 === 0) body = randomBytes(rnd(400))
      else {
        body = Uint8Array.from(req.body)
        for (let k = 0; k < 1 + rnd(6); k++) body[rnd(body.length)] ^= 1 << rnd(8)
      }
      const res = await send(w, { type: types[rnd(3)], body, signature: new Uint8Array() })
      counts.set(ErrorCode[res.error], (counts.get(ErrorCode[res.error]) ?? 0) + 1)
      assert.notEqual(res.error, ErrorCode.INTERNAL)
    }
    assert.ok((counts.get('BAD_REQUEST') ?? 0) > 100, JSON.stringify([...counts]))
    assert.equal(w.c.clusters.size <= 1, true)
  })
})
