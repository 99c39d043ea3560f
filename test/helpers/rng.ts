/** xorshift32: a small deterministic generator, so a failing seeded test replays exactly. */
export function rng(seed: number) {
  let x = seed >>> 0 || 1
  const next = () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
  const int = (n: number) => next() % n
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff)
  const hex = (n: number) => Array.from({ length: n }, () => (next() & 15).toString(16)).join('')
  return { int, bytes, hex }
}
