/**
 * The cluster registry of a real `xlattice registry` process (seed rows 0.1.7, 0.1.8): nodes
 * registered through RegistryClient found clusters with quorum-signed requests, change their
 * membership, look clusters up, and the server keeps it all across a kill and restart.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { ed25519Generate, randomBytes, Signer, x25519Generate } from '../../lib/crypto.js'
import { toHex } from '../../lib/encoding.js'
import { createHost, type Host } from '../../gateway/p2p/host.js'
import { RpcStream } from '../../gateway/p2p/rpc.js'
import {
  type ClusterApproval,
  clusterIdOf,
  clusterRegistrationBody,
  clusterUpdateBody,
  derivedClusterName,
  RegistryClient,
  RegistryRefusal,
  REGISTRY_PROTOCOL,
  sealPeerRecord,
  signClusterRegistration,
  signClusterUpdate,
  TAG_CLUSTER_REGISTER,
  verifyClusterBinding,
  verifyClusterHistory,
  wire,
} from '../../gateway/registry/index.js'
import { procUsage } from '../helpers/p2p.js'
import { startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const { ErrorCode, Request, RequestType, Response, RegisterCluster, UpdateClusterMembers } = wire
type Member = wire.ClusterMember

/** Keys from 32 random bytes: @libp2p/crypto's generateKeyPair would call generateKeyPairSync. */
async function libp2pKey() {
  return generateKeyPairFromSeed('Ed25519', ed25519Generate().seed)
}

async function clientHost(): Promise<Host> {
  return createHost({ privateKey: await libp2pKey(), listen: ['/ip4/127.0.0.1/tcp/0'], dht: false })
}

interface TestNode {
  signer: Signer
  member: Member
}

/** A node registered at the server through the ordinary client: it holds a NodeID certificate. */
async function registeredNode(client: RegistryClient): Promise<TestNode> {
  const privateKey = await libp2pKey()
  const signer = new Signer({ seed: privateKey.raw.subarray(0, 32), publicKey: privateKey.publicKey.raw })
  const record = await sealPeerRecord(privateKey, ['/ip4/127.0.0.1/tcp/1'])
  const reg = await client.register({ signer, commsPublicKey: x25519Generate().publicKey }, record)
  return { signer, member: { nodeId: reg.cert.nodeId, sigPublicKey: signer.publicKey } }
}

const members = (nodes: TestNode[]) => nodes.map((n) => n.member)
const approveRegistration = (body: Uint8Array, by: TestNode[]): ClusterApproval[] =>
  by.map((n) => signClusterRegistration(n.signer, body))
const approveUpdate = (body: Uint8Array, by: TestNode[]): ClusterApproval[] =>
  by.map((n) => signClusterUpdate(n.signer, body))

async function refusedWith(p: Promise<unknown>, code: wire.ErrorCode, text?: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.ok(err instanceof RegistryRefusal, `expected a refusal, got ${err.message}`)
    assert.equal(ErrorCode[err.code], ErrorCode[code], err.message)
    if (text !== undefined) assert.match(err.message, text)
    return true
  })
}

