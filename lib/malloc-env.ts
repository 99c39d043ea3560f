/**
 * glibc malloc settings for long-running xlattice processes (docs/operators.md, "Memory").
 *
 * A busy period leaves glibc's main heap holding what it allocated at the peak: it returns
 * freed memory only from the heap's top, and after the first large block it frees, it stops
 * giving blocks of that size their own mapping (the threshold for that grows with use, up to
 * 32 MiB), so transient buffers of a few hundred KiB (blocks, batches, stream chunks) land
 * among long-lived data and their pages stay resident once freed. A fixed threshold of 128 KiB
 * gives every larger allocation its own mapping, returned to the system when freed; two arenas
 * keep the threadpool's LevelDB work from growing one more heap per thread.
 * Measured (bench/RESULTS.md, cluster registry at 100,000 nicks, members at rest): RSS per nick
 * 0.87-1.02 KiB with both, 0.93-1.05 KiB with the threshold alone, 1.12-1.35 KiB with neither;
 * registrations per second within the run-to-run spread.
 *
 * A process cannot set these for itself (glibc reads them at start), so whatever launches one
 * does: `xlattice demo` for its nodes, the systemd unit in docs/operators.md, the benchmarks.
 * Values already in the environment win.
 */
const MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
}

/** `env` with the malloc settings added where it does not set them itself. */
export function withMallocEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...MALLOC_ENV, ...env }
}
