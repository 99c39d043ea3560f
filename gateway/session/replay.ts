/**
 * A sliding anti-replay window over 64-bit counters: the highest counter seen plus a bitmap
 * of the `size` counters below it. Frames may arrive out of order (separate streams) but a
 * counter is accepted at most once, and counters `size` or more below the highest are refused.
 * `check` never changes state; `mark` is called only after the frame authenticated, so a
 * forged frame cannot move the window.
 *
 * References: RFC 6479 (IPsec anti-replay without bit shifting), RFC 4303 §3.4.3.
 */

export type ReplayVerdict = 'fresh' | 'duplicate' | 'too-old'

export class ReplayWindow {
  readonly size: number
  readonly #bits: Uint32Array
  /** Highest counter marked so far; -1 before the first. */
  #top = -1

  constructor(size = 1024) {
    if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) {
      throw new RangeError('replay window size must be a positive multiple of 32')
    }
    this.size = size
    this.#bits = new Uint32Array(size / 32)
  }

  get highest(): number {
    return this.#top
  }

  check(counter: number): ReplayVerdict {
    if (counter > this.#top) return 'fresh'
    if (this.#top - counter >= this.size) return 'too-old'
    return this.#get(counter) ? 'duplicate' : 'fresh'
  }

  /** Records `counter` (which `check` found fresh), sliding the window forward if needed. */
  mark(counter: number): void {
    if (counter > this.#top) {
      const advance = counter - this.#top
      if (advance >= this.size) this.#bits.fill(0)
      else for (let c = this.#top + 1; c < counter; c++) this.#set(c, false)
      this.#top = counter
    }
    this.#set(counter, true)
  }

  #get(counter: number): boolean {
    const slot = counter % this.size
    return (this.#bits[slot >>> 5] & (1 << (slot & 31))) !== 0
  }

  #set(counter: number, on: boolean): void {
    const slot = counter % this.size
    if (on) this.#bits[slot >>> 5] |= 1 << (slot & 31)
    else this.#bits[slot >>> 5] &= ~(1 << (slot & 31))
  }
}
