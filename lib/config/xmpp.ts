/**
 * The [xmpp] section's checks that span keys or reach outside the config, run by the loader once
 * the layers are merged: one component secret, given one way, and read from its file when it is
 * a file. After loading, `xmpp.secret` holds the secret whichever way it came, whenever
 * `xmpp.domain` is set.
 *
 * The secret is never part of an error or a warning: they name the key, the layer and the file.
 */
import { readFileSync, statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import { ConfigError } from '../errors.js'
import { label, type Source } from './issues.js'
import type { Config } from './schema.js'

export type XmppConfig = Config['xmpp']

/** Where a value came from, as a phrase: `flag --component-secret`, `environment X`, a path. */
function origin(source: Source): string {
  switch (source.kind) {
    case 'file':
      return source.file
    case 'env':
      return `environment ${source.name}`
    case 'flag':
      return `flag ${source.name}`
    case 'default':
      return 'the default'
  }
}

function readError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file'
  if (err.code === 'EACCES') return 'permission denied (is it readable by the user the node runs as?)'
  if (err.code === 'EISDIR') return 'it is a directory'
  return err.message
}

export interface XmppCheck {
  xmpp: XmppConfig
  errors: string[]
}

/**
 * Whether a secret file's permissions deserve a warning: any access for group or others, except
 * in systemd's credentials directory (LoadCredential=), whose files are 0400 plus an ACL granting
 * the service's user read access, which stat reports as group-readable (the ACL mask).
 */
function exposed(path: string, mode: number, credentialsDir: string | undefined): boolean {
  if ((mode & 0o077) === 0) return false
  return credentialsDir === undefined || !resolve(path).startsWith(resolve(credentialsDir) + sep)
}

/**
 * `sourceOf` says which layer set a key (undefined for a default). `warn` receives advice that
 * is no error: a secret file others can read, a secret on the command line. `credentialsDir` is
 * systemd's $CREDENTIALS_DIRECTORY, if any.
 */
export function checkXmpp(
  xmpp: XmppConfig,
  sourceOf: (key: string) => Source | undefined,
  warn: (message: string) => void,
  credentialsDir?: string,
): XmppCheck {
  const at = (key: string) => label(sourceOf(key) ?? { kind: 'default' })
  if (xmpp.secret !== undefined && xmpp.secretFile !== undefined) {
    const secretFrom = origin(sourceOf('xmpp.secret') ?? { kind: 'default' })
    const fileFrom = origin(sourceOf('xmpp.secretFile') ?? { kind: 'default' })
    return {
      xmpp,
      errors: [
        `config error: xmpp.secret (from ${secretFrom}) and xmpp.secretFile (from ${fileFrom}) are both set: ` +
          'give the component secret one way only',
      ],
    }
  }
  // No attachment, nothing to read: a secretFile on a node that does not attach is left alone.
  if (xmpp.domain === undefined) return { xmpp, errors: [] }

  if (xmpp.secretFile !== undefined) {
    const path = xmpp.secretFile
    let secret: string
    try {
      secret = readFileSync(path, 'utf8').trim()
    } catch (err: any) {
      return {
        xmpp,
        errors: [
          `${at('xmpp.secretFile')}: xmpp.secretFile: cannot read the component secret file ${path}: ${readError(err)}`,
        ],
      }
    }
    if (secret === '') {
      return {
        xmpp,
        errors: [`${at('xmpp.secretFile')}: xmpp.secretFile: the component secret file ${path} is empty`],
      }
    }
    const mode = statSync(path).mode & 0o777
    if (exposed(path, mode, credentialsDir)) {
      warn(
        `the component secret file ${path} is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
          `chmod 600 ${path}, owned by the user the node runs as`,
      )
    }
    return { xmpp: { ...xmpp, secret }, errors: [] }
  }

  if (xmpp.secret === undefined) {
    return {
      xmpp,
      errors: [
        `${at('xmpp.domain')}: xmpp.domain is set to "${xmpp.domain}" but no component secret is given: ` +
          'name a file holding it with xmpp.secretFile (--component-secret-file), ' +
          'set the environment variable XLATTICE_XMPP_SECRET, ' +
          'or set xmpp.secret (--component-secret)',
      ],
    }
  }
  if (sourceOf('xmpp.secret')?.kind === 'flag') {
    warn(
      'the component secret was given on the command line, where other local users can see it (ps): ' +
        'prefer --component-secret-file or XLATTICE_XMPP_SECRET',
    )
  }
  return { xmpp, errors: [] }
}

/** What `attachComponent` needs, or undefined when the node does not attach to an XMPP server. */
export interface XmppAttachment {
  domain: string
  host: string
  port: number
  secret: string
  plaintext: boolean
}

export function xmppAttachment(config: Config): XmppAttachment | undefined {
  const { domain, host, port, secret, plaintext } = config.xmpp
  if (domain === undefined) return undefined
  // loadConfig refuses a domain without a secret; a Config built another way may lack one.
  if (secret === undefined) throw new ConfigError('config error: xmpp.domain is set but xmpp.secret is not')
  return { domain, host, port, secret, plaintext }
}
