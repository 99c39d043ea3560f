/**
 * The replicated cluster registry as real processes (seed rows 0.1.2, 0.1.5): four fresh nodes
 * form a cluster, each starts its replica (BFT driver + registry state machine), and nicks
 * registered through different members commit with one owner each; every member holds the
 * same registry (same state root at the same height); with one member killed, registrations
 * still commit.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { signNickRequest } from '../../gateway/cluster/ops.js'
import type { Started } from '../../lib/child.js'
import { ed25519Generate, Signer, x25519Generate } from '../../lib/crypto.js'
import { fromHex, toB64u } from '../../lib/encoding.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)
const FAST = CLUSTER_FAST

async function register(admin: string, nick: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${admin}/nick`, { method: 'POST', body: JSON.stringify({ nick }) })
  return { status: res.status, body: await res.json() }
}

async function rootAt(admin: string, height: number): Promise<string | null> {
  const res = await fetch(`http://${admin}/cluster/root?height=${height}`)
  return (await res.json()).root
}

describe('the cluster registry as processes', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let nodes: Started[]
  before(async () => {
    tmp = await tempDir('xl-creg-')
    const registry = await startRegistry(join(tmp.path, 'r'), FAST)
    nodes = await Promise.all(
      [0, 1, 2, 3].map((i) => startNode(join(tmp.path, `n${i}`), registry.info.listen[0], FAST)),
    )
    await replicasCommitting(nodes)
  })
  after(async () => {
    await stopAll()
    await tmp.remove()
  })

  it('[0.1.2] [0.1.5] 1,000 nicks through different members commit, one owner each, identical state everywhere', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `user-${i}`)
    let next = 0
    const results: { status: number; body: any }[] = []
    await Promise.all(
      Array.from({ length: 40 }, async (_, w) => {
        while (next < names.length) {
          const i = next++
          results[i] = await register(nodes[(i + w) % 4].info.admin, names[i])
        }
      }),
    )
    const refused = results.filter((r) => r.status !== 200)
    assert.deepEqual(refused.slice(0, 3), [], `${refused.length} refused`)
    const userIds = new Set(results.map((r) => r.body.userNodeId))
    assert.equal(userIds.size, 1000, 'every user NodeID is distinct')

    // The same nick through two members at once: one owner, the other committed as rejected.
    const [a, b] = await Promise.all([
      register(nodes[0].info.admin, 'Contested'),
      register(nodes[1].info.admin, 'contested'),
    ])
    assert.deepEqual([a.status, b.status].sort(), [200, 409])
    const loser = a.status === 409 ? a : b
    assert.equal(loser.body.reason, 'nick-taken')
    const winner = a.status === 200 ? a : b

    // Every member holds the same registry: the same root at the same height, the same binding.
    const height = Math.max(winner.body.height, loser.body.height)
    const roots = await eventually('every member past the contested height', async () => {
      const r = await Promise.all(nodes.map((n) => rootAt(n.info.admin, height)))
      return r.every((x) => x !== null) && r
    })
    assert.ok(
      roots.every((r) => r === roots[0]),
      JSON.stringify(roots),
    )
    const { stdout } = await run(process.execPath, [
      BIN,
      'nick',
      'show',
      'CONTESTED',
      '--admin',
      nodes[3].info.admin,
    ])
    assert.match(stdout, new RegExp(`user NodeID ${winner.body.userNodeId}`))
    const shown = await Promise.all(
      nodes.map(
        async (n) => (await (await fetch(`http://${n.info.admin}/nick?name=user-7`)).json()).userNodeId,
      ),
    )
    assert.ok(shown.every((id) => id === results[7].body.userNodeId))
    const bad = await register(nodes[2].info.admin, 'no.dots')
    assert.deepEqual([bad.status, bad.body.reason], [409, 'bad-nick'])
  })

  it('[0.1.2] POST /nicks: requests signed by the client commit with their receipts; bad input is a 400', async () => {
    const admin = nodes[1].info.admin
    const replica = (await status(admin)).cluster.replica
    const request = (nick: string, home = replica.home) => {
      const user = new Signer(ed25519Generate())
      const r = signNickRequest({
        chainId: fromHex(replica.chainId),
        user,
        agreementKey: x25519Generate().publicKey,
        home: fromHex(home),
        nick,
      })
      const b64 = toB64u
      return {
        nick: r.nick,
        signingKey: b64(r.signingKey),
        agreementKey: b64(r.agreementKey),
        seq: r.seq,
        userSignature: b64(r.userSignature),
      }
    }
    const post = async (body: unknown) => {
      const res = await fetch(`http://${admin}/nicks`, { method: 'POST', body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as any }
    }
    const otherHome = (await status(nodes[2].info.admin)).cluster.replica.home
    const { status: code, body } = await post({
      requests: [
        request('Batch-1'),
        request('batch-2'),
        request('batch-3', otherHome),
        request('twin'),
        request('twin'),
      ],
    })
    assert.equal(code, 200, JSON.stringify(body))
    const got = body.results.map((r: any) => [r.nick, r.accepted, r.reason])
    assert.deepEqual(got.slice(0, 3), [
      ['batch-1', true, null],
      ['batch-2', true, null],
      ['batch-3', false, 'bad-user-signature'],
    ])
    assert.deepEqual(got.slice(3).sort(), [
      ['twin', false, 'nick-taken'],
      ['twin', true, null],
    ])
    assert.match(body.results[0].userNodeId, /^[0-9a-f]{64}$/)
    assert.equal(body.results[2].height, null, 'refused before consensus')
    // Another replica applies the block on its own time: read it once it has.
    const shown = await eventually('another member to hold batch-2', async () => {
      const r = await (await fetch(`http://${nodes[3].info.admin}/nick?name=batch-2`)).json()
      return r.registered === true && r
    })
    assert.equal(shown.userNodeId, body.results[1].userNodeId)

    const bad = await post({ requests: [{ ...request('short-key'), signingKey: 'AAAA' }] })
    assert.deepEqual(bad, {
      status: 400,
      body: { error: 'requests[0].signingKey must be 32 bytes of unpadded base64url' },
    })
    assert.equal((await post({ requests: [] })).status, 400)
    assert.equal((await post({ requests: Array.from({ length: 1001 }, () => ({})) })).status, 400)
  })

  it('[0.1.2] with one member killed, registrations still commit', async () => {
    await nodes[3].kill()
    const r = await register(nodes[0].info.admin, 'after-a-crash')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const { stdout } = await run(process.execPath, [
      BIN,
      'nick',
      'register',
      'and-another',
      '--admin',
      nodes[1].info.admin,
    ])
    assert.match(stdout, /^and-another: registered at height \d+, user NodeID [0-9a-f]{64}$/m)
  })
})
