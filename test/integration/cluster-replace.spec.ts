/**
 * Replacing a dead cluster member as real processes (issue 5 part 6; seed rows 0.1.0, 0.1.7):
 * four nodes form a cluster and a fifth stays free; one member is killed (SIGKILL) and
 * registrations still commit with three of four; after `cluster.replaceAfterSec` the members
 * replace it with the free node, which catches up the chain from genesis and holds the same
 * state root at the same height as the others; the XLattice server's binding lists the new
 * members at version 1; registrations commit through the new member; the killed node, restarted,
 * learns it was replaced and is free again without disturbing the cluster. Then the manual
 * path (`xlattice cluster replace`, automatic replacement off) and refusals.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { CLUSTER_PROTOCOL } from '../../gateway/cluster/formation-service.js'
import {
  FormError,
  FormKind,
  FormRequest,
  FormResponse,
  Replacement,
} from '../../gateway/cluster/cluster.pb.js'
import type { Host } from '../../gateway/p2p/host.js'
import { RpcStream } from '../../gateway/p2p/rpc.js'
import { clusterUpdateBody } from '../../gateway/registry/cluster-binding.js'
import { RegistryClient } from '../../gateway/registry/client.js'
import type { Started } from '../../lib/child.js'
import { fromB64u, fromHex, toHex } from '../../lib/encoding.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { freshHost } from '../helpers/p2p.js'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)

async function register(admin: string, nick: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${admin}/nick`, { method: 'POST', body: JSON.stringify({ nick }) })
  return { status: res.status, body: await res.json() }
}

/** What `xlattice cluster status` prints for a node. */
async function clusterStatus(admin: string): Promise<string> {
  return (await run(process.execPath, [BIN, 'cluster', 'status', '--admin', admin])).stdout
}

async function rootAt(admin: string, height: number): Promise<string | null> {
  const res = await fetch(`http://${admin}/cluster/root?height=${height}`)
  return res.status === 200 ? (await res.json()).root : null
}

/** Four nodes in one cluster, a fifth started afterwards (so it is the one left free). */
async function fiveNodes(dir: string, env: NodeJS.ProcessEnv) {
  const registry = await startRegistry(join(dir, 'r'), env)
  const addr = registry.info.listen[0]
  const dirs = [0, 1, 2, 3, 4].map((i) => join(dir, `n${i}`))
  const four = await Promise.all(dirs.slice(0, 4).map((d) => startNode(d, addr, env)))
  await replicasCommitting(four)
  const fifth = await startNode(dirs[4], addr, env)
  const fifthId = await eventually(
    'the fifth node registered',
    async () => (await status(fifth.info.admin)).nodeId,
  )
  return { registry, addr, dirs, nodes: [...four, fifth], fifthId: fifthId as string }
}

/** The cluster view of a node: state, members, version, replica height and whether it votes. */
async function view(n: Started) {
  const s = await status(n.info.admin)
  return {
    nodeId: s.nodeId as string,
    state: s.cluster.state as string,
    clusterId: s.cluster.clusterId as string | null,
    version: s.cluster.version as number | null,
    members: (s.cluster.members as { nodeId: string }[]).map((m) => m.nodeId).sort(),
    height: (s.cluster.replica?.height ?? 0) as number,
    voting: s.cluster.replica?.consensus?.validator === true,
    memberNodeId: (s.cluster.replica?.memberNodeId ?? null) as string | null,
    replacement: s.cluster.replacement,
    lastError: s.cluster.lastError as string | null,
  }
}

