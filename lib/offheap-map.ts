/**
 * A map from byte strings to byte strings held outside V8's heap: records packed in 1 MiB
 * chunks of bytes, found through an open-addressing table of offsets. For state that grows with its
 * users (a registry's 100,000 entries), where a `Map<string, string>` costs three to four times
 * its contents once V8's object headers, hash table and heap growth are counted, and every
 * full garbage collection walks it. Here an entry costs its bytes plus 3 and a slot of 4, and
 * the collector sees one object.
 *
 * Keys and values are "binary" strings: every character is a byte (U+0000..U+00FF), as
 * `Buffer.toString('latin1')` makes them; keys up to 255 bytes, values up to 65,535. Anything
 * else is a RangeError, never a silently different key. Offsets are 31-bit: at most 2 GiB of
 * records per map (some 12 million nick entries).
 *
 * Record at offset o: `u8 key length || key || u16 value length (big-endian) || value`, in chunk
 * o >> 20 (a record never straddles two). A value of the same length is overwritten in place;
 * otherwise the record is appended and the old one counted dead, and the records are copied to
 * fresh chunks once more than half of their bytes (and over 1 MiB) are dead. Chunks are never
 * grown by copying, so no dead copy waits for the collector.
 * Slots: 0 empty, -1 deleted, else offset + 1. Linear probing over a power-of-two table kept at
 * most three quarters full (deleted slots included). References: Knuth, TAOCP vol. 3, 6.4
 * (open addressing with linear probing); FNV-1a (Fowler, Noll, Vo) for the key hash.
 */

const MIN_SLOTS = 1024
/** Records live in chunks of 1 MiB, never moved while live; none straddles two. */
const CHUNK_SHIFT = 20
const CHUNK = 1 << CHUNK_SHIFT
const IN_CHUNK = CHUNK - 1
const EMPTY = 0
const DELETED = -1
const COMPACT_AFTER = 1 << 20
/** Any character above U+00FF (astral ones show as surrogates, which are too). */
const NOT_BYTES = /[\u0100-\uffff]/

