/** `/xlattice/node/<NodeID>` DHT records: what the kad-dht validator accepts and which record the selector keeps. */
import assert from 'node:assert/strict'
import {
  encodeNodeRecord,
  nodeRecordKey,
  nodeRecordSelector,
  nodeRecordValidator,
  openNodeRecord,
} from '../../../../gateway/node/records.js'
import { sealPeerRecord } from '../../../../gateway/registry/peer-record.js'
import { issuer, testNode } from '../messaging/fixtures.js'

describe('gateway/node DHT node records', () => {
  it('a record validates under its own NodeID key; it names the peer and its addresses', async () => {
    const by = issuer()
    const n = await testNode(by)
    const record = encodeNodeRecord(
      n.self.certificate,
      await sealPeerRecord(n.privateKey, ['/ip4/127.0.0.1/tcp/4100']),
    )
    const validate = nodeRecordValidator([by.publicKey])
    await validate(nodeRecordKey(n.self.nodeId), record)
    const opened = await openNodeRecord(record, [by.publicKey], n.self.nodeId)
    assert.equal(
      opened.peerId,
      (await import('@libp2p/peer-id')).peerIdFromPrivateKey(n.privateKey).toString(),
    )
    assert.deepEqual(opened.addrs, ['/ip4/127.0.0.1/tcp/4100'])
    assert.equal(new TextDecoder().decode(nodeRecordKey(n.self.nodeId)), `/xlattice/node/${n.self.nodeId}`)
  })

  it('refuses records under another NodeID, from an untrusted issuer, with a peer record by another key, or junk', async () => {
    const by = issuer()
    const n = await testNode(by)
    const other = await testNode(by)
    const validate = nodeRecordValidator([by.publicKey])
    const good = encodeNodeRecord(n.self.certificate, await sealPeerRecord(n.privateKey, []))
    await assert.rejects(validate(nodeRecordKey(other.self.nodeId), good), /another NodeID/)
    await assert.rejects(validate(new TextEncoder().encode('/xlattice/node/zz'), good), /not a NodeID/)
    await assert.rejects(
      validate(new TextEncoder().encode('/xlattice/other/x'), good),
      /unknown xlattice record/,
    )
    const outsider = await testNode(issuer())
    await assert.rejects(
      validate(
        nodeRecordKey(outsider.self.nodeId),
        encodeNodeRecord(outsider.self.certificate, await sealPeerRecord(outsider.privateKey, [])),
      ),
      /issuer is not trusted/,
    )
    // Someone else's certificate with the attacker's own peer record: the record is not by the certified key.
    await assert.rejects(
      validate(
        nodeRecordKey(n.self.nodeId),
        encodeNodeRecord(n.self.certificate, await sealPeerRecord(other.privateKey, [])),
      ),
      /different key/,
    )
    await assert.rejects(validate(nodeRecordKey(n.self.nodeId), new Uint8Array([1, 2, 3])), /malformed/)
    await assert.rejects(validate(nodeRecordKey(n.self.nodeId), new Uint8Array(5000)), /too large/)
  })

  it('the selector keeps the newest peer record, so an old record replayed cannot win', async () => {
    const by = issuer()
    const n = await testNode(by)
    const older = encodeNodeRecord(
      n.self.certificate,
      await sealPeerRecord(n.privateKey, ['/ip4/127.0.0.1/tcp/1'], 100n),
    )
    const newer = encodeNodeRecord(
      n.self.certificate,
      await sealPeerRecord(n.privateKey, ['/ip4/127.0.0.1/tcp/2'], 200n),
    )
    const key = nodeRecordKey(n.self.nodeId)
    assert.equal(nodeRecordSelector(key, [older, newer]), 1)
    assert.equal(nodeRecordSelector(key, [newer, older]), 0)
    assert.equal(nodeRecordSelector(key, [new Uint8Array([9]), older]), 1)
  })
})
