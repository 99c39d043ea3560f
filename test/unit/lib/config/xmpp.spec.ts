/** The [xmpp] section: attaching a node to Prosody or ejabberd (lib/config/xmpp.ts, schema.ts). */
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Config,
  defaultConfig,
  type LoadOptions,
  loadConfig,
  xmppAttachment,
} from '../../../../lib/config/index.js'
import { ConfigError } from '../../../../lib/errors.js'

const SECRET = 'Zq8-very-secret-value'

describe('lib/config [xmpp]', () => {
  let dir: string
  let n = 0
  let warnings: string[]
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xlattice-config-xmpp-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))
  beforeEach(() => {
    warnings = []
  })

  const file = (text: string, mode = 0o600): string => {
    const path = join(dir, `${++n}.txt`)
    writeFileSync(path, text)
    chmodSync(path, mode)
    return path
  }
  // Never the real process.env; warnings are collected rather than logged.
  const load = (opts: Partial<LoadOptions>): Config =>
    loadConfig({ role: 'node', env: {}, warn: (m) => warnings.push(m), ...opts })
  const loadError = (opts: Partial<LoadOptions>): string => {
    try {
      load(opts)
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`)
      return err.message
    }
    assert.fail('expected loadConfig to throw')
  }

  it('is off by default: no domain, the usual component port on loopback, encrypted', () => {
    const c = defaultConfig('node')
    assert.deepEqual(c.xmpp, { host: '127.0.0.1', port: 5347, plaintext: false })
    assert.equal(xmppAttachment(c), undefined)
  })

  it('reads every key from the file and hands attachComponent what it needs', () => {
    const toml = file(
      `[xmpp]\ndomain = "lattice.example.org"\nhost = "xmpp.internal"\nport = 5348\nsecret = "${SECRET}"\nplaintext = true\n`,
    )
    const c = load({ file: toml })
    assert.deepEqual(xmppAttachment(c), {
      domain: 'lattice.example.org',
      host: 'xmpp.internal',
      port: 5348,
      secret: SECRET,
      plaintext: true,
    })
    assert.deepEqual(warnings, [])
  })

  it('takes each key from the environment, over the file', () => {
    const toml = file('[xmpp]\ndomain = "a.example.org"\nsecret = "from-file"\n')
    const c = load({
      file: toml,
      env: {
        XLATTICE_XMPP_DOMAIN: 'b.example.org',
        XLATTICE_XMPP_HOST: '::1',
        XLATTICE_XMPP_PORT: '15347',
        XLATTICE_XMPP_SECRET: SECRET,
        XLATTICE_XMPP_PLAINTEXT: 'true',
      },
    })
    assert.deepEqual(xmppAttachment(c), {
      domain: 'b.example.org',
      host: '::1',
      port: 15347,
      secret: SECRET,
      plaintext: true,
    })
  })

  it('refuses a component domain that is no domain name', () => {
    for (const domain of [
      'lattice example.org',
      'lattice_example.org',
      '-lattice.example.org',
      'lattice..example.org',
      'lattice.example.org.',
      'user@lattice.example.org',
      '127.0.0.1',
      `${'a'.repeat(64)}.example.org`,
    ]) {
      assert.match(
        loadError({ env: { XLATTICE_XMPP_DOMAIN: domain, XLATTICE_XMPP_SECRET: SECRET } }),
        /^config error in environment XLATTICE_XMPP_DOMAIN: xmpp\.domain: expected a domain name such as "lattice\.example\.org", got /,
        domain,
      )
    }
    for (const domain of [
      'lattice.example.org',
      'localhost',
      'lattice.a.localhost',
      'xn--bcher-kva.example',
    ]) {
      const c = load({ env: { XLATTICE_XMPP_DOMAIN: domain, XLATTICE_XMPP_SECRET: SECRET } })
      assert.equal(c.xmpp.domain, domain)
    }
  })

  it('refuses a host with a port, and a port out of range', () => {
    assert.match(
      loadError({ flags: { 'xmpp.host': '127.0.0.1:5347' }, flagNames: { 'xmpp.host': '--component-host' } }),
      /^config error in flag --component-host: xmpp\.host: expected a host name or IP address without a port/,
    )
    for (const port of ['0', '65536', 'five']) {
      assert.match(
        loadError({ env: { XLATTICE_XMPP_PORT: port } }),
        /xmpp\.port: expected an integer from 1 to 65535/,
        port,
      )
    }
  })

  describe('the component secret', () => {
    it('comes from a file, trimmed', () => {
      const secretFile = file(`  ${SECRET}\n\n`)
      const c = load({
        env: { XLATTICE_XMPP_DOMAIN: 'lattice.example.org', XLATTICE_XMPP_SECRET_FILE: secretFile },
      })
      assert.equal(xmppAttachment(c)?.secret, SECRET)
      assert.equal(c.xmpp.secretFile, secretFile)
      assert.deepEqual(warnings, [], 'a 0600 file is as it should be')
    })

    it('refuses a secret and a secret file both, naming both and where each came from', () => {
      const toml = file(`[xmpp]\ndomain = "lattice.example.org"\nsecretFile = "${file(SECRET)}"\n`)
      const msg = loadError({
        file: toml,
        flags: { 'xmpp.secret': SECRET },
        flagNames: { 'xmpp.secret': '--component-secret' },
      })
      assert.equal(
        msg,
        `config error: xmpp.secret (from flag --component-secret) and xmpp.secretFile (from ${toml}) ` +
          'are both set: give the component secret one way only',
      )
    })

    it('refuses a domain with no secret, saying the ways to give one', () => {
      const toml = file('[xmpp]\ndomain = "lattice.example.org"\n')
      const msg = loadError({ file: toml })
      assert.match(
        msg,
        new RegExp(`^config error in ${toml}: xmpp\\.domain is set to "lattice\\.example\\.org"`),
      )
      assert.match(msg, /no component secret/)
      for (const way of [
        'xmpp.secretFile',
        '--component-secret-file',
        'XLATTICE_XMPP_SECRET',
        'xmpp.secret',
      ]) {
        assert.ok(msg.includes(way), `the error does not mention ${way}: ${msg}`)
      }
    })

    it('refuses a secret file that cannot be read, naming the path', () => {
      const missing = join(dir, 'no-such.secret')
      assert.equal(
        loadError({
          flags: { 'xmpp.domain': 'lattice.example.org', 'xmpp.secretFile': missing },
          flagNames: { 'xmpp.secretFile': '--component-secret-file' },
        }),
        `config error in flag --component-secret-file: xmpp.secretFile: cannot read the component secret file ${missing}: no such file`,
      )
      const sub = join(dir, 'a-directory')
      mkdirSync(sub)
      assert.match(
        loadError({ env: { XLATTICE_XMPP_DOMAIN: 'lattice.example.org', XLATTICE_XMPP_SECRET_FILE: sub } }),
        new RegExp(
          `XLATTICE_XMPP_SECRET_FILE: xmpp\\.secretFile: cannot read the component secret file ${sub}: `,
        ),
      )
    })

    it('refuses an empty secret file', () => {
      const empty = file(' \n')
      assert.match(
        loadError({ env: { XLATTICE_XMPP_DOMAIN: 'lattice.example.org', XLATTICE_XMPP_SECRET_FILE: empty } }),
        new RegExp(`xmpp\\.secretFile: the component secret file ${empty} is empty`),
      )
    })

    it('warns, without refusing, about a secret file others can read', () => {
      const open = file(SECRET, 0o644)
      const c = load({
        env: { XLATTICE_XMPP_DOMAIN: 'lattice.example.org', XLATTICE_XMPP_SECRET_FILE: open },
      })
      assert.equal(c.xmpp.secret, SECRET)
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], new RegExp(`${open} is accessible to group or others \\(mode 0644\\)`))
      assert.ok(!warnings[0].includes(SECRET))
    })

    it("does not warn about systemd's credentials, which an ACL makes look group-readable", () => {
      const credentials = join(dir, 'credentials')
      mkdirSync(credentials)
      const secretFile = join(credentials, 'component-secret')
      writeFileSync(secretFile, SECRET)
      chmodSync(secretFile, 0o440)
      const c = load({
        env: {
          XLATTICE_XMPP_DOMAIN: 'lattice.example.org',
          XLATTICE_XMPP_SECRET_FILE: secretFile,
          CREDENTIALS_DIRECTORY: credentials,
        },
      })
      assert.equal(c.xmpp.secret, SECRET)
      assert.deepEqual(warnings, [])
      // The same file outside the credentials directory is warned about.
      load({
        env: {
          XLATTICE_XMPP_DOMAIN: 'lattice.example.org',
          XLATTICE_XMPP_SECRET_FILE: secretFile,
          CREDENTIALS_DIRECTORY: join(dir, 'elsewhere'),
        },
      })
      assert.equal(warnings.length, 1)
    })

    it('warns about a secret on the command line, which ps shows', () => {
      load({
        flags: { 'xmpp.domain': 'lattice.example.org', 'xmpp.secret': SECRET },
        flagNames: { 'xmpp.secret': '--component-secret' },
      })
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], /command line/)
      assert.ok(!warnings[0].includes(SECRET))
    })

    it('is not read when no domain is set: the node does not attach', () => {
      const c = load({ env: { XLATTICE_XMPP_SECRET_FILE: join(dir, 'absent') } })
      assert.equal(xmppAttachment(c), undefined)
    })

    it('never appears in an error, even when it is the invalid value', () => {
      const digits = '827364519283746'
      const wrongType = file(`[xmpp]\ndomain = "lattice.example.org"\nsecret = ${digits}\n`)
      const msg = loadError({ file: wrongType })
      assert.equal(
        msg,
        `config error in ${wrongType}: xmpp.secret: expected a non-empty string, got (hidden)`,
      )
      // A syntax error's code frame shows the lines around it.
      const broken = file(`[xmpp]\nsecret = "${SECRET}\ndomain = "lattice.example.org"\n`)
      const syntax = loadError({ file: broken })
      assert.match(syntax, /TOML syntax error at line 2/)
      assert.match(syntax, /secret = \(hidden\)/)
      assert.ok(!syntax.includes(SECRET), syntax)
      // Nor alongside the other checks' errors.
      const both = loadError({
        env: { XLATTICE_XMPP_SECRET: SECRET, XLATTICE_XMPP_SECRET_FILE: file(SECRET) },
      })
      assert.ok(!both.includes(SECRET), both)
    })
  })

  it('belongs to the node: a registry refuses [xmpp] in its file', () => {
    assert.match(
      loadError({ role: 'registry', file: file('[xmpp]\ndomain = "lattice.example.org"\n') }),
      /xmpp: \[xmpp\] configures the node process, not a registry/,
    )
  })
})