describe('cluster registry at the XLattice server, as a process', function () {
  this.timeout(180_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let host: Host
  let registry: Awaited<ReturnType<typeof startRegistry>>
  let client: RegistryClient
  let nodes: TestNode[]
  let clusterId: Uint8Array
  let clusterName: string

  before(async () => {
    tmp = await tempDir('xl-clusters-')
    host = await clientHost()
    registry = await startRegistry(join(tmp.path, 'registry'))
    client = new RegistryClient(host, registry.info.listen[0])
    nodes = []
    for (let i = 0; i < 10; i++) nodes.push(await registeredNode(client))
  })
  after(async () => {
    await client?.close()
    await host?.stop()
    await stopAll()
    await tmp.remove()
  })

  it('[0.1.8] four registered nodes register a cluster with 3 of 4 signatures: the server issues the ID and binds name and genesis keys', async () => {
    const four = nodes.slice(0, 4)
    const nonce = randomBytes(16)
    const body = clusterRegistrationBody({ members: members(four), nonce })
    const cluster = await client.registerCluster(body, approveRegistration(body, four.slice(0, 3)))
    clusterId = cluster.clusterId
    clusterName = cluster.name
    assert.equal(
      toHex(clusterId),
      toHex(clusterIdOf(members(four), nonce)),
      'the founders could compute the ID',
    )
    assert.equal(clusterName, derivedClusterName(clusterId), 'no name asked for: derived from the ID')
    assert.match(clusterName, /^c-[0-9a-f]{8}$/)
    assert.equal(cluster.version, 0)
    assert.deepEqual(
      cluster.genesis.map((m) => toHex(m.sigPublicKey)),
      four.map((n) => toHex(n.signer.publicKey)).sort(),
    )
    // The binding is portable: anyone holding the server's key verifies it.
    const b = verifyClusterBinding(cluster.signed, [client.registryKey])
    assert.equal(toHex(b.clusterId), toHex(clusterId))
    // The server's status and metrics count it.
    assert.equal((await status(registry.info.admin)).clusters, 1)
    const metrics = await (await fetch(`http://${registry.info.admin}/metrics`)).text()
    assert.match(metrics, /^xlattice_registry_clusters 1$/m)
  })

  it('[0.1.8] forged registrations are refused: 2 of 4 signatures, a non-member signature, an uncertified NodeID', async () => {
    const four = nodes.slice(4, 8)
    const body = clusterRegistrationBody({ members: members(four), name: 'forged' })
    await refusedWith(
      client.registerCluster(body, approveRegistration(body, four.slice(0, 2))),
      ErrorCode.INSUFFICIENT_SIGNATURES,
      /signed by 2 of 4 members/,
    )
    // The client cannot index a non-member's approval, so it leaves it out: still 2 of 4.
    const outsider = nodes[9]
    await refusedWith(
      client.registerCluster(body, approveRegistration(body, [...four.slice(0, 2), outsider])),
      ErrorCode.INSUFFICIENT_SIGNATURES,
    )
    // On the wire, the non-member's signature in the place of a member's, or past the list.
    const sorted = RegisterCluster.decode(body).members
    const idx = (n: TestNode) => sorted.findIndex((m) => toHex(m.sigPublicKey) === toHex(n.signer.publicKey))
    const honest = four
      .slice(0, 2)
      .map((n) => ({ index: idx(n), signature: n.signer.sign(TAG_CLUSTER_REGISTER, body) }))
    const missing = [0, 1, 2, 3].find((i) => !honest.some((s) => s.index === i))!
    const outsiderSig = outsider.signer.sign(TAG_CLUSTER_REGISTER, body)
    const raw = await rpc()
    let res = await callRaw(raw, RequestType.REGISTER_CLUSTER, body, [
      ...honest,
      { index: missing, signature: outsiderSig },
    ])
    assert.equal(ErrorCode[res.error], 'BAD_SIGNATURE', res.errorText)
    assert.match(res.errorText, /does not verify with that member's key/)
    res = await callRaw(raw, RequestType.REGISTER_CLUSTER, body, [
      ...honest,
      { index: 4, signature: outsiderSig },
    ])
    assert.equal(ErrorCode[res.error], 'NOT_A_MEMBER', res.errorText)
    await raw.close()
    // A NodeID this server never certified, with a fresh key, signed by everyone listed.
    const strangerSigner = new Signer(ed25519Generate())
    const stranger = {
      signer: strangerSigner,
      member: { nodeId: randomBytes(32), sigPublicKey: strangerSigner.publicKey },
    }
    const withStranger = [...four.slice(0, 3), stranger]
    const b2 = clusterRegistrationBody({ members: members(withStranger) })
    await refusedWith(
      client.registerCluster(b2, approveRegistration(b2, withStranger)),
      ErrorCode.NOT_REGISTERED,
      /has no NodeID certificate from this server/,
    )
    // A certified NodeID presented with another key.
    const impostor = {
      signer: outsider.signer,
      member: { nodeId: four[3].member.nodeId, sigPublicKey: outsider.signer.publicKey },
    }
    const withImpostor = [...four.slice(0, 3), impostor]
    const b3 = clusterRegistrationBody({ members: members(withImpostor) })
    await refusedWith(
      client.registerCluster(b3, approveRegistration(b3, withImpostor)),
      ErrorCode.KEY_MISMATCH,
    )
    assert.equal((await status(registry.info.admin)).clusters, 1, 'nothing was registered')
  })

  it('[0.1.8] a node belongs to one cluster and names are unique', async () => {
    // nodes[3] is in the first cluster already.
    const overlap = [nodes[3], ...nodes.slice(4, 7)]
    const b1 = clusterRegistrationBody({ members: members(overlap) })
    await refusedWith(
      client.registerCluster(b1, approveRegistration(b1, overlap)),
      ErrorCode.CONFLICT,
      new RegExp(`already belongs to cluster ${clusterName}`),
    )
    const four = nodes.slice(4, 8)
    const taken = clusterRegistrationBody({ members: members(four), name: clusterName.replace(/^c-/, 'x-') })
    const named = await client.registerCluster(taken, approveRegistration(taken, four))
    assert.equal(named.name, clusterName.replace(/^c-/, 'x-'), 'an explicit name is kept')
    const again = [nodes[8]]
    const b2 = clusterRegistrationBody({ members: members(again), name: named.name })
    await refusedWith(
      client.registerCluster(b2, approveRegistration(b2, again)),
      ErrorCode.CONFLICT,
      /is taken/,
    )
    const b3 = clusterRegistrationBody({ members: members(again), name: 'Not Valid' })
    await refusedWith(
      client.registerCluster(b3, approveRegistration(b3, again)),
      ErrorCode.BAD_REQUEST,
      /a-z0-9/,
    )
  })

  it('[0.1.7] GET by ID and by name returns the signed binding with the genesis keys; unknown is NOT_FOUND', async () => {
    const byId = await client.getCluster({ clusterId })
    const byName = await client.getCluster({ name: clusterName })
    assert.equal(toHex(byId.signed.binding), toHex(byName.signed.binding))
    assert.equal(byId.genesis.length, 4)
    // Another peer, which is no member, may look clusters up too.
    const other = await clientHost()
    const stranger = new RegistryClient(other, registry.info.listen[0])
    assert.equal((await stranger.getCluster({ name: clusterName })).version, 0)
    await refusedWith(stranger.getCluster({ name: 'no-such-cluster' }), ErrorCode.NOT_FOUND)
    await refusedWith(stranger.getCluster({ clusterId: randomBytes(32) }), ErrorCode.NOT_FOUND)
    await stranger.close()
    await other.stop()
  })

  it('[0.1.7] a membership change signed by more than 2/3 of the current members is recorded as version 1; new-member-only and wrong-version changes are refused', async () => {
    const [a, b, c, d] = nodes.slice(0, 4)
    const e = nodes[8]
    const current = (await client.getCluster({ clusterId })).members
    // Replace d by e, approved by a, b and d.
    const body = clusterUpdateBody({ clusterId, previousVersion: 0, members: members([a, b, c, e]) })
    const v1 = await client.updateClusterMembers(body, approveUpdate(body, [a, b, d]), current)
    assert.equal(v1.version, 1)
    const seen = await client.getCluster({ name: clusterName })
    assert.equal(seen.version, 1)
    assert.deepEqual(
      seen.members.map((m) => toHex(m.nodeId)).sort(),
      [a, b, c, e].map((n) => toHex(n.member.nodeId)).sort(),
    )
    assert.equal(seen.genesis.length, 4)
    assert.ok(
      seen.genesis.some((m) => toHex(m.nodeId) === toHex(d.member.nodeId)),
      'genesis keys kept',
    )
    // Signed only by new members (none of them in the current set), with indices forged or not.
    const [f, g, h] = [nodes[9], nodes[4], nodes[5]]
    const takeover = clusterUpdateBody({ clusterId, previousVersion: 1, members: members([f, g, h]) })
    await refusedWith(
      client.updateClusterMembers(takeover, approveUpdate(takeover, [f, g, h])),
      ErrorCode.INSUFFICIENT_SIGNATURES,
    )
    const raw = await rpc()
    const forged = [f, g, h].map((n, index) => ({
      index,
      signature: signClusterUpdate(n.signer, takeover).signature,
    }))
    const res = await callRaw(raw, RequestType.UPDATE_CLUSTER_MEMBERS, takeover, forged)
    assert.equal(ErrorCode[res.error], 'BAD_SIGNATURE', res.errorText)
    await raw.close()
    // Approved by a quorum, but built on version 0.
    const stale = clusterUpdateBody({ clusterId, previousVersion: 0, members: members([a, b, c]) })
    await refusedWith(
      client.updateClusterMembers(stale, approveUpdate(stale, [a, b, c])),
      ErrorCode.WRONG_VERSION,
      /at version 1/,
    )
    // d left: it may now found another cluster; the history verifies from the genesis keys.
    const solo = clusterRegistrationBody({ members: [d.member], name: 'solo' })
    assert.equal((await client.registerCluster(solo, approveRegistration(solo, [d]))).name, 'solo')
    const full = await client.getCluster({ clusterId }, { history: true })
    assert.equal(full.history.length, 2)
    assert.equal(verifyClusterHistory(full.history, [client.registryKey]).version, 1n)
  })

  it('[0.1.7] the registry keeps clusters, versions and history across a kill and restart on the same data directory', async () => {
    const listen = registry.info.listen[0].split('/p2p/')[0]
    await client.close()
    await registry.kill()
    registry = await startRegistry(join(tmp.path, 'registry'), {}, listen)
    client = new RegistryClient(host, registry.info.listen[0])
    assert.equal((await status(registry.info.admin)).clusters, 3)
    const after = await client.getCluster({ name: clusterName }, { history: true })
    assert.equal(toHex(after.clusterId), toHex(clusterId))
    assert.equal(after.version, 1)
    assert.equal(verifyClusterHistory(after.history, [client.registryKey]).version, 1n)
    // And it goes on from there: version 2.
    const [a, b, c] = nodes.slice(0, 3)
    const e = nodes[8]
    const body = clusterUpdateBody({ clusterId, previousVersion: 1, members: members([a, b, c]) })
    const v2 = await client.updateClusterMembers(body, approveUpdate(body, [a, b, e]))
    assert.equal(v2.version, 2)
    assert.equal((await client.getCluster({ clusterId })).version, 2)
  })

  async function rpc(addr = registry.info.listen[0]): Promise<RpcStream> {
    return new RpcStream(await host.dialProtocol(multiaddr(addr), REGISTRY_PROTOCOL), 1 << 20)
  }

  async function callRaw(
    s: RpcStream,
    type: wire.RequestType.REGISTER_CLUSTER | wire.RequestType.UPDATE_CLUSTER_MEMBERS,
    body: Uint8Array,
    signatures: wire.ClusterSignature[],
  ): Promise<wire.Response> {
    return Response.decode(
      await s.request(Request.encode(RegistryClient.clusterRequest(type, body, signatures))),
    )
  }

  it('[0.1.8] 2,000 random and mutated cluster requests are refused with codes, and the registry still answers a valid one', async () => {
    const hostile = await startRegistry(join(tmp.path, 'hostile'), {
      XLATTICE_REGISTRY_RATE_LIMIT_REQUESTS_PER_SEC: '1000000',
      XLATTICE_REGISTRY_RATE_LIMIT_BURST: '1000000',
    })
    const addr = hostile.info.listen[0]
    const hc = new RegistryClient(host, addr)
    const four: TestNode[] = []
    for (let i = 0; i < 4; i++) four.push(await registeredNode(hc))
    const pid = hostile.child.pid!
    const base = await procUsage(pid)
    const rnd = (n: number) => Math.floor(Math.random() * n)
    const pick = <T>(xs: T[]) => xs[rnd(xs.length)]
    const body = clusterRegistrationBody({ members: members(four) })
    const sorted = RegisterCluster.decode(body).members
    const validSigs = sorted.map((m, index) => ({
      index,
      signature: four
        .find((n) => toHex(n.signer.publicKey) === toHex(m.sigPublicKey))!
        .signer.sign(TAG_CLUSTER_REGISTER, body),
    }))
    const junkMember = (): Member => ({
      nodeId: randomBytes(pick([0, 31, 32, 33])),
      sigPublicKey: randomBytes(pick([0, 32, 64])),
    })
    const mutants: (() => Uint8Array)[] = [
      // Random bodies for each cluster request type.
      () =>
        Request.encode({
          type: pick([
            RequestType.REGISTER_CLUSTER,
            RequestType.UPDATE_CLUSTER_MEMBERS,
            RequestType.GET_CLUSTER,
          ]),
          body: randomBytes(rnd(2000)),
          signature: new Uint8Array(),
        }),
      // A valid registration with bit flips anywhere in the frame.
      () => {
        const f = Request.encode(RegistryClient.clusterRequest(RequestType.REGISTER_CLUSTER, body, validSigs))
        for (let i = 0; i < 1 + rnd(4); i++) f[rnd(f.length)] ^= 1 << rnd(8)
        return f
      },
      // Valid framing, wrong fields: huge and junk member lists, bad names, nonces, timestamps.
      () => {
        const inner = RegisterCluster.encode({
          name: pick(['', 'ok-name', 'UPPER', 'x'.repeat(rnd(200)), 'c-01234567', '\u00e9t\u00e9']),
          members: pick([
            sorted,
            [...sorted].reverse(),
            Array.from({ length: pick([0, 1, 65, 200, 400]) }, junkMember),
            [sorted[0], sorted[0]],
          ]),
          timestamp: pick([0n, 2n ** 64n - 1n, BigInt(Date.now()), BigInt(Date.now() - 3_600_000)]),
          nonce: randomBytes(pick([0, 15, 16, 17, 1000])),
        })
        const sigs = Array.from({ length: rnd(80) }, () => ({
          index: pick([0, 1, 2, 3, 4, 63, 64, 2 ** 32 - 1]),
          signature: randomBytes(pick([0, 63, 64, 65])),
        }))
        return Request.encode(RegistryClient.clusterRequest(RequestType.REGISTER_CLUSTER, inner, sigs))
      },
      // Duplicate indices with otherwise valid signatures.
      () =>
        Request.encode(
          RegistryClient.clusterRequest(RequestType.REGISTER_CLUSTER, body, [
            validSigs[0],
            validSigs[0],
            validSigs[0],
          ]),
        ),
      // Updates for unknown or malformed clusters, versions past 2^53.
      () =>
        Request.encode(
          RegistryClient.clusterRequest(
            RequestType.UPDATE_CLUSTER_MEMBERS,
            UpdateClusterMembers.encode({
              clusterId: randomBytes(pick([0, 32, 100])),
              previousVersion: pick([0n, 1n, 2n ** 64n - 1n]),
              members: pick([sorted, Array.from({ length: pick([0, 65]) }, junkMember)]),
              timestamp: BigInt(Date.now()),
              nonce: randomBytes(16),
            }),
            validSigs,
          ),
        ),
      // GETs with junk keys, long names, huge fromVersion.
      () =>
        Request.encode({
          type: RequestType.GET_CLUSTER,
          body: wire.GetCluster.encode({
            clusterId: randomBytes(pick([0, 32, 64])),
            name: pick(['', 'x'.repeat(rnd(3000)), 'c-00000000']),
            history: rnd(2) === 0,
            fromVersion: pick([0n, 2n ** 64n - 1n]),
          }),
          signature: new Uint8Array(),
        }),
      // A signature envelope whose signatures field is a repeated-field bomb.
      () => {
        const bomb = new Uint8Array(60_000)
        for (let i = 0; i < bomb.length; i += 2) bomb[i] = 0x12 // field 2 (signatures), length 0
        return Request.encode({ type: RequestType.REGISTER_CLUSTER, body: bomb, signature: new Uint8Array() })
      },
    ]
    const codes = new Map<string, number>()
    let sent = 0
    while (sent < 2000) {
      const s = await rpc(addr)
      for (let i = 0; i < 500 && sent < 2000; i++, sent++) {
        let res: wire.Response
        try {
          res = Response.decode(await s.request(pick(mutants)()))
        } catch {
          break
        }
        codes.set(ErrorCode[res.error], (codes.get(ErrorCode[res.error]) ?? 0) + 1)
      }
      await s.close()
    }
    const answered = [...codes.values()].reduce((x, y) => x + y, 0)
    assert.ok(answered >= 1900, `answered ${answered}: ${JSON.stringify([...codes])}`)
    assert.equal(codes.get('INTERNAL') ?? 0, 0, JSON.stringify([...codes]))
    assert.ok(
      (codes.get('OK') ?? 0) <= 2,
      `at most the one valid registration and one GET pass: ${JSON.stringify([...codes])}`,
    )
    for (const code of ['BAD_REQUEST', 'NOT_FOUND', 'BAD_SIGNATURE']) {
      assert.ok((codes.get(code) ?? 0) > 0, `some ${code}: ${JSON.stringify([...codes])}`)
    }
    // Still serving: a valid registration (fresh nodes) and a lookup.
    const fresh: TestNode[] = []
    for (let i = 0; i < 4; i++) fresh.push(await registeredNode(hc))
    const ok = clusterRegistrationBody({ members: members(fresh), name: 'after-the-storm' })
    const cluster = await hc.registerCluster(ok, approveRegistration(ok, fresh.slice(0, 3)))
    assert.equal((await hc.getCluster({ name: 'after-the-storm' })).version, 0)
    assert.equal(cluster.name, 'after-the-storm')
    const end = await procUsage(pid)
    assert.ok(end.rssKb - base.rssKb < 150_000, `RSS grew by ${end.rssKb - base.rssKb} kB`)
    await hc.close()
    await hostile.stop()
  })
})
