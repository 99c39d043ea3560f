/**
 * The quiet-time collection (lib/memory-reducer.ts), in this process: a heap grown by a burst
 * of short-lived allocations stays grown while the process is busy, and is given back once the
 * event loop has been quiet for the configured number of looks; then not again until a new
 * burst grows it.
 */
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import { logger } from '../../../lib/log.js'
import { startMemoryReducer } from '../../../lib/memory-reducer.js'

const MiB = 2 ** 20
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const heapTotal = () => v8.getHeapStatistics().total_heap_size

/** Allocates for `ms` objects that live ~40 turns, as requests in flight do: the heap grows. */
async function burst(ms: number): Promise<void> {
  let inflight: unknown[][] = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    inflight.push(Array.from({ length: 2000 }, (_, i) => ({ b: new Uint8Array(64), s: `x${i}`, o: { i } })))
    if (inflight.length > 40) inflight.shift()
    await new Promise((r) => setImmediate(r))
  }
  inflight = []
}

describe('memory reducer: the heap a busy period grew goes back once the process is quiet', function () {
  this.timeout(30_000)
  const freed: number[] = []
  let stop = () => {}

  before(() => {
    stop = startMemoryReducer({
      log: logger('test'),
      intervalMs: 200,
      quietIntervals: 3,
      minGrowthBytes: 16 * MiB,
      onReduce: (bytes) => freed.push(bytes),
    })
  })
  after(() => stop())

  it('keeps the heap while busy, gives it back after three quiet looks, then stays put', async () => {
    await burst(3000)
    const grown = heapTotal()
    assert.equal(freed.length, 0, 'no collection while the event loop was busy')
    for (let t = 0; t < 40 && freed.length === 0; t++) await sleep(100)
    assert.equal(freed.length, 1, 'one collection once quiet')
    assert.ok(freed[0] >= 16 * MiB, `freed ${Math.round(freed[0] / MiB)} MiB`)
    assert.ok(
      heapTotal() < grown - 16 * MiB,
      `heap ${Math.round(grown / MiB)} -> ${Math.round(heapTotal() / MiB)} MiB`,
    )
    await sleep(1500)
    assert.equal(freed.length, 1, 'nothing more to give back while the heap stays small')
  })
})
