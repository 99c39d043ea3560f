import assert from 'node:assert/strict'
import { randomBytes, Signer, ed25519Generate } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import { MemoryStore } from '../../../../lib/store/index.js'
import { issueCertificate } from '../../../../gateway/registry/certificate.js'
import { NodeTable } from '../../../../gateway/registry/state.js'

const issuer = new Signer(ed25519Generate())

function bindOne(table: NodeTable, nodeId: Uint8Array, lastSeen: number) {
  const sig = ed25519Generate().publicKey
  const comms = randomBytes(32)
  const certificate = issueCertificate(issuer, {
    nodeId,
    sigPublicKey: sig,
    commsPublicKey: comms,
    issuedAt: 0,
  })
  const op = table.claimNonce(randomBytes(16), lastSeen)
  assert.ok(op)
  return table.bind(
    {
      nodeId,
      sigPublicKey: sig,
      commsPublicKey: comms,
      certificate,
      peerRecord: new Uint8Array([1]),
      peerRecordSeq: 0n,
      lastSeen,
    },
    op,
  )
}

describe('gateway/registry/state NodeTable', () => {
  it('[0.0.3] closestLive: k nearest by XOR, excluding the caller and nodes past the TTL', async () => {
    const table = await NodeTable.open(new MemoryStore(), 600_000, 1_000_000)
    const id = (b: number) => new Uint8Array(32).fill(0).map((_, i) => (i === 31 ? b : 0))
    const now = 1_000_000
    for (const b of [0b0001, 0b0010, 0b0011, 0b1000, 0b1100]) bindOne(table, id(b), now)
    bindOne(table, id(0b0111), now - 31_000) // dead: silent past a 30 s TTL
    const self = id(0b0001)
    const got = table.closestLive(self, 3, 30_000, now).map((b) => b.nodeId[31])
    // XOR distances from 0001: 0011->0010, 0010->0011, 1000->1001, 1100->1101; 0111 is dead.
    assert.deepEqual(got, [0b0011, 0b0010, 0b1000])
    assert.equal(table.closestLive(self, 10, 30_000, now).length, 4)
  })

  it('[0.0.2] nonces are refused twice, persisted across a reopen, and pruned after the retention', async () => {
    const store = new MemoryStore()
    const t0 = 5_000_000
    const table = await NodeTable.open(store, 600_000, t0)
    const nonce = randomBytes(16)
    const op = table.claimNonce(nonce, t0)
    assert.ok(op)
    assert.equal(table.claimNonce(nonce, t0), false)
    await table.persistNonce(op)
    const reopened = await NodeTable.open(store, 600_000, t0 + 1000)
    assert.equal(reopened.claimNonce(nonce, t0 + 1000), false, 'remembered after restart')
    await reopened.pruneNonces(600_000, t0 + 700_000)
    const later = await NodeTable.open(store, 600_000, t0 + 700_000)
    assert.ok(
      later.claimNonce(nonce, t0 + 700_000),
      'forgotten once it could no longer pass the timestamp check',
    )
  })

  it('[0.0.2] bindings persist and are found by key and by NodeID after a reopen', async () => {
    const store = new MemoryStore()
    const table = await NodeTable.open(store, 600_000)
    const nodeId = randomBytes(32)
    const b = bindOne(table, nodeId, Date.now())
    await b.durable
    const reopened = await NodeTable.open(store, 600_000)
    assert.equal(reopened.size, 1)
    assert.equal(toHex(reopened.byKey(b.sigPublicKey)!.nodeId), toHex(nodeId))
    assert.ok(reopened.byId(nodeId))
  })
})
