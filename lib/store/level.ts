import { Level } from 'level'
import { StoreError } from '../errors.js'
import { type BatchOp, checkSublevelName, type RangeOptions, type Store, type WriteOptions } from './types.js'

type Db = {
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, options?: object): Promise<void>
  del(key: string, options?: object): Promise<void>
  batch(ops: any[], options?: object): Promise<void>
  iterator(options?: object): AsyncIterable<[string, Uint8Array]>
  sublevel(name: string, options: object): Db
}

const ENCODINGS = { keyEncoding: 'utf8', valueEncoding: 'view' } as const

/** An abstract-level sublevel: its root database and its full key prefix (utf8). */
type SublevelDb = Db & { db?: Db; prefix?: string }

class LevelSub implements Store {
  constructor(
    protected readonly db: Db,
    private readonly root: LevelStore,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) ?? undefined
  }

  put(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<void> {
    return this.db.put(key, value, { sync: options.sync === true })
  }

  del(key: string, options: WriteOptions = {}): Promise<void> {
    return this.db.del(key, { sync: options.sync === true })
  }

  batch(ops: BatchOp[], options: WriteOptions = {}): Promise<void> {
    const root = (this.db as SublevelDb).db
    const prefix = (this.db as SublevelDb).prefix
    if (root === undefined || prefix === undefined) return this.db.batch(ops, { sync: options.sync === true })
    // Straight to the root database with the sublevel's prefix: each level of sublevels would
    // otherwise clone, check and re-encode every operation once more on its way down.
    const prefixed = ops.map((op) =>
      op.type === 'put'
        ? { type: 'put', key: prefix + op.key, value: op.value }
        : { type: 'del', key: prefix + op.key },
    )
    return root.batch(prefixed, { sync: options.sync === true })
  }

  async *entries(range: RangeOptions = {}): AsyncIterable<[string, Uint8Array]> {
    yield* this.db.iterator({ ...range, limit: range.limit ?? -1 })
  }

  sublevel(name: string): Store {
    checkSublevelName(name)
    return new LevelSub(this.db.sublevel(name, ENCODINGS), this.root)
  }

  close(): Promise<void> {
    return this.root.close()
  }
}

/** LevelDB (classic-level) on disk. One process may hold a directory at a time. */
export class LevelStore extends LevelSub {
  readonly #level: Level<string, Uint8Array>

  private constructor(level: Level<string, Uint8Array>) {
    super(level as unknown as Db, undefined as unknown as LevelStore)
    this.#level = level
  }

  static async open(path: string): Promise<LevelStore> {
    const level = new Level<string, Uint8Array>(path, ENCODINGS)
    try {
      await level.open()
    } catch (err: any) {
      const cause = err.cause ?? err
      const locked = /lock/i.test(String(cause?.message ?? ''))
      throw new StoreError(
        locked
          ? `store ${path} is in use by another process (is a node already running on this data directory?)`
          : `cannot open store ${path}: ${cause?.message ?? err.message}`,
        { cause: err },
      )
    }
    return new LevelStore(level)
  }

  override sublevel(name: string): Store {
    checkSublevelName(name)
    return new LevelSub(this.db.sublevel(name, ENCODINGS), this)
  }

  override async close(): Promise<void> {
    if (this.#level.status === 'open' || this.#level.status === 'opening') await this.#level.close()
  }
}
