/**
 * Bad input on /xlattice/cluster/1.0.0 at real node processes (seed row 0.1.0; issue 5: "forged
 * formation messages, forged cluster registrations, invalid ops: refused with reasons, nothing
 * crashes"). Attackers are in-process libp2p peers, most holding real NodeID certificates from
 * a real `xlattice registry`. First 10,000 random and structure-aware frames (unknown kinds,
 * junk bodies, truncated and extended registrations, huge member lists, frames over 16 KiB,
 * bad length prefixes); then each forged formation message on its own, against a node that
 * cannot form a cluster by itself (size 4, no other node), checking the refusal code, its
 * reason, and that the node's hold and cluster did not change.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { FormError, FormKind, FormRequest, FormResponse } from '../../gateway/cluster/cluster.pb.js'
import { CLUSTER_PROTOCOL } from '../../gateway/cluster/formation-service.js'
import { createHost, type Host } from '../../gateway/p2p/host.js'
import { RpcStream } from '../../gateway/p2p/rpc.js'
import {
  clusterRegistrationBody,
  issueClusterBinding,
  RegistryClient,
  sealPeerRecord,
  signClusterRegistration,
  sortMembers,
  TAG_CLUSTER,
  TAG_CLUSTER_REGISTER,
  wire,
} from '../../gateway/registry/index.js'
import { randomBytes, Signer, sha256, verifySignature, x25519Generate } from '../../lib/crypto.js'
import { fromB64u, fromHex, toHex } from '../../lib/encoding.js'
import { procUsage } from '../helpers/p2p.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const { ClusterBinding, RegisterCluster, SignedClusterBinding } = wire
type Member = wire.ClusterMember

const rnd = (n: number) => Math.floor(Math.random() * n)
const pick = <T>(xs: T[]): T => xs[rnd(xs.length)]
const tag = (field: number, wireType: number) => (field << 3) | wireType
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))
function varint(n: number): Uint8Array {
  const out: number[] = []
  for (; n > 0x7f; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80)
  return new Uint8Array([...out, n])
}
const field = (n: number, bytes: Uint8Array) => cat(new Uint8Array([tag(n, 2)]), varint(bytes.length), bytes)
/** A FormRequest by hand, so kinds outside the enum can be sent. */
const rawRequest = (kind: Uint8Array, body: Uint8Array) =>
  cat(new Uint8Array([tag(1, 0)]), kind, field(2, body))

/** A peer that speaks for itself: its libp2p key is its signing key. */
interface Attacker {
  seed: Uint8Array
  signer: Signer
  member: Member
  nodeId: string
  /** Its encoded SignedCertificate, which proposals carry. */
  certificate: Uint8Array
}

/** The certificate each attacker's host sends with its proposals. */
const certOf = new WeakMap<Host, Uint8Array>()

async function keys(seed = randomBytes(32)) {
  const privateKey = await generateKeyPairFromSeed('Ed25519', seed)
  return { seed, privateKey, signer: new Signer({ seed, publicKey: privateKey.publicKey.raw }) }
}

/** A libp2p peer dialling out with the attacker's key (or a fresh one: a stranger). */
async function hostOf(a?: Attacker): Promise<Host> {
  const host = await createHost({ privateKey: (await keys(a?.seed)).privateKey, listen: [], dht: false })
  if (a !== undefined) certOf.set(host, a.certificate)
  return host
}

/** Registered through the ordinary client: it holds a real NodeID certificate. */
async function registered(client: RegistryClient): Promise<Attacker> {
  const { seed, privateKey, signer } = await keys()
  const record = await sealPeerRecord(privateKey, ['/ip4/127.0.0.1/tcp/1'])
  const { certificate, cert } = await client.register(
    { signer, commsPublicKey: x25519Generate().publicKey },
    record,
  )
  return {
    seed,
    signer,
    certificate: wire.SignedCertificate.encode(certificate),
    nodeId: toHex(cert.nodeId),
    member: { nodeId: cert.nodeId, sigPublicKey: signer.publicKey },
  }
}

/** A member nobody certified, above every real NodeID in practice. */
const high = (): Member => ({
  nodeId: cat(fromHex('ff'.repeat(30)), randomBytes(2)),
  sigPublicKey: randomBytes(32),
})

/** One request on its own stream. */
async function ask(
  host: Host,
  addr: Multiaddr,
  kind: FormKind,
  body: Uint8Array = new Uint8Array(),
): Promise<FormResponse> {
  const s = new RpcStream(await host.dialProtocol(addr, CLUSTER_PROTOCOL), 1 << 20)
  try {
    const certificate = certOf.get(host) ?? new Uint8Array()
    return FormResponse.decode(await s.request(FormRequest.encode({ kind, body, certificate })))
  } finally {
    await s.close()
  }
}

