/**
 * Turns zod issues and unknown keys into the lines of a ConfigError, each naming where the bad
 * value came from, the key, what was expected and what was given:
 *
 *   config error in /etc/xlattice/node.toml: registry.neighbourK: expected an integer from 1 to 64, got "eight"
 *   config error in environment XLATTICE_NODE_HEARTBEAT_SEC: node.heartbeatSec: expected an integer ...
 *   config error in flag --listen: node.listen[0]: expected a multiaddr such as "/ip4/127.0.0.1/tcp/0", got "x"
 */
import type { z } from 'zod'
import { isSecretPath, schemaAt, shapeOf, suggest } from './keys.js'

export type Source =
  | { kind: 'file'; file: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string }
  | { kind: 'default' }

export function label(source: Source): string {
  switch (source.kind) {
    case 'file':
      return `config error in ${source.file}`
    case 'env':
      return `config error in environment ${source.name}`
    case 'flag':
      return `config error in flag ${source.name}`
    case 'default':
      return 'config error'
  }
}

/** `['consensus', 'validators', 0, 'weight']` -> `consensus.validators[0].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? String(step) : `.${String(step)}`))
    .join('')
}

/** What errors say in place of a secret's value. */
export const HIDDEN = '(hidden)'

export function show(value: unknown): string {
  if (value instanceof Date) return `a date (${value.toISOString()})`
  if (Array.isArray(value)) {
    const text = JSON.stringify(value)
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  }
  if (typeof value === 'object' && value !== null) return 'a table'
  if (typeof value === 'string') return JSON.stringify(value)
  return String(value)
}

export function didYouMean(candidate: string | undefined): string {
  return candidate === undefined ? '' : ` (did you mean ${candidate}?)`
}

/** "unknown key" with a suggestion drawn from the keys the table at `tablePath` does have. */
export function unknownKey(tablePath: readonly PropertyKey[], key: string, known: readonly string[]): string {
  const near = suggest(key, known)
  return `${formatPath([...tablePath, key])}: unknown key${didYouMean(near && formatPath([...tablePath, near]))}`
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value
  for (const step of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[step]
  }
  return v
}

/**
 * One line per issue found validating `value` against `schema`, the schema of the key at
 * `keyPath`. Issue messages are the "expected ..." phrases values.ts puts on every check.
 */
export function issueLines(
  keyPath: readonly PropertyKey[],
  schema: z.ZodType,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  defaulted = false,
): string[] {
  return issues.flatMap((issue) => {
    const path = [...keyPath, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      const table = schemaAt(schema, issue.path)
      const known = table === undefined ? [] : Object.keys(shapeOf(table))
      return issue.keys.map((key) => unknownKey(path, key, known))
    }
    const got = valueAt(value, issue.path)
    if (got === undefined) return [`${formatPath(path)}: missing, expected ${issue.message}`]
    // An invalid secret may still be most of the real one (a number, a stray quote): never echo it.
    const shown = isSecretPath(path) ? HIDDEN : show(got)
    return [
      `${formatPath(path)}: expected ${issue.message}, got ${shown}${defaulted ? ' (the default)' : ''}`,
    ]
  })
}
