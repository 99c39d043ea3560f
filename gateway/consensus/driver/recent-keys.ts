/**
 * The mempool's memory of committed operations: the last `capacity` operation hashes with the
 * height each was committed at, the oldest forgotten first. A `Map<string, number>` of hex keys
 * cost ~115 bytes an entry on V8's heap (a 64-character string, the entry, the table), 11 MiB
 * at the default 100,000, which a registry member kept for as long as it ran; here an entry is
 * its 32 hash bytes, its height and two 4-byte table slots, outside the heap (~48 bytes).
 *
 * Entries sit in a ring in arrival order; an open-addressing table (linear probing, at most
 * half full) maps a hash to its ring position. Removal shifts later entries of the probe run
 * back instead of leaving tombstones (Knuth, TAOCP vol. 3, 6.4, Algorithm R), so the table
 * never fills with dead slots however long the ring turns. The hashes are SHA-256 digests, so
 * their first four bytes are already uniform: they are the table hash.
 */

export class RecentKeys {
  readonly #capacity: number
  readonly #keys: Uint8Array
  readonly #heights: Float64Array
  /** Ring position + 1 of the entry in each slot; 0 is empty. */
  readonly #slots: Int32Array
  readonly #mask: number
  /** Ring position of the oldest entry, and how many there are. */
  #head = 0
  #size = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer')
    this.#capacity = capacity
    this.#keys = new Uint8Array(capacity * 32)
    this.#heights = new Float64Array(capacity)
    let slots = 2
    while (slots < capacity * 2) slots *= 2
    this.#slots = new Int32Array(slots)
    this.#mask = slots - 1
  }

  get size(): number {
    return this.#size
  }

  /** The height `hash` (32 bytes) was committed at, if it is among the remembered. */
  get(hash: Uint8Array): number | undefined {
    const slot = this.#find(hash)
    return slot < 0 ? undefined : this.#heights[this.#slots[slot] - 1]
  }

  /** Remembers `hash` at `height` unless it is already remembered; forgets the oldest when full. */
  add(hash: Uint8Array, height: number): void {
    if (hash.length !== 32) throw new RangeError('a 32-byte hash')
    if (this.#find(hash) >= 0) return
    if (this.#size === this.#capacity) this.#dropOldest()
    const at = (this.#head + this.#size) % this.#capacity
    this.#keys.set(hash, at * 32)
    this.#heights[at] = height
    this.#size++
    let slot = this.#home(this.#keys, at * 32)
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask
    this.#slots[slot] = at + 1
  }

  #home(bytes: Uint8Array, offset: number): number {
    return (
      ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) &
      this.#mask
    )
  }

  #find(hash: Uint8Array): number {
    if (hash.length !== 32) return -1
    for (let slot = this.#home(hash, 0); ; slot = (slot + 1) & this.#mask) {
      const entry = this.#slots[slot]
      if (entry === 0) return -1
      if (this.#equals(entry - 1, hash)) return slot
    }
  }

  #equals(at: number, hash: Uint8Array): boolean {
    const o = at * 32
    for (let i = 0; i < 32; i++) if (this.#keys[o + i] !== hash[i]) return false
    return true
  }

  #dropOldest(): void {
    const at = this.#head
    let slot = this.#home(this.#keys, at * 32)
    while (this.#slots[slot] !== at + 1) slot = (slot + 1) & this.#mask
    this.#head = (this.#head + 1) % this.#capacity
    this.#size--
    // Algorithm R: move back every later entry of the run whose home does not lie cyclically
    // in (hole, its slot], so each stays reachable from its home without a tombstone.
    let hole = slot
    for (let next = (hole + 1) & this.#mask; this.#slots[next] !== 0; next = (next + 1) & this.#mask) {
      const home = this.#home(this.#keys, (this.#slots[next] - 1) * 32)
      const reachable = hole <= next ? home > hole && home <= next : home > hole || home <= next
      if (reachable) continue
      this.#slots[hole] = this.#slots[next]
      hole = next
    }
    this.#slots[hole] = 0
  }
}
