import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StoreError } from '../../../../lib/errors.js'
import { type BatchOp, LevelStore, MemoryStore } from '../../../../lib/store/index.js'
import { storeCompliance } from './compliance.js'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

storeCompliance('LevelStore (LevelDB on disk)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xl-store-'))
  dirs.push(dir)
  return { store: await LevelStore.open(dir), reopen: () => LevelStore.open(dir) }
})

storeCompliance('MemoryStore', async () => ({ store: new MemoryStore() }))

describe('LevelStore', () => {
  it('a second process-level open of one directory is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xl-store-'))
    dirs.push(dir)
    const first = await LevelStore.open(dir)
    try {
      await assert.rejects(
        LevelStore.open(dir),
        (err: Error) => err instanceof StoreError && /in use/.test(err.message),
      )
    } finally {
      await first.close()
    }
  })

  // Batches go to classic-level's own batch() under abstract-level's checks (lib/store/level.ts).
  it('a batch keeps its checks: non-byte values and closed stores are errors, nothing half-written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xl-store-'))
    dirs.push(dir)
    const store = await LevelStore.open(dir)
    const sub = store.sublevel('s')
    const bad = [
      { type: 'put', key: 'first', value: new Uint8Array([1]) },
      { type: 'put', key: 'second', value: 'not bytes' },
    ] as unknown as BatchOp[]
    await assert.rejects(sub.batch(bad), TypeError)
    assert.equal(await sub.get('first'), undefined)
    // Keys are utf8 on both paths: a batched key is found by get() and by entries().
    await sub.batch([{ type: 'put', key: 'clé/ü/✓', value: new Uint8Array([7]) }])
    assert.deepEqual([...((await sub.get('clé/ü/✓')) ?? [])], [7])
    const keys: string[] = []
    for await (const [k] of sub.entries()) keys.push(k)
    assert.deepEqual(keys, ['clé/ü/✓'])
    await store.close()
    await assert.rejects(sub.batch([{ type: 'put', key: 'late', value: new Uint8Array([1]) }]))
  })
})
