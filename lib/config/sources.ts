/**
 * The three layers a value can come from, each read into a list of (key, value, source)
 * assignments. Keys are checked here (unknown keys are errors, with a suggestion); values are
 * only coerced from strings here and validated by the loader.
 */
import { readFileSync } from 'node:fs'
import { parse, TomlError } from 'smol-toml'
import {
  ALL_KEYS,
  type ConfigKey,
  isTable,
  keysFor,
  SECTIONS,
  sectionsFor,
  shapeOf,
  suggest,
} from './keys.js'
import { didYouMean, formatPath, HIDDEN, show, type Source, unknownKey, label } from './issues.js'
import { configSchema, type Role, SECTION_ROLES, type Section } from './schema.js'
import type { z } from 'zod'

export interface Assignment {
  key: ConfigKey
  value: unknown
  source: Source
}

export interface Layer {
  assignments: Assignment[]
  errors: string[]
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

function otherRole(section: Section, role: Role): string {
  return `[${section}] configures the ${SECTION_ROLES[section].join(' and ')} process, not a ${role}; remove it`
}

/** The code frame of a syntax error shows the lines around it; one of them may hold the secret. */
function hideSecrets(frame: string): string {
  return frame.replace(/^(\s*\d+:.*\bsecret\b["']?\s*=).*$/gim, `$1 ${HIDDEN}`)
}

export function fromFile(file: string, role: Role): Layer {
  const source: Source = { kind: 'file', file }
  const at = (line: string) => `${label(source)}: ${line}`
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err: any) {
    const why = err.code === 'ENOENT' ? 'file not found' : `cannot read the file: ${err.message}`
    return { assignments: [], errors: [at(why)] }
  }
  let doc: Record<string, unknown>
  try {
    doc = parse(text)
  } catch (err) {
    if (!(err instanceof TomlError)) throw err
    // smol-toml's message is "Invalid TOML document: <what>\n\n<code frame>"; keep both parts.
    const what = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '')
    const frame = hideSecrets((err as TomlError & { codeblock?: string }).codeblock ?? '')
    const syntax = `TOML syntax error at line ${err.line}, column ${err.column}: ${what}`
    return { assignments: [], errors: [at(frame === '' ? syntax : `${syntax}\n${frame.trimEnd()}`)] }
  }

  const layer: Layer = { assignments: [], errors: [] }
  const walk = (table: unknown, schema: z.ZodType, path: string[]) => {
    if (!isPlainTable(table)) {
      layer.errors.push(at(`${formatPath(path)}: expected a table [${path.join('.')}], got ${show(table)}`))
      return
    }
    const shape = shapeOf(schema)
    for (const [name, value] of Object.entries(table)) {
      // hasOwn: `constructor` or `__proto__` in a file must not find Object.prototype's members.
      const child = Object.hasOwn(shape, name) ? shape[name] : undefined
      if (child === undefined) layer.errors.push(at(unknownKey(path, name, Object.keys(shape))))
      else if (isTable(child)) walk(value, child, [...path, name])
      else {
        const key = ALL_KEYS.find((k) => k.name === [...path, name].join('.'))!
        layer.assignments.push({ key, value, source })
      }
    }
  }
  for (const [name, value] of Object.entries(doc)) {
    if (!(SECTIONS as string[]).includes(name)) {
      layer.errors.push(at(`${name}: unknown section${sectionHint(name, role)}`))
    } else if (!SECTION_ROLES[name as Section].includes(role)) {
      layer.errors.push(at(`${name}: ${otherRole(name as Section, role)}`))
    } else {
      walk(value, configSchema.shape[name as Section], [name])
    }
  }
  return layer
}

/** A misspelt section, or a key written above any `[section]` header (`level = "debug"`). */
function sectionHint(name: string, role: Role): string {
  const section = suggest(name, sectionsFor(role))
  if (section !== undefined) return didYouMean(`[${section}]`)
  const keys = keysFor(role).filter((k) => k.path.length === 2)
  const leaf = suggest(
    name,
    keys.map((k) => k.path[1]),
  )
  const matches = keys.filter((k) => k.path[1] === leaf).map((k) => k.name)
  if (matches.length === 0) return ''
  return ` (keys go under a [section] header: did you mean ${matches.join(' or ')}?)`
}

/**
 * Strings from the environment or a command line, as the key's type. A value that does not
 * coerce is passed on as the string, so validation reports it as given.
 */
export function coerce(key: ConfigKey, raw: string): unknown {
  const text = raw.trim()
  switch (key.kind) {
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw
    case 'boolean': {
      const lower = text.toLowerCase()
      if (lower === 'true' || lower === '1') return true
      if (lower === 'false' || lower === '0') return false
      return raw
    }
    case 'array':
      if (text.startsWith('[')) {
        try {
          return JSON.parse(text)
        } catch {
          return raw
        }
      }
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    default:
      return raw
  }
}

/**
 * Only names matching a key of this role are read: other XLATTICE_ variables (the other role's,
 * or another tool's) are ignored. An empty value counts as unset, as shells make `X= cmd` easy.
 */
export function fromEnv(env: Record<string, string | undefined>, role: Role): Layer {
  const assignments: Assignment[] = []
  for (const key of keysFor(role)) {
    const raw = env[key.env]
    if (raw === undefined || raw.trim() === '') continue
    assignments.push({ key, value: coerce(key, raw), source: { kind: 'env', name: key.env } })
  }
  return { assignments, errors: [] }
}

export function flagName(key: string, flagNames: Record<string, string> | undefined): string {
  const name = flagNames?.[key] ?? key
  return name.startsWith('-') ? name : `--${name}`
}

/** Flags arrive keyed by dotted config key; an unknown key here is a CLI wiring bug, reported all the same. */
export function fromFlags(
  flags: Record<string, unknown>,
  role: Role,
  flagNames: Record<string, string> | undefined,
): Layer {
  const layer: Layer = { assignments: [], errors: [] }
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined) continue
    const source: Source = { kind: 'flag', name: flagName(name, flagNames) }
    const key = ALL_KEYS.find((k) => k.name === name)
    if (key === undefined) {
      const near = suggest(
        name,
        keysFor(role).map((k) => k.name),
      )
      layer.errors.push(`${label(source)}: ${name}: unknown key${didYouMean(near)}`)
    } else if (!SECTION_ROLES[key.section].includes(role)) {
      layer.errors.push(`${label(source)}: ${name}: ${otherRole(key.section, role)}`)
    } else {
      layer.assignments.push({ key, value: typeof value === 'string' ? coerce(key, value) : value, source })
    }
  }
  return layer
}
