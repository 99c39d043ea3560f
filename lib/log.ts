/**
 * Structured logging (pino) with one scoped logger per component, e.g. `gateway:registry`.
 * Logs go to stderr: stdout is reserved for machine-readable lines such as the ready line.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

let root: Logger = pino(
  { level: process.env.XLATTICE_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: false }),
)

export function setLogLevel(level: string): void {
  root.level = level
}

/** Replaces the root logger (tests use this to capture or silence logs). */
export function setRootLogger(logger: Logger): void {
  root = logger
}

export function logger(component: string): Logger {
  return root.child({ component })
}
