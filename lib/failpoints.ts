/**
 * Failpoints: named places where a test makes the process fail on purpose, to prove the
 * recovery paths that real faults would take (a crash between two steps, a server that stays
 * unreachable), as etcd's gofail and TiKV's fail-rs do. Off unless the environment names them:
 * `XLATTICE_FAILPOINTS=replace.skip-record` (comma-separated). Read once, at first use; each
 * failpoint logs when it fires. Operators never set this (docs/testing.md lists the names).
 */
let active: Set<string> | undefined

export function failpoint(name: string): boolean {
  active ??= new Set(
    (process.env.XLATTICE_FAILPOINTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  return active.has(name)
}