describe('replacing a dead cluster member as processes', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let host: Host
  before(async () => {
    tmp = await tempDir('xl-creplace-')
    host = await freshHost()
  })
  after(async () => {
    await stopAll()
    await host.stop()
    await tmp.remove()
  })

  it('[0.1.0] [0.1.7] a member killed past cluster.replaceAfterSec is replaced by a free node, which catches up; the server follows; the killed node comes back free', async () => {
    const t0 = Date.now()
    const env = { ...CLUSTER_FAST, XLATTICE_CLUSTER_REPLACE_AFTER_SEC: '5' }
    const { addr, dirs, nodes, fifthId } = await fiveNodes(join(tmp.path, 'auto'), env)
    const [a, b, c, d, e] = nodes
    const before = await view(a)
    assert.equal(before.members.length, 4)
    assert.ok(!before.members.includes(fifthId), 'the fifth node is not a member')
    assert.equal((await view(e)).state, 'waiting', 'the fifth node stays free')
    for (const [i, n] of [a, b, c, d].entries()) {
      const r = await register(n.info.admin, `early-${i}`)
      assert.equal(r.status, 200, JSON.stringify(r.body))
    }

    // One member dies; three of four still commit.
    const killedId = (await view(d)).nodeId
    await d.kill()
    const killedAt = Date.now()
    const during = await register(a.info.admin, 'while-one-is-down')
    assert.equal(during.status, 200, JSON.stringify(during.body))

    // The members replace it with the fifth node, which catches up and votes.
    const members = await eventually(
      'the fifth node to be a voting member',
      async () => {
        const v = await view(e)
        return v.state === 'member' && v.voting && v.members
      },
      90_000,
    )
    const replacedAfterSec = (Date.now() - killedAt) / 1000
    assert.ok(replacedAfterSec >= 5, `replaced ${replacedAfterSec} s after the kill, before replaceAfterSec`)
    const expected = [...before.members.filter((id) => id !== killedId), fifthId].sort()
    assert.deepEqual(members, expected)
    for (const n of [a, b, c]) {
      await eventually('every live member to adopt version 1', async () => {
        const v = await view(n)
        return v.version === 1 && JSON.stringify(v.members) === JSON.stringify(expected)
      })
    }
    // The server's binding names the new members, at version 1.
    const client = new RegistryClient(host, addr)
    const held = await client.getCluster({ clusterId: fromHex(before.clusterId as string) })
    assert.equal(held.version, 1)
    assert.deepEqual(held.members.map((m) => toHex(m.nodeId)).sort(), expected)
    assert.deepEqual(held.genesis.map((m) => toHex(m.nodeId)).sort(), before.members)
    await client.close()

    // Registrations commit through the new member once the chain knows its certified NodeID.
    const viaNew = await eventually(
      'a registration through the new member',
      async () => {
        const r = await register(e.info.admin, 'through-the-new-member')
        return r.status === 200 && r
      },
      30_000,
    )
    assert.equal((await view(e)).memberNodeId, fifthId)
    const after = await register(b.info.admin, 'after-the-replacement')
    assert.equal(after.status, 200, JSON.stringify(after.body))

    // Same state root at the same height everywhere, the new member included.
    const height = Math.max(viaNew.body.height, after.body.height)
    const roots = await eventually('every live member past that height', async () => {
      const r = await Promise.all([a, b, c, e].map((n) => rootAt(n.info.admin, height)))
      return r.every((x) => x !== null) && r
    })
    assert.ok(
      roots.every((r) => r === roots[0]),
      JSON.stringify(roots),
    )
    const shown = await (await fetch(`http://${e.info.admin}/nick?name=early-3`)).json()
    assert.equal(shown.registered, true, 'the new member holds what was registered before it joined')

    // `xlattice cluster status` shows the change; the coordinator (one live member) its record.
    const coordinators: Started[] = []
    for (const n of [a, b, c]) if ((await view(n)).replacement.last?.ok === true) coordinators.push(n)
    assert.equal(coordinators.length, 1, 'one member coordinated')
    const stdout = await clusterStatus(coordinators[0].info.admin)
    assert.match(stdout, /membership version 1, 4 members/)
    assert.match(stdout, new RegExp(`${fifthId}  \\S+  reachable`))
    assert.ok(!stdout.includes(`${killedId}  `), 'the killed node is not listed as a member')
    assert.match(
      stdout,
      new RegExp(`last replacement: ${killedId} by ${fifthId} at height \\d+ \\(version 1\\)`),
    )

    // The killed node comes back: it learns it was replaced, is free again, and the cluster commits.
    const back = await startNode(dirs[3], addr, env)
    const free = await eventually(
      'the killed node to find itself replaced',
      async () => {
        const v = await view(back)
        return v.clusterId === null && v
      },
      30_000,
    )
    assert.match(free.lastError ?? '', /replaced/)
    const still = await register(c.info.admin, 'after-the-return')
    assert.equal(still.status, 200, JSON.stringify(still.body))
    await new Promise((r) => setTimeout(r, 3000))
    assert.equal((await view(back)).clusterId, null, 'it does not rejoin')
    assert.deepEqual((await view(a)).members, expected)
    console.log(
      `      replaced ${replacedAfterSec.toFixed(1)} s after the kill (replaceAfterSec 5); scenario ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
  })

  it('[0.1.7] a change committed but never recorded at the server (the coordinator failed right after the commit) is recorded by the members from the chain; the newcomer joins', async () => {
    const env = {
      ...CLUSTER_FAST,
      XLATTICE_CLUSTER_REPLACE_AFTER_SEC: '5',
      XLATTICE_FAILPOINTS: 'replace.skip-record',
    }
    const { addr, nodes, fifthId } = await fiveNodes(join(tmp.path, 'record'), env)
    const [a, b, c, d, e] = nodes
    const before = await view(a)
    const killedId = (await view(d)).nodeId
    await d.kill()
    // The coordinator commits the change, then fails before telling the server.
    const failed = await eventually(
      'a replacement committed and left unrecorded',
      async () => {
        for (const n of [a, b, c]) {
          const last = (await view(n)).replacement.last
          if (last?.ok === false && /failpoint replace\.skip-record/.test(last.error)) return n
        }
        return false
      },
      90_000,
    )
    const expected = [...before.members.filter((id) => id !== killedId), fifthId].sort()
    // The members see the chain and the server differ and record the chain's set themselves.
    const client = new RegistryClient(host, addr)
    const held = await eventually(
      'the server to hold the new members',
      async () => {
        const h = await client.getCluster({ clusterId: fromHex(before.clusterId as string) })
        return h.version === 1 && h
      },
      60_000,
    )
    await client.close()
    assert.deepEqual(held.members.map((m) => toHex(m.nodeId)).sort(), expected)
    const recorders = await eventually('the recording member to say so', async () => {
      const found: Started[] = []
      for (const n of [a, b, c]) if ((await view(n)).replacement.recorded?.version === 1) found.push(n)
      return found.length > 0 && found
    })
    assert.equal(recorders.length, 1, 'one member recorded it')
    const stdout = await clusterStatus(recorders[0].info.admin)
    assert.match(stdout, /recorded the chain's membership at the server itself: version 1/)
    // The newcomer joins and votes; every member holds version 1; registrations commit.
    await eventually(
      'the fifth node to be a voting member',
      async () => {
        const v = await view(e)
        return v.state === 'member' && v.voting && JSON.stringify(v.members) === JSON.stringify(expected)
      },
      60_000,
    )
    for (const n of [a, b, c])
      await eventually('every live member to adopt version 1', async () => (await view(n)).version === 1)
    const r = await register(failed.info.admin, 'after-recording')
    assert.equal(r.status, 200, JSON.stringify(r.body))
  })

  it('[0.1.0] [0.1.7] with automatic replacement off, `xlattice cluster replace` replaces a dead member; replacing a live one and forged requests are refused', async () => {
    const env = { ...CLUSTER_FAST, XLATTICE_CLUSTER_REPLACE_AFTER_SEC: '0' }
    const { nodes, fifthId } = await fiveNodes(join(tmp.path, 'manual'), env)
    const [a, b, c, d, e] = nodes
    const before = await view(a)
    const live = (await view(b)).nodeId
    const deadId = (await view(d)).nodeId

    // A live member is not replaced.
    const refusedLive = await fetch(`http://${a.info.admin}/cluster/replace`, {
      method: 'POST',
      body: JSON.stringify({ dead: live, with: fifthId }),
    })
    assert.equal(refusedLive.status, 409)
    assert.match((await refusedLive.json()).error, /reaches it/)

    // Forged requests from a stranger, straight to a member and to the free node.
    const update = clusterUpdateBody({
      clusterId: fromHex(before.clusterId as string),
      previousVersion: 0,
      members: [],
    })
    const ask = async (n: Started, kind: FormKind, body: Uint8Array) => {
      const s = new RpcStream(await host.dialProtocol(multiaddr(n.info.listen[0]), CLUSTER_PROTOCOL), 1 << 16)
      try {
        return FormResponse.decode(await s.request(FormRequest.encode({ kind, body })))
      } finally {
        await s.close()
      }
    }
    const sa = await status(a.info.admin)
    const members = sa.cluster.members.map((m: any) => ({
      nodeId: fromHex(m.nodeId),
      sigPublicKey: fromB64u(m.sigPublicKey),
    }))
    const se = await status(e.info.admin)
    const swapped = clusterUpdateBody({
      clusterId: fromHex(before.clusterId as string),
      previousVersion: 0,
      members: [
        ...members.filter((m: any) => toHex(m.nodeId) !== deadId),
        { nodeId: fromHex(fifthId), sigPublicKey: fromB64u(se.sigPublicKey) },
      ],
    })
    const forged = Replacement.encode({
      update: swapped,
      dead: fromHex(deadId),
      currentSetHash: new Uint8Array(32),
    })
    const toMember = await ask(b, FormKind.REPLACE_APPROVE, forged)
    assert.equal(toMember.error, FormError.NOT_FROM_MEMBER, toMember.text)
    const toFree = await ask(e, FormKind.REPLACE_OFFER, forged)
    assert.equal(toFree.error, FormError.NOT_FROM_MEMBER, toFree.text)
    const junk = await ask(b, FormKind.REPLACE_APPROVE, Replacement.encode({ update }))
    assert.equal(junk.error, FormError.MALFORMED, junk.text)
    // Nor will a member sign a server record for a stranger, or one that does not decode.
    const record = await ask(b, FormKind.RECORD_APPROVE, swapped)
    assert.equal(record.error, FormError.NOT_FROM_MEMBER, record.text)
    const garbled = await ask(b, FormKind.RECORD_APPROVE, new Uint8Array([0xff, 0xff, 0xff]))
    assert.equal(garbled.error, FormError.FORM_BAD_REQUEST, garbled.text)
    assert.equal((await view(e)).state, 'waiting', 'the free node did not move')

    // The member dies: nothing happens by itself; the operator replaces it.
    await d.kill()
    await new Promise((r) => setTimeout(r, 8000))
    assert.equal((await view(a)).version, 0, 'no automatic replacement')
    assert.equal((await view(e)).state, 'waiting')
    const st = await run(process.execPath, [BIN, 'cluster', 'status', '--admin', a.info.admin])
    assert.match(st.stdout, /UNREACHABLE for \d+ s/)
    assert.match(st.stdout, /automatic replacement is off/)
    const { stdout } = await run(process.execPath, [
      BIN,
      'cluster',
      'replace',
      '--admin',
      c.info.admin,
      '--dead',
      deadId,
      '--with',
      fifthId,
    ])
    assert.match(
      stdout,
      new RegExp(`^replaced ${deadId} by ${fifthId}: committed at height \\d+, membership version 1$`, 'm'),
    )
    await eventually(
      'the new member to vote',
      async () => {
        const v = await view(e)
        return v.state === 'member' && v.voting
      },
      60_000,
    )
    const r = await eventually(
      'a registration through the new member',
      async () => {
        const x = await register(e.info.admin, 'manual-new-member')
        return x.status === 200 && x
      },
      30_000,
    )
    const roots = await eventually('the same root everywhere', async () => {
      const all = await Promise.all([a, b, c, e].map((n) => rootAt(n.info.admin, r.body.height)))
      return all.every((x) => x !== null) && all
    })
    assert.ok(roots.every((x) => x === roots[0]))
  })
})
