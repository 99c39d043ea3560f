/**
 * The server update a member builds from the chain when a committed membership change was never
 * recorded (gateway/cluster/replace-record.ts): pure, no servers.
 */
import assert from 'node:assert/strict'
import { chainSetUpdate } from '../../../../gateway/cluster/replace-record.js'
import { genesisSet } from '../../../../gateway/cluster/replica.js'
import {
  type ClusterBinding,
  type ClusterMember,
  UpdateClusterMembers,
} from '../../../../gateway/registry/registry.pb.js'
import { randomBytes } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'

function member(): ClusterMember {
  return { nodeId: randomBytes(32), sigPublicKey: randomBytes(32) }
}

describe('recording the chain’s set at the server', () => {
  const old = [member(), member(), member(), member()]
  const binding: ClusterBinding = {
    clusterId: randomBytes(32),
    name: 'c',
    genesis: old,
    registeredAt: 1n,
    version: 3n,
    members: old,
    updatedAt: 2n,
    issuer: randomBytes(32),
  }
  const newcomer = member()
  const chain = genesisSet([...old.slice(0, 3), newcomer])

  it('[0.1.7] keeps the NodeIDs of the members that stay and takes the newcomer’s from the keep-alive table', () => {
    const body = chainSetUpdate(binding, chain, 3, (key) =>
      toHex(key) === toHex(newcomer.sigPublicKey) ? newcomer.nodeId : undefined,
    )
    assert.ok(body instanceof Uint8Array, String(body))
    const update = UpdateClusterMembers.decode(body)
    assert.equal(update.previousVersion, 3n)
    assert.deepEqual(update.clusterId, binding.clusterId)
    const byKey = new Map(update.members.map((m) => [toHex(m.sigPublicKey), toHex(m.nodeId)]))
    for (const m of [...old.slice(0, 3), newcomer])
      assert.equal(byKey.get(toHex(m.sigPublicKey)), toHex(m.nodeId))
    assert.equal(byKey.size, 4, 'the dead member is gone')
    const keys = update.members.map((m) => toHex(m.sigPublicKey))
    assert.deepEqual(keys, [...keys].sort(), 'sorted by signing key, as the server wants')
  })

  it('[0.1.7] says so when a newcomer’s NodeID is not known here', () => {
    const why = chainSetUpdate(binding, chain, 3, () => undefined)
    assert.equal(typeof why, 'string')
    assert.match(why as string, /not known here/)
  })
})
