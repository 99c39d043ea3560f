/**
 * Renders the documented default file for a role (checked in as config/<role>.toml). Keys are
 * commented out so the shipped file changes nothing; section headers are not, so uncommenting a
 * key is all it takes to set it.
 */
import { stringify } from 'smol-toml'
import type { z } from 'zod'
import { ALL_KEYS, expectation, isTable, sectionsFor, shapeOf, unwrap } from './keys.js'
import { type Config, configSchema, type Role } from './schema.js'

const WIDTH = 100

function comment(text: string): string[] {
  const lines: string[] = []
  let line = '#'
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > WIDTH && line !== '#') {
      lines.push(line)
      line = '#'
    }
    line += ` ${word}`
  }
  lines.push(line)
  return lines
}

function lookup(config: Config, path: readonly string[]): unknown {
  return path.reduce<any>((table, step) => table?.[step], config)
}

function renderTable(schema: z.ZodType, path: string[], defaults: Config, out: string[]): void {
  const description = (unwrap(schema).meta() as { description?: string } | undefined)?.description
  out.push('')
  if (description !== undefined) out.push(...comment(description))
  out.push(`[${path.join('.')}]`)
  const entries = Object.entries(shapeOf(schema))
  for (const [name] of entries.filter(([, child]) => !isTable(child))) {
    const key = ALL_KEYS.find((k) => k.name === [...path, name].join('.'))!
    const value = lookup(defaults, key.path)
    out.push('', ...comment(key.description))
    out.push(...comment(`Expects ${expectation(key)}.`), `# Environment: ${key.env}`)
    if (value === undefined) out.push('# No default.')
    else out.push(`# ${stringify({ [name]: value }).trim()}`)
    if (key.example !== undefined) out.push('# Example:', ...key.example.split('\n').map((l) => `#   ${l}`))
  }
  for (const [name, child] of entries.filter(([, child]) => isTable(child))) {
    renderTable(child, [...path, name], defaults, out)
  }
}

export function renderDefaultToml(role: Role): string {
  const defaults = configSchema.parse({})
  const out = [
    `# XLattice ${role} configuration: every key, commented out, at its default.`,
    '#',
    `# Generated from lib/config/schema.ts by renderDefaultToml('${role}'); a unit test fails when this`,
    '# file and the schema disagree: change the schema, then regenerate (docs/configuration.md says how).',
    '#',
    '# As shipped this file changes nothing: uncomment a key to set it.',
    '# Precedence: command-line flag > environment variable > this file > default.',
    '# See docs/configuration.md.',
  ]
  for (const section of sectionsFor(role)) renderTable(configSchema.shape[section], [section], defaults, out)
  return `${out.join('\n')}\n`
}
