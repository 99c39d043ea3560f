import { type BatchOp, checkSublevelName, type RangeOptions, type Store } from './types.js'

/**
 * An in-memory Store for pure-core tests and the simulator. Same semantics as LevelStore
 * (sorted keys, atomic batches, sublevels as disjoint key spaces); `sync` is a no-op.
 */
export class MemoryStore implements Store {
  readonly #data: Map<string, Uint8Array>
  readonly #prefix: string

  constructor(data: Map<string, Uint8Array> = new Map(), prefix = '') {
    this.#data = data
    this.#prefix = prefix
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.#data.get(this.#prefix + key)
    return v === undefined ? undefined : v.slice()
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#data.set(this.#prefix + key, value.slice())
  }

  async del(key: string): Promise<void> {
    this.#data.delete(this.#prefix + key)
  }

  async batch(ops: BatchOp[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.#data.set(this.#prefix + op.key, op.value.slice())
      else this.#data.delete(this.#prefix + op.key)
    }
  }

  async *entries(range: RangeOptions = {}): AsyncIterable<[string, Uint8Array]> {
    const p = this.#prefix
    const keys = [...this.#data.keys()]
      .filter((k) => k.startsWith(p) && !k.slice(p.length).startsWith('!'))
      .map((k) => k.slice(p.length))
      .filter(
        (k) =>
          (range.gt === undefined || k > range.gt) &&
          (range.gte === undefined || k >= range.gte) &&
          (range.lt === undefined || k < range.lt) &&
          (range.lte === undefined || k <= range.lte),
      )
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    if (range.reverse === true) keys.reverse()
    const limit = range.limit ?? -1
    const selected = limit >= 0 ? keys.slice(0, limit) : keys
    for (const k of selected) {
      const v = this.#data.get(p + k)
      if (v !== undefined) yield [k, v.slice()]
    }
  }

  sublevel(name: string): Store {
    checkSublevelName(name)
    return new MemoryStore(this.#data, `${this.#prefix}!${name}!`)
  }

  async close(): Promise<void> {}
}
