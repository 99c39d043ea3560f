/**
 * Gives the heap a busy period left behind back to the system once the process is quiet.
 *
 * Under load V8 lets its heap grow to several times what is live (a registry member at 100,000
 * nicks: ~165 MiB committed for ~65 MiB used), and in Node it keeps that size for good: V8's
 * own memory reducer waits for idle-time tasks and a falling allocation rate that a process
 * with a heartbeat and a block a second never shows (measured: a heap grown to 183 MiB for
 * 62 MiB used was still 183 MiB after 20 s of doing nothing; one full collection took it to
 * 8 MiB and RSS from 232 to 57 MiB). So this does what the browser's idle-time collector does:
 * when the event loop has been nearly idle for a while and the heap has grown well past its
 * size after the last such collection, it runs one full collection, which returns the empty
 * pages to the system. It does not fire again until a new busy period has grown the heap.
 *
 * The collection is the one V8 runs under memory pressure (see `collector`); the pause is that
 * of a few full collections of the live heap (tens of milliseconds), taken only while nothing
 * much is happening.
 */
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Logger } from './log.js'

export interface MemoryReducerOptions {
  log: Logger
  /** How often to look (default 5 s). */
  intervalMs?: number
  /** Event-loop utilisation below which an interval counts as quiet (default 0.05). */
  quietUtilization?: number
  /** Quiet intervals in a row before collecting (default 2). */
  quietIntervals?: number
  /**
   * Collect only when the heap has grown this much since the last collection here (before the
   * first, when it is this large at all: starting, e.g. reading a registry back from the store,
   * is a busy period too): how much of it is garbage nobody knows before collecting (default
   * 32 MiB).
   */
  minGrowthBytes?: number
  /** Called after each collection (metrics). */
  onReduce?(freedBytes: number): void
}

type Collect = () => void

/** Never constructed: what `queryObjects` is asked to count, so it only collects. */
class NeverAllocated {}

/**
 * V8's most thorough collection, the one it runs under memory pressure (CollectAllAvailable-
 * Garbage: several rounds, and it shrinks the young generation too). Node reaches it through
 * `v8.queryObjects`, documented to count objects "after a full garbage collection" (Node 20.13
 * and later); counting a class nobody constructs leaves only the collection. A plain `gc()`
 * would leave the young generation at its grown 32 MiB. The call's one-time experimental
 * warning is kept out of the logs.
 */
function collector(): Collect | undefined {
  const query = (v8 as { queryObjects?: (ctor: unknown, opts: { format: 'count' }) => number }).queryObjects
  if (typeof query === 'function')
    return () => {
      const emit = process.emitWarning
      process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
        if (String(warning).includes('queryObjects')) return
        ;(emit as (...a: unknown[]) => void).call(process, warning, ...rest)
      }) as typeof process.emitWarning
      try {
        query(NeverAllocated, { format: 'count' })
      } finally {
        process.emitWarning = emit
      }
    }
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') return existing as Collect
  try {
    v8.setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    return typeof gc === 'function' ? (gc as Collect) : undefined
  } catch {
    return undefined
  }
}

/** Starts watching; returns a stop function. Does nothing where V8 offers no collector. */
export function startMemoryReducer(opts: MemoryReducerOptions): () => void {
  const collect = collector()
  if (collect === undefined) {
    opts.log.warn('no garbage collector to call: the heap will keep the size load gave it')
    return () => {}
  }
  const quietUtilization = opts.quietUtilization ?? 0.05
  const quietIntervals = opts.quietIntervals ?? 2
  const minGrowth = opts.minGrowthBytes ?? 32 * 1024 * 1024
  let floor = 0
  let last = performance.eventLoopUtilization()
  let quiet = 0
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization()
    const utilization = performance.eventLoopUtilization(now, last).utilization
    last = now
    quiet = utilization < quietUtilization ? quiet + 1 : 0
    if (quiet < quietIntervals) return
    const before = v8.getHeapStatistics()
    if (before.total_heap_size - floor < minGrowth) return
    const t0 = performance.now()
    collect()
    const after = v8.getHeapStatistics()
    const freed = before.total_heap_size - after.total_heap_size
    floor = after.total_heap_size
    opts.onReduce?.(freed)
    opts.log.info(
      {
        heapMiB: [before.total_heap_size, after.total_heap_size].map((b) => Math.round(b / 2 ** 20)),
        usedMiB: Math.round(after.used_heap_size / 2 ** 20),
        pauseMs: Math.round(performance.now() - t0),
      },
      'quiet: heap returned to the system',
    )
    quiet = 0
  }, opts.intervalMs ?? 5000)
  timer.unref()
  return () => clearInterval(timer)
}