function fnv1a(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export class OffHeapMap {
  readonly #chunks: Buffer[] = []
  /** Where the next record goes (a global offset). */
  #end = 0
  #dead = 0
  #slots = new Int32Array(MIN_SLOTS)
  #count = 0
  #deleted = 0

  get size(): number {
    return this.#count
  }

  /** Bytes of records held, live and dead (with the unused tails of full chunks). */
  get arenaBytes(): number {
    return this.#end
  }

  has(key: string): boolean {
    return this.#slots[this.#find(key)] > 0
  }

  get(key: string): string | undefined {
    const s = this.#slots[this.#find(key)]
    return s <= 0 ? undefined : this.#valueAt(s - 1)
  }

  set(key: string, value: string): void {
    if (key.length > 255 || NOT_BYTES.test(key))
      throw new RangeError('keys are byte strings of at most 255 bytes')
    if (value.length > 0xffff || NOT_BYTES.test(value))
      throw new RangeError('values are byte strings of at most 65,535 bytes')
    const i = this.#find(key)
    const s = this.#slots[i]
    if (s > 0) {
      const c = this.#chunks[(s - 1) >>> CHUNK_SHIFT]
      const at = ((s - 1) & IN_CHUNK) + 1 + key.length
      const old = c.readUInt16BE(at)
      if (old === value.length) {
        c.write(value, at + 2, 'latin1')
        return
      }
      this.#dead += 3 + key.length + old
      this.#slots[i] = this.#append(key, value) + 1
      this.#maybeCompact()
      return
    }
    // The first deleted slot on the probe path takes it, else the empty one that ended it.
    const free = this.#firstFree(key)
    if (this.#slots[free] === DELETED) this.#deleted--
    this.#slots[free] = this.#append(key, value) + 1
    this.#count++
    if ((this.#count + this.#deleted) * 4 > this.#slots.length * 3) this.#rehash()
  }

  delete(key: string): boolean {
    const i = this.#find(key)
    const s = this.#slots[i]
    if (s <= 0) return false
    this.#dead += this.#recordBytes(s - 1)
    this.#slots[i] = DELETED
    this.#count--
    this.#deleted++
    this.#maybeCompact()
    return true
  }

  /** Every key and value, in no particular order. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#slots.length; i++) {
      const s = this.#slots[i]
      if (s > 0) yield [this.#keyOf(s - 1), this.#valueAt(s - 1)]
    }
  }

  /** The slot holding key, or the empty slot that ends its probe path. */
  #find(key: string): number {
    const slots = this.#slots
    const mask = slots.length - 1
    for (let i = fnv1a(key) & mask; ; i = (i + 1) & mask) {
      const s = slots[i]
      if (s === EMPTY) return i
      if (s > 0 && this.#keyAt(s - 1, key)) return i
    }
  }

  #firstFree(key: string): number {
    const slots = this.#slots
    const mask = slots.length - 1
    for (let i = fnv1a(key) & mask; ; i = (i + 1) & mask) if (slots[i] <= 0) return i
  }

  #keyAt(o: number, key: string): boolean {
    const c = this.#chunks[o >>> CHUNK_SHIFT]
    const at = o & IN_CHUNK
    if (c[at] !== key.length) return false
    for (let i = 0; i < key.length; i++) if (c[at + 1 + i] !== key.charCodeAt(i)) return false
    return true
  }

  #keyOf(o: number): string {
    const c = this.#chunks[o >>> CHUNK_SHIFT]
    const at = o & IN_CHUNK
    return c.toString('latin1', at + 1, at + 1 + c[at])
  }

  #valueAt(o: number): string {
    const c = this.#chunks[o >>> CHUNK_SHIFT]
    const at = (o & IN_CHUNK) + 1 + c[o & IN_CHUNK]
    return c.toString('latin1', at + 2, at + 2 + c.readUInt16BE(at))
  }

  #recordBytes(o: number): number {
    const c = this.#chunks[o >>> CHUNK_SHIFT]
    const kl = c[o & IN_CHUNK]
    return 3 + kl + c.readUInt16BE((o & IN_CHUNK) + 1 + kl)
  }

  /** Writes a record at the end (in a new chunk when it does not fit this one's rest); its offset. */
  #append(key: string, value: string): number {
    const size = 3 + key.length + value.length
    let o = this.#end
    if (o >>> CHUNK_SHIFT === this.#chunks.length || (o & IN_CHUNK) + size > CHUNK) {
      // The rest of this chunk stays unused (at most one largest record's worth).
      o = this.#chunks.length * CHUNK
      if (o + size >= 2 ** 31) throw new RangeError('an off-heap map holds at most 2 GiB of records')
      this.#chunks.push(Buffer.alloc(CHUNK))
    }
    const c = this.#chunks[o >>> CHUNK_SHIFT]
    const at = o & IN_CHUNK
    c[at] = key.length
    c.write(key, at + 1, 'latin1')
    c.writeUInt16BE(value.length, at + 1 + key.length)
    c.write(value, at + 3 + key.length, 'latin1')
    this.#end = o + size
    return o
  }

  /** A table sized for the live entries, without deleted slots. */
  #rehash(): void {
    let size = MIN_SLOTS
    while (this.#count * 2 > size) size *= 2
    const old = this.#slots
    this.#slots = new Int32Array(size)
    this.#deleted = 0
    const mask = size - 1
    for (const s of old) {
      if (s <= 0) continue
      let i = fnv1a(this.#keyOf(s - 1)) & mask
      while (this.#slots[i] !== EMPTY) i = (i + 1) & mask
      this.#slots[i] = s
    }
  }

  /** Once most bytes are dead: the live records copied to fresh chunks, offsets updated. */
  #maybeCompact(): void {
    if (this.#dead < COMPACT_AFTER || this.#dead * 2 < this.#end) return
    const old = this.#chunks.splice(0)
    this.#end = 0
    this.#dead = 0
    const slots = this.#slots
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]
      if (s <= 0) continue
      const c = old[(s - 1) >>> CHUNK_SHIFT]
      const at = (s - 1) & IN_CHUNK
      const key = c.toString('latin1', at + 1, at + 1 + c[at])
      const vat = at + 1 + c[at]
      slots[i] = this.#append(key, c.toString('latin1', vat + 2, vat + 2 + c.readUInt16BE(vat))) + 1
    }
  }
}
