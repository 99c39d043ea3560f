import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StoreError } from '../../../../lib/errors.js'
import { LevelStore, MemoryStore } from '../../../../lib/store/index.js'
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
})
