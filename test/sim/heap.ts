/** A binary min-heap of timed events; ties break by insertion order, so runs are deterministic. */
export interface Timed {
  t: number
  seq: number
}

/** Omit that keeps a union a union. */
export type WithoutSeq<E> = E extends unknown ? Omit<E, 'seq'> : never

export class EventQueue<E extends Timed> {
  readonly #items: E[] = []
  #seq = 0

  push(event: WithoutSeq<E>): void {
    const e = { ...event, seq: this.#seq++ } as E
    const a = this.#items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }

  pop(): E | undefined {
    const a = this.#items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && before(a[l], a[m])) m = l
        if (r < a.length && before(a[r], a[m])) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }

  get size(): number {
    return this.#items.length
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq)
}
