/**
 * Precedence: flag > environment > file > default. Each value is validated on its own first, so
 * an error names the layer it came from; then the merged result is validated as a whole for the
 * checks that span keys (admin.listen vs admin.allowRemote), blaming whichever layer set the key.
 * Last, the [xmpp] secret is resolved (xmpp.ts): one way only, read from its file if it is one.
 */
import { ConfigError } from '../errors.js'
import { logger } from '../log.js'
import { issueLines, label, type Source } from './issues.js'
import { type Config, configSchema, type Role } from './schema.js'
import { type Assignment, fromEnv, fromFile, fromFlags } from './sources.js'
import { checkXmpp } from './xmpp.js'

export interface LoadOptions {
  role: Role
  /** Path to a TOML file; a missing file given explicitly is a ConfigError. */
  file?: string
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>
  /** Dotted keys already parsed from the CLI, e.g. `{ 'node.listen': ['/ip4/...'] }`; undefined values are skipped. */
  flags?: Record<string, unknown>
  /** Dotted key -> the flag's name on the command line (`{ 'node.listen': '--listen' }`), for error messages. */
  flagNames?: Record<string, string>
  /** Advice that is no error (a secret file others can read); defaults to a warning in the log. */
  warn?: (message: string) => void
}

export function defaultConfig(_role: Role): Config {
  // Every section is present whatever the role, so callers never test for absence; the role's
  // only effect is on which sections a file, env or flags may set.
  return configSchema.parse({})
}

function setIn(target: Record<string, any>, path: readonly string[], value: unknown): void {
  let table = target
  for (const step of path.slice(0, -1)) table = table[step] ??= {}
  table[path[path.length - 1]] = value
}

export function loadConfig(opts: LoadOptions): Config {
  const layers = [
    ...(opts.file === undefined ? [] : [fromFile(opts.file, opts.role)]),
    fromEnv(opts.env ?? process.env, opts.role),
    fromFlags(opts.flags ?? {}, opts.role, opts.flagNames),
  ]
  // Every error at once, layer by layer, so one run shows an operator everything to fix.
  const errors: string[] = []
  for (const layer of layers) {
    errors.push(...layer.errors)
    for (const { key, value, source } of layer.assignments) {
      const result = key.schema.safeParse(value)
      if (result.success) continue
      const lines = issueLines(key.path, key.schema, value, result.error.issues)
      errors.push(...lines.map((line) => `${label(source)}: ${line}`))
    }
  }
  if (errors.length > 0) throw new ConfigError(errors.join('\n'))
  const assignments: Assignment[] = layers.flatMap((l) => l.assignments)

  // Later layers overwrite earlier ones: assignments are in file, env, flag order.
  const merged: Record<string, unknown> = {}
  const sources = new Map<string, Source>()
  for (const { key, value, source } of assignments) {
    setIn(merged, key.path, value)
    sources.set(key.name, source)
  }
  const result = configSchema.safeParse(merged)
  if (result.success) {
    const warn = opts.warn ?? ((message: string) => logger('lib:config').warn(message))
    const env = opts.env ?? process.env
    const xmpp = checkXmpp(result.data.xmpp, (key) => sources.get(key), warn, env.CREDENTIALS_DIRECTORY)
    if (xmpp.errors.length > 0) throw new ConfigError(xmpp.errors.join('\n'))
    return { ...result.data, xmpp: xmpp.xmpp }
  }
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.')
    const keyName = [...sources.keys()].find((k) => name === k || name.startsWith(`${k}.`))
    const source: Source = keyName === undefined ? { kind: 'default' } : sources.get(keyName)!
    // A key no layer set holds its default, which `merged` lacks: show that instead.
    const defaulted = source.kind === 'default'
    const value = defaulted ? configSchema.parse({}) : merged
    return `${label(source)}: ${issueLines([], configSchema, value, [issue], defaulted).join('; ')}`
  })
  throw new ConfigError(lines.join('\n'))
}
