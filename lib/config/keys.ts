/**
 * The schema seen as a flat list of keys (`registry.rateLimit.burst`), each with its environment
 * variable name, value kind (for coercing env and flag strings) and documentation. The loader,
 * the renderer and the docs test all walk this list, so a key added to schema.ts needs nothing else.
 */
import { z } from 'zod'
import { configSchema, type Role, SECTION_ROLES, type Section } from './schema.js'

export type ValueKind = 'string' | 'number' | 'boolean' | 'array'

export interface ConfigKey {
  /** Dotted name as written in TOML tables and flags maps, e.g. `registry.rateLimit.burst`. */
  name: string
  path: string[]
  section: Section
  env: string
  kind: ValueKind
  /** As declared, default included: validating a single value against it needs no other key. */
  schema: z.ZodType
  description: string
  example?: string
  /** Never shown: errors say "(hidden)" instead of the value. */
  secret: boolean
}

/** Strips default/prefault/optional wrappers to reach the schema doing the checking. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
    s = s.unwrap() as z.ZodType
  }
  return s
}

/** A nested object is a TOML table (`[registry.rateLimit]`), not a key holding an object value. */
export function isTable(schema: z.ZodType): schema is z.ZodObject {
  return unwrap(schema) instanceof z.ZodObject
}

export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  return (unwrap(schema) as z.ZodObject).shape as Record<string, z.ZodType>
}

/** `rateLimit` -> `RATE_LIMIT`. */
function envPart(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

function kindOf(schema: z.ZodType): ValueKind {
  const s = unwrap(schema)
  if (s instanceof z.ZodNumber) return 'number'
  if (s instanceof z.ZodBoolean) return 'boolean'
  if (s instanceof z.ZodArray) return 'array'
  return 'string'
}

function collect(schema: z.ZodType, path: string[], section: Section, out: ConfigKey[]): void {
  for (const [key, child] of Object.entries(shapeOf(schema))) {
    const childPath = [...path, key]
    if (isTable(child)) {
      collect(child, childPath, section, out)
      continue
    }
    const meta = (child.meta() ?? {}) as { description?: string; example?: string; secret?: boolean }
    out.push({
      name: childPath.join('.'),
      path: childPath,
      section,
      env: `XLATTICE_${childPath.map(envPart).join('_')}`,
      kind: kindOf(child),
      schema: child,
      description: meta.description ?? '',
      example: meta.example,
      secret: meta.secret === true,
    })
  }
}

export const SECTIONS = Object.keys(configSchema.shape) as Section[]

export const ALL_KEYS: readonly ConfigKey[] = SECTIONS.flatMap((section) => {
  const out: ConfigKey[] = []
  collect(configSchema.shape[section], [section], section, out)
  return out
})

/** Whether the value at `path` (a key, or a part of one) belongs to a secret key. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return ALL_KEYS.some((k) => k.secret && k.path.every((step, i) => path[i] === step))
}

export function sectionsFor(role: Role): Section[] {
  return SECTIONS.filter((s) => SECTION_ROLES[s].includes(role))
}

export function keysFor(role: Role): ConfigKey[] {
  return ALL_KEYS.filter((k) => SECTION_ROLES[k.section].includes(role))
}

/**
 * The phrase a key's errors use ("an integer from 1 to 64"): what zod reports for a value no
 * schema accepts. values.ts gives every check of a value the same phrase, so this is that phrase.
 */
export function expectation(key: ConfigKey): string {
  return unwrap(key.schema).safeParse(Symbol('nothing')).error?.issues[0]?.message ?? ''
}

/** The schema reached by following `path` (object keys, array indexes) from `schema`. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema
  for (const step of path) {
    const inner: z.ZodType = unwrap(s)
    if (inner instanceof z.ZodArray) s = inner.element as z.ZodType
    else if (inner instanceof z.ZodObject && Object.hasOwn(inner.shape, step)) {
      s = (inner.shape as Record<string, z.ZodType>)[String(step)]
    } else return undefined
    if (s === undefined) return undefined
  }
  return s
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]
}

/**
 * The closest known name to a misspelt one, if close enough to be a typo: within edit distance 2
 * ignoring case, or equal once case, `_` and `-` are dropped (so snake_case `heartbeat_ttl_sec`
 * still finds `heartbeatTtlSec`).
 */
export function suggest(unknown: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '')
  let best: { name: string; distance: number } | undefined
  for (const name of known) {
    const distance =
      squash(name) === squash(unknown) ? 0 : levenshtein(unknown.toLowerCase(), name.toLowerCase())
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance }
  }
  return best?.name
}
