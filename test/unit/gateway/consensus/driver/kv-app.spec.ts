import assert from 'node:assert/strict'
import { toHex } from '../../../../../lib/encoding.js'
import { MemoryStore } from '../../../../../lib/store/index.js'
import { decodePut, KvApp, putOp } from '../../../../../gateway/consensus/driver/index.js'
import { type CommitRecord, encodeCertificate } from '../../../../../gateway/consensus/index.js'
import { buildBlock, CHAIN, certificate, setOf, signers } from '../fixtures.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const keys = signers(4, 'kv')
const set = setOf(keys)

function commit(app: KvApp, height: number, operations: Uint8Array[]): CommitRecord {
  const b = buildBlock({ set, height, round: 0, operations, stateRoot: app.root })
  const cert = certificate(keys, [0, 1, 2], height, 0, b.hash)
  return {
    height,
    block: b.block,
    blockHash: b.hash,
    blockBytes: b.bytes,
    certificate: cert,
    certificateBytes: encodeCertificate(cert),
    validators: set,
    nextValidators: set,
  }
}

describe('consensus driver: key-value application', () => {
  it('encodes puts and tells them from opaque operations', () => {
    const op = putOp(utf8('name'), utf8('value'))
    assert.deepEqual(decodePut(op), { key: utf8('name'), value: utf8('value') })
    const app = new KvApp(new MemoryStore(), { chainId: CHAIN })
    assert.equal(app.checkOperation(op), true)
    assert.equal(app.checkOperation(new Uint8Array([0, 1, 2])), true, 'opaque log entry')
    assert.equal(app.checkOperation(new Uint8Array([1, 0, 0])), false, 'empty key')
    assert.equal(app.checkOperation(new Uint8Array([1, 0, 9, 1])), false, 'key longer than the op')
    assert.equal(app.checkOperation(new Uint8Array([2, 1])), false, 'malformed membership change')
    assert.equal(app.checkOperation(new Uint8Array()), false)
  })

  it('chains state roots deterministically and persists state with the commit batch', async () => {
    const a = new MemoryStore()
    const b = new MemoryStore()
    const appA = new KvApp(a, { chainId: CHAIN })
    const appB = new KvApp(b, { chainId: CHAIN })
    for (let h = 1; h <= 3; h++) {
      const ops = [putOp(utf8(`k${h}`), utf8(`v${h}`)), new Uint8Array([0, h])]
      await a.batch(appA.apply(commit(appA, h, ops)))
      await b.batch(appB.apply(commit(appB, h, ops)))
    }
    assert.equal(toHex(appA.root), toHex(appB.root))
    assert.deepEqual(await appA.get(utf8('k2')), utf8('v2'))
    const reloaded = new KvApp(a, { chainId: CHAIN })
    await reloaded.load()
    assert.equal(reloaded.height, 3)
    assert.equal(toHex(reloaded.root), toHex(appA.root))
    assert.equal(toHex((await appA.rootAt(2))!), toHex(appA.stateRoot(2)))
    assert.throws(() => appA.apply(commit(appA, 5, [])), /applying block 5 after 3/)
  })

  it('rejects a block that names another state root or carries a malformed operation', () => {
    const app = new KvApp(new MemoryStore(), { chainId: CHAIN })
    const good = buildBlock({ set, height: 1, round: 0, stateRoot: app.stateRoot(0) })
    assert.equal(app.validateBlock(good.block), true)
    assert.equal(app.validateBlock(buildBlock({ set, height: 1, round: 0 }).block), false)
    const bad = buildBlock({
      set,
      height: 1,
      round: 0,
      stateRoot: app.stateRoot(0),
      operations: [new Uint8Array([1, 0, 0])],
    })
    assert.equal(app.validateBlock(bad.block), false)
  })
})
