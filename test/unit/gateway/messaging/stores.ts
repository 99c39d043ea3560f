/** Both Store implementations, for suites that must hold on each, plus a batch-recording wrapper. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  LevelStore,
  MemoryStore,
  type BatchOp,
  type Store,
  type WriteOptions,
} from '../../../../lib/store/index.js'

export interface StoreKind {
  name: string
  /** A fresh store and a way to reopen it as after a restart (closing the first). */
  open(): Promise<{ store: Store; reopen(): Promise<Store>; cleanup(): Promise<void> }>
}

export const STORE_KINDS: StoreKind[] = [
  {
    name: 'MemoryStore',
    async open() {
      const data = new Map<string, Uint8Array>()
      return {
        store: new MemoryStore(data),
        reopen: async () => new MemoryStore(data),
        cleanup: async () => {},
      }
    },
  },
  {
    name: 'LevelStore',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'xl-msg-'))
      let store = await LevelStore.open(dir)
      return {
        store,
        reopen: async () => {
          await store.close()
          store = await LevelStore.open(dir)
          return store
        },
        cleanup: async () => {
          await store.close()
          await rm(dir, { recursive: true, force: true })
        },
      }
    },
  },
]

/** Records every batch (its size and sync flag) a store receives. */
export function recording(inner: Store): Store & { batches: { size: number; sync: boolean }[] } {
  const batches: { size: number; sync: boolean }[] = []
  return {
    batches,
    get: (k) => inner.get(k),
    put: (k, v, o) => inner.put(k, v, o),
    del: (k, o) => inner.del(k, o),
    batch: (ops: BatchOp[], o?: WriteOptions) => {
      batches.push({ size: ops.length, sync: o?.sync === true })
      return inner.batch(ops, o)
    },
    entries: (r) => inner.entries(r),
    sublevel: (n) => inner.sublevel(n),
    close: () => inner.close(),
  }
}
