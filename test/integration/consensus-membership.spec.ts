/**
 * Membership change between real processes: a fifth `xlattice validator` follows the chain as
 * an observer; the operators of three of the four genesis validators approve adding it (the
 * admin endpoint collects approvals until they reach a quorum, then commits the change); from
 * the next height on it votes, and an outsider holding only the genesis set verifies the change
 * and a later block from what `/consensus/changes` serves.
 */
import assert from 'node:assert/strict'
import { fromHex } from '../../lib/encoding.js'
import { putOp } from '../../gateway/consensus/driver/index.js'
import {
  DEFAULT_LIMITS,
  decodeCertificate,
  decodeHeader,
  decodeValidatorSet,
  verifyCertificateChain,
} from '../../gateway/consensus/index.js'
import { eventually, stopAll, tempDir, xlattice } from '../helpers/procs.js'
import { Cluster, call } from './consensus-cluster.js'

const must = <T>(d: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!d.ok) throw new Error(d.error)
  return d.value
}

describe('consensus: membership change between validator processes', function () {
  this.timeout(120_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let cluster: Cluster
  before(async () => {
    tmp = await tempDir('xl-bft-members-')
    cluster = await Cluster.create(tmp.path, 5, (args, env) => xlattice(args, env), {
      genesis: 4,
      proposeTimeoutMs: 500,
    })
  })
  after(async () => {
    await stopAll()
    await tmp?.remove()
  })

  it('[bft] three approvals add a fifth validator at the next height; an outsider follows the change from genesis', async () => {
    await eventually(
      'the observer to follow the chain',
      async () => ((await cluster.status(4)).lastCommit?.height ?? 0) >= 1,
    )
    assert.equal((await cluster.status(4)).validator, false)

    const validators = cluster.members.map((m) => ({ publicKey: m.publicKey, weight: 1 }))
    let approvals: unknown[] = []
    for (const i of [0, 1]) {
      const r = await call(
        cluster.admin(i),
        'POST',
        '/consensus/membership',
        JSON.stringify({ validators, approvals }),
      )
      assert.equal(r.status, 202, JSON.stringify(r.body))
      approvals = r.body.approvals
    }
    assert.equal(approvals.length, 2)
    const done = await call(
      cluster.admin(2),
      'POST',
      '/consensus/membership',
      JSON.stringify({ validators, approvals }),
    )
    assert.equal(done.status, 200, JSON.stringify(done.body))
    const changedAt: number = done.body.height

    await eventually(
      'the fifth to be a validator',
      async () => (await cluster.status(4)).validator === true,
      30_000,
    )
    // Four of five is the quorum now: with validator 3 gone, nothing commits without the newcomer.
    await cluster.kill(3)
    const r = await call(
      cluster.admin(4),
      'POST',
      '/consensus/submit',
      putOp(new TextEncoder().encode('after'), new Uint8Array([1])),
      'application/octet-stream',
    )
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const at: number = r.body.height
    const block = await eventually('validator 0 to commit it too', async () => {
      const b = await call(cluster.admin(0), 'GET', `/consensus/block?height=${at}`)
      return b.status === 200 && b.body
    })
    const signers = must(decodeCertificate(fromHex(block.certificateHex), DEFAULT_LIMITS)).signatures.length
    assert.ok(signers >= 4, `${signers} precommits`)

    const served = (await call(cluster.admin(4), 'GET', '/consensus/changes')).body
    const genesis = must(decodeValidatorSet(fromHex(served.genesisValidatorsHex), DEFAULT_LIMITS))
    const changes = served.changes.map((c: any) => ({
      header: must(decodeHeader(fromHex(c.headerHex))),
      certificate: must(decodeCertificate(fromHex(c.certificateHex), DEFAULT_LIMITS)),
      nextValidators: must(decodeValidatorSet(fromHex(c.nextValidatorsHex), DEFAULT_LIMITS)),
    }))
    assert.deepEqual(
      changes.map((c: any) => c.header.height),
      [changedAt],
    )
    const target = (await call(cluster.admin(4), 'GET', `/consensus/block?height=${at}`)).body
    const chain = verifyCertificateChain(genesis, changes, {
      header: must(decodeHeader(fromHex(target.headerHex))),
      certificate: must(decodeCertificate(fromHex(target.certificateHex), DEFAULT_LIMITS)),
    })
    assert.ok(chain.ok, chain.ok ? '' : chain.reason)
    assert.equal(chain.validators.validators.length, 5)
    assert.equal(chain.fromHeight, changedAt + 1)
  })
})