function refused(res: FormResponse, code: FormError, reason: RegExp): void {
  assert.equal(FormError[res.error], FormError[code], res.text)
  assert.match(res.text, reason)
}

describe('cluster formation under hostile input', function () {
  this.timeout(120_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let client: RegistryClient
  let clientHost: Host
  /** Attackers by NodeID, lowest first. */
  let pool: Attacker[]
  let soloBinding: wire.SignedClusterBinding

  /** A node that cannot form a cluster by itself, with attackers below it (they may propose to it). */
  async function target(name: string, below: number, env: NodeJS.ProcessEnv = {}) {
    const node = await startNode(join(tmp.path, name), client.address.toString(), {
      XLATTICE_CLUSTER_SIZE: '4',
      ...env,
    })
    const st = await eventually('the node registered', async () => {
      const s = await status(node.info.admin)
      return s.nodeId !== null && s
    })
    const nodeId = st.nodeId as string
    // NodeIDs are random: register until enough of them sort below the node's.
    while (pool.filter((a) => a.nodeId < nodeId).length < below) {
      assert.ok(pool.length < 3000, `no ${below} NodeIDs below ${nodeId} in ${pool.length}`)
      pool.push(await registered(client))
    }
    pool.sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1))
    const member = { nodeId: fromHex(nodeId), sigPublicKey: fromB64u(st.sigPublicKey) }
    return {
      node,
      nodeId,
      member,
      addr: multiaddr(node.info.listen[0]),
      lower: pool.filter((a) => a.nodeId < nodeId),
    }
  }

  before(async () => {
    tmp = await tempDir('xl-chostile-')
    const registry = await startRegistry(join(tmp.path, 'registry'), {
      XLATTICE_REGISTRY_RATE_LIMIT_REQUESTS_PER_SEC: '1000000',
      XLATTICE_REGISTRY_RATE_LIMIT_BURST: '1000000',
    })
    clientHost = await hostOf()
    client = new RegistryClient(clientHost, registry.info.listen[0])
    pool = []
    // A real cluster of one attacker: a binding the server signed that names nobody else.
    const solo = await registered(client)
    const body = clusterRegistrationBody({ members: [solo.member] })
    soloBinding = (await client.registerCluster(body, [signClusterRegistration(solo.signer, body)])).signed
  })
  after(async () => {
    await client?.close()
    await clientHost?.stop()
    await stopAll()
    await tmp.remove()
  })

  it('[0.1.0] 10,000 fuzzed frames on /xlattice/cluster/1.0.0 crash nothing; a valid STATUS is still answered; memory and fds stay bounded', async () => {
    const t = await target('fuzz', 1)
    const proposer = t.lower[t.lower.length - 1]
    const host = await hostOf(proposer)
    const pid = t.node.child.pid!
    const members = [proposer.member, t.member, high(), high()]
    const template = clusterRegistrationBody({ members })
    const junkMember = (): Member => ({
      nodeId: randomBytes(pick([0, 31, 32, 33])),
      sigPublicKey: randomBytes(pick([0, 31, 32, 64])),
    })
    const flip = (f: Uint8Array) => {
      for (let i = 0; i < 1 + rnd(4); i++) f[rnd(f.length)] ^= 1 << rnd(8)
      return f
    }
    const request = (kind: FormKind, body: Uint8Array) =>
      FormRequest.encode({ kind, body, certificate: proposer.certificate })
    const proposeOrWithdraw = () => pick([FormKind.PROPOSE, FormKind.WITHDRAW])
    const inStream: Record<string, () => Uint8Array> = {
      'random bytes': () => randomBytes(1 + rnd(2000)),
      'bit flips': () =>
        flip(request(pick([FormKind.STATUS, FormKind.PROPOSE, FormKind.WITHDRAW]), template)),
      'unknown kind': () =>
        rawRequest(
          pick([
            varint(0),
            varint(5 + rnd(100)),
            varint(2 ** 31 - 1),
            new Uint8Array([...Array(9).fill(0xff), 1]),
          ]),
          randomBytes(rnd(500)),
        ),
      'junk body': () =>
        request(
          pick([FormKind.PROPOSE, FormKind.FORMED, FormKind.WITHDRAW, FormKind.STATUS]),
          randomBytes(rnd(3000)),
        ),
      truncated: () => request(proposeOrWithdraw(), template.subarray(0, rnd(template.length))),
      extended: () =>
        request(
          proposeOrWithdraw(),
          cat(
            template,
            pick([
              randomBytes(1 + rnd(200)),
              field(2, wire.ClusterMember.encode(high())),
              field(4, randomBytes(16)),
              field(1, new TextEncoder().encode('renamed')),
            ]),
          ),
        ),
      'mutated members': () =>
        request(
          FormKind.PROPOSE,
          RegisterCluster.encode({
            name: pick(['', 'x'.repeat(rnd(100))]),
            // In canonical order, but one: the server would refuse that, so the node must too.
            members: pick([
              () => [],
              () => [proposer.member],
              () => sortMembers([proposer.member, t.member, high()]),
              () => sortMembers([...members, high()]),
              () => Array.from({ length: pick([4, 65, 200]) }, junkMember),
              () => sortMembers([proposer.member, t.member, t.member, high()]),
              () =>
                sortMembers([
                  proposer.member,
                  { ...t.member, sigPublicKey: randomBytes(32) },
                  high(),
                  high(),
                ]),
              () => sortMembers([proposer.member, { ...t.member, nodeId: randomBytes(32) }, high(), high()]),
              () => [...RegisterCluster.decode(template).members].reverse(),
            ])(),
            timestamp: pick([0n, 2n ** 64n - 1n, BigInt(Date.now())]),
            nonce: randomBytes(pick([0, 16, 1000])),
          }),
        ),
      'member bomb': () => {
        const body = new Uint8Array(16_000) // 8,000 empty `members` fields
        for (let i = 0; i < body.length; i += 2) body[i] = tag(2, 2)
        return request(proposeOrWithdraw(), body)
      },
      'forged binding': () =>
        request(
          FormKind.FORMED,
          pick([
            () => flip(SignedClusterBinding.encode(soloBinding)),
            () =>
              SignedClusterBinding.encode({
                binding: soloBinding.binding,
                signature: randomBytes(pick([0, 64])),
              }),
            () =>
              SignedClusterBinding.encode({
                binding: randomBytes(rnd(500)),
                signature: soloBinding.signature,
              }),
            () => SignedClusterBinding.encode(soloBinding),
          ])(),
        ),
      '16 KiB frame': () => FormRequest.encode({ kind: FormKind.PROPOSE, body: randomBytes(16_384 - 5) }),
      status: () => request(FormKind.STATUS, new Uint8Array()),
    }
    const kinds = Object.keys(inStream)
    const sent = new Map<string, number>()
    const codes = new Map<string, number>()
    const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)

    await ask(host, t.addr, FormKind.STATUS) // warm the connection before measuring
    const base = await procUsage(pid)
    // 9,000 frames on 8 streams at once, each answered in order on its stream.
    let left = 9000
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const s = new RpcStream(await host.dialProtocol(t.addr, CLUSTER_PROTOCOL), 1 << 20)
        while (left-- > 0) {
          const kind = pick(kinds)
          const frame = inStream[kind]()
          assert.ok(frame.length <= 16_384, `${kind}: ${frame.length} bytes`)
          count(sent, kind)
          const res = FormResponse.decode(await s.request(frame))
          count(codes, FormError[res.error] ?? `unknown ${res.error}`)
        }
        await s.close()
      }),
    )
    // 1,000 streams of one frame each: over the size bound, or a bad length prefix.
    const oneShot: Record<string, () => Uint8Array> = {
      'over 16 KiB': () => cat(varint(16_384 + 1 + rnd(60_000)), randomBytes(16_385)),
      'huge length': () =>
        pick([new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), new Uint8Array([0x80, 0x80, 0x04])]),
      'endless varint': () => new Uint8Array(11 + rnd(50)).fill(0xff),
      'short frame': () => cat(varint(400), randomBytes(rnd(400))),
    }
    const oneShotKinds = Object.keys(oneShot)
    let shots = 0
    let oversizeAnswers = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (shots < 1000) {
          shots++
          const kind = pick(oneShotKinds)
          count(sent, kind)
          const stream = await host.dialProtocol(t.addr, CLUSTER_PROTOCOL)
          const lp = lpStream(stream)
          try {
            stream.send(oneShot[kind]())
            await stream.close()
            const res = FormResponse.decode((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray())
            count(codes, FormError[res.error])
            if (res.error === FormError.FORM_BAD_REQUEST && /size bound/.test(res.text)) oversizeAnswers++
          } catch {
            // the node closed the stream without an answer: fine for a broken prefix
          } finally {
            stream.abort(new Error('done'))
          }
        }
      }),
    )
    const total = [...sent.values()].reduce((a, b) => a + b, 0)
    const seen = JSON.stringify(Object.fromEntries(codes))
    assert.ok(total >= 10_000, `${total} frames sent: ${JSON.stringify(Object.fromEntries(sent))}`)
    assert.ok(oversizeAnswers >= 100, `${oversizeAnswers} frames over the bound were refused with a reason`)
    for (const code of [
      'FORM_OK',
      'FORM_BAD_REQUEST',
      'NOT_PROPOSER',
      'MALFORMED',
      'NOT_A_MEMBER',
      'BAD_BINDING',
    ])
      assert.ok((codes.get(code) ?? 0) > 0, `some ${code}: ${seen}`)

    // Still alive and serving: a valid STATUS from a stranger, the admin /status.
    assert.equal(t.node.child.exitCode, null, 'the node is running')
    const stranger = await hostOf()
    const res = await ask(stranger, t.addr, FormKind.STATUS)
    assert.deepEqual([FormError[res.error], res.free], ['FORM_OK', true])
    assert.equal((await status(t.node.info.admin)).cluster.clusterId, null)
    await new Promise((r) => setTimeout(r, 1000)) // closed streams wind down
    const end = await procUsage(pid)
    assert.ok(end.rssKb - base.rssKb < 150_000, `RSS grew by ${end.rssKb - base.rssKb} kB`)
    assert.ok(end.fds - base.fds < 20, `open fds went from ${base.fds} to ${end.fds}`)
    assert.doesNotMatch(t.node.stderr(), /unhandled|uncaught/i)
    await Promise.all([host.stop(), stranger.stop()])
  })

  it('[0.1.0] forged formation messages are refused with their reasons and change nothing; a lower proposer takes the hold, a worse one is declined', async () => {
    const t = await target('forged', 2, { XLATTICE_CLUSTER_LOCK_SEC: '300' })
    const [lo, mid] = t.lower.slice(-2) // lo < mid < the node
    const [loHost, midHost, stranger] = await Promise.all([hostOf(lo), hostOf(mid), hostOf()])
    const propose = (from: Host, list: Member[]) =>
      ask(from, t.addr, FormKind.PROPOSE, clusterRegistrationBody({ members: list }))
    const cluster = async () => (await status(t.node.info.admin)).cluster
    const id = (body: Uint8Array) => toHex(sha256(body))
    const other = { nodeId: t.member.nodeId, sigPublicKey: randomBytes(32) }

    // Not from the proposal's proposer (its lowest member): a member above it, or a stranger.
    const notMine = /did not come from the proposal's proposer/
    refused(
      await propose(midHost, [lo.member, mid.member, t.member, high()]),
      FormError.NOT_PROPOSER,
      notMine,
    )
    refused(await propose(stranger, [lo.member, t.member, high(), high()]), FormError.NOT_PROPOSER, notMine)
    // Claiming a NodeID that is not one's own to win the preference order: an uncertified
    // stranger, and a certified node presenting a lower NodeID than its certificate's.
    const lowest = (key: Uint8Array) => ({ nodeId: new Uint8Array(32), sigPublicKey: key })
    const notCertified = /certificate is missing or not its own/
    const strangerKey = (await stranger.peerId.publicKey?.raw) as Uint8Array
    refused(
      await propose(stranger, [lowest(strangerKey), t.member, high(), high()]),
      FormError.NOT_PROPOSER,
      notCertified,
    )
    refused(
      await propose(loHost, [lowest(lo.signer.publicKey), t.member, high(), high()]),
      FormError.NOT_PROPOSER,
      notCertified,
    )
    assert.equal((await cluster()).holding, null, 'no forged proposal took the hold')
    // Not naming the node, or naming it with another key.
    refused(
      await propose(loHost, [lo.member, high(), high(), high()]),
      FormError.NOT_A_MEMBER,
      /does not name/,
    )
    refused(await propose(loHost, [lo.member, other, high(), high()]), FormError.NOT_A_MEMBER, /another key/)
    // Malformed: three or five members, a member twice, members out of their canonical order.
    const malformed = /4 sorted members/
    refused(await propose(loHost, [lo.member, t.member, high()]), FormError.MALFORMED, malformed)
    refused(
      await propose(loHost, [lo.member, t.member, high(), high(), high()]),
      FormError.MALFORMED,
      malformed,
    )
    const dup = RegisterCluster.decode(clusterRegistrationBody({ members: [lo.member, t.member, high()] }))
    dup.members.splice(
      dup.members.findIndex((m) => toHex(m.nodeId) === t.nodeId),
      0,
      t.member,
    )
    refused(
      await ask(loHost, t.addr, FormKind.PROPOSE, RegisterCluster.encode(dup)),
      FormError.MALFORMED,
      /no duplicates/,
    )
    const unsorted = RegisterCluster.decode(
      clusterRegistrationBody({ members: [lo.member, t.member, high(), high()] }),
    )
    unsorted.members.reverse()
    refused(
      await ask(loHost, t.addr, FormKind.PROPOSE, RegisterCluster.encode(unsorted)),
      FormError.MALFORMED,
      /sorted/,
    )
    refused(
      await ask(loHost, t.addr, FormKind.PROPOSE, randomBytes(40)),
      FormError.FORM_BAD_REQUEST,
      /does not decode/,
    )
    assert.equal((await cluster()).holding, null, 'no refused proposal took the hold')

    // Honest-looking proposals: the node takes mid's, then lo's over it (a lower proposer wins).
    const midBody = clusterRegistrationBody({ members: [mid.member, t.member, high(), high()] })
    const midOk = await ask(midHost, t.addr, FormKind.PROPOSE, midBody)
    assert.equal(FormError[midOk.error], 'FORM_OK', midOk.text)
    assert.ok(verifySignature(TAG_CLUSTER_REGISTER, midBody, midOk.signature, t.member.sigPublicKey))
    assert.equal((await cluster()).holding, id(midBody))
    const loBody = clusterRegistrationBody({ members: [lo.member, t.member, high(), high()] })
    assert.equal(FormError[(await ask(loHost, t.addr, FormKind.PROPOSE, loBody)).error], 'FORM_OK')
    assert.equal((await cluster()).holding, id(loBody), 'the lower proposer took the hold over')
    // A worse one (mid again, a fresh proposal) is declined, naming the proposer held.
    const worse = await propose(midHost, [mid.member, t.member, high(), high()])
    refused(worse, FormError.HOLDING_BETTER, /holding a better proposal/)
    assert.equal(toHex(worse.holdingProposer), lo.nodeId)

    // WITHDRAW of lo's proposal by anyone but lo changes nothing; mid withdrawing its own neither.
    refused(await ask(midHost, t.addr, FormKind.WITHDRAW, loBody), FormError.NOT_PROPOSER, notMine)
    refused(await ask(stranger, t.addr, FormKind.WITHDRAW, loBody), FormError.NOT_PROPOSER, notMine)
    assert.equal(FormError[(await ask(midHost, t.addr, FormKind.WITHDRAW, midBody)).error], 'FORM_OK')
    assert.equal((await cluster()).holding, id(loBody), 'the node keeps its hold')

    // FORMED with bindings the node must not join.
    const formed = (signed: wire.SignedClusterBinding) =>
      ask(stranger, t.addr, FormKind.FORMED, SignedClusterBinding.encode(signed))
    const loMembers = RegisterCluster.decode(loBody).members
    const fields = {
      clusterId: randomBytes(32),
      name: 'forged',
      genesis: loMembers,
      registeredAt: Date.now(),
      version: 0,
      members: loMembers,
      updatedAt: Date.now(),
    }
    const forger = (await keys()).signer
    refused(await formed(issueClusterBinding(forger, fields)), FormError.BAD_BINDING, /issuer is not trusted/)
    const claimed = ClusterBinding.encode({
      ...ClusterBinding.decode(issueClusterBinding(forger, fields).binding),
      issuer: client.registryKey,
    })
    const badSig = /signature does not verify/
    refused(
      await formed({ binding: claimed, signature: forger.sign(TAG_CLUSTER, claimed) }),
      FormError.BAD_BINDING,
      badSig,
    )
    refused(await formed(soloBinding), FormError.BAD_BINDING, /does not name this node/)
    const solo = ClusterBinding.decode(soloBinding.binding)
    const tampered = ClusterBinding.encode({ ...solo, members: [...solo.members, t.member] })
    refused(
      await formed({ binding: tampered, signature: soloBinding.signature }),
      FormError.BAD_BINDING,
      badSig,
    )
    refused(
      await formed({ binding: randomBytes(100), signature: randomBytes(64) }),
      FormError.BAD_BINDING,
      /malformed/,
    )
    const after = await cluster()
    assert.deepEqual(
      [after.state, after.clusterId, after.members, after.holding],
      ['waiting', null, [], id(loBody)],
      "no cluster, and the hold is lo's",
    )

    // The proposer itself may withdraw: the hold goes (the checks above were not vacuous).
    assert.equal(FormError[(await ask(loHost, t.addr, FormKind.WITHDRAW, loBody)).error], 'FORM_OK')
    assert.equal((await cluster()).holding, null)
    await Promise.all([loHost.stop(), midHost.stop(), stranger.stop()])
  })
})
