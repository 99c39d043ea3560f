/**
 * The key-value store every module persists through. Keys are strings (modules choose
 * fixed-width encodings where order matters), values are bytes. `sublevel(name)` gives a
 * module its own key space. `sync: true` means the write reached the disk before the
 * promise resolves: used wherever something is acknowledged to a peer or user.
 */
export interface WriteOptions {
  sync?: boolean
}

export type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

export interface RangeOptions {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  reverse?: boolean
  limit?: number
}

export interface Store {
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, options?: WriteOptions): Promise<void>
  del(key: string, options?: WriteOptions): Promise<void>
  /** Applies all operations atomically. */
  batch(ops: BatchOp[], options?: WriteOptions): Promise<void>
  entries(range?: RangeOptions): AsyncIterable<[string, Uint8Array]>
  sublevel(name: string): Store
  close(): Promise<void>
}

/** Sublevel names are path-like words; separators inside them would alias other key spaces. */
export function checkSublevelName(name: string): void {
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name))
    throw new TypeError(`invalid sublevel name: ${JSON.stringify(name)}`)
}
