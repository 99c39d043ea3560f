/** `xlattice start`'s flags and the config keys they set (bin/commands/start.ts). */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Command } from 'commander'
import { pino } from 'pino'
import { configFromFlags } from '../../../bin/common.js'
import { register, START_FLAGS } from '../../../bin/commands/start.js'
import { xmppAttachment } from '../../../lib/config/index.js'
import { setRootLogger } from '../../../lib/log.js'

const exec = promisify(execFile)
const SECRET = 'Zq8-very-secret-value'
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const REGISTRY = `/ip4/127.0.0.1/tcp/1/p2p/${PEER}`

/** What commander hands the action for `xlattice start ARGS`, without running it. */
function parseStart(args: string[]): Record<string, unknown> {
  const program = new Command().exitOverride()
  register(program)
  const start = program.commands.find((c) => c.name() === 'start')!
  start.exitOverride()
  const { operands, unknown } = start.parseOptions(args)
  assert.deepEqual([...operands, ...unknown], [], 'every argument is a known option')
  return start.opts()
}

describe('xlattice start flags', () => {
  let dir: string
  const saved: Record<string, string | undefined> = {}
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xlattice-start-'))
    // configFromFlags reads process.env: a developer's XLATTICE_ variables must not leak in.
    for (const name of Object.keys(process.env).filter((k) => k.startsWith('XLATTICE_'))) {
      saved[name] = process.env[name]
      delete process.env[name]
    }
  })
  after(() => {
    rmSync(dir, { recursive: true, force: true })
    Object.assign(process.env, saved)
  })

  it('maps --component-* onto xmpp.*', () => {
    const options = parseStart([
      '--component-domain',
      'lattice.example.org',
      '--component-host',
      'xmpp.internal',
      '--component-port',
      '5348',
      '--component-secret',
      SECRET,
    ])
    const logged: string[] = []
    setRootLogger(pino({ level: 'info' }, { write: (line: string) => logged.push(line) }))
    try {
      const config = configFromFlags('node', options, START_FLAGS)
      assert.deepEqual(xmppAttachment(config), {
        domain: 'lattice.example.org',
        host: 'xmpp.internal',
        port: 5348,
        secret: SECRET,
        plaintext: false,
      })
    } finally {
      setRootLogger(pino({ level: 'info' }, pino.destination({ fd: 2, sync: false })))
    }
    // The secret on the command line is worth a warning, which does not repeat it.
    assert.equal(logged.length, 1)
    assert.match(JSON.parse(logged[0]).msg, /component secret was given on the command line/)
    assert.ok(!logged[0].includes(SECRET))
  })

  it('maps --component-secret-file onto xmpp.secretFile, read at load', () => {
    const secretFile = join(dir, 'component.secret')
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
    const options = parseStart([
      '--component-domain',
      'lattice.example.org',
      '--component-secret-file',
      secretFile,
    ])
    const config = configFromFlags('node', options, START_FLAGS)
    assert.equal(config.xmpp.secretFile, secretFile)
    assert.equal(xmppAttachment(config)?.secret, SECRET)
  })

  it('leaves the node unattached without --component-domain', () => {
    const config = configFromFlags('node', parseStart(['--registry', REGISTRY]), START_FLAGS)
    assert.equal(xmppAttachment(config), undefined)
  })

  it('every flag maps to a real option of the command', () => {
    const program = new Command()
    register(program)
    const start = program.commands.find((c) => c.name() === 'start')!
    const options = new Map(start.options.map((o) => [o.long, o.attributeName()]))
    for (const spec of START_FLAGS) assert.equal(options.get(spec.flag), spec.option, spec.flag)
  })

  describe('errors on the command line', function () {
    this.timeout(30_000)
    const run = async (args: string[]): Promise<{ code: number; stderr: string }> => {
      try {
        await exec(process.execPath, ['--import', 'tsx', 'bin/xlattice.ts', 'start', ...args], {
          env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('XLATTICE_'))),
          timeout: 20_000,
        })
        return { code: 0, stderr: '' }
      } catch (err: any) {
        return { code: err.code, stderr: String(err.stderr) }
      }
    }

    it('name the flag, exit 1, and never print the secret', async () => {
      const data = join(dir, 'data')
      const both = await run([
        '--data',
        data,
        '--registry',
        REGISTRY,
        '--component-domain',
        'lattice.example.org',
        '--component-secret',
        SECRET,
        '--component-secret-file',
        join(dir, 'absent'),
      ])
      assert.equal(both.code, 1)
      assert.equal(
        both.stderr.trim(),
        'xlattice: config error: xmpp.secret (from flag --component-secret) and xmpp.secretFile ' +
          '(from flag --component-secret-file) are both set: give the component secret one way only',
      )
      const port = await run(['--data', data, '--registry', REGISTRY, '--component-port', '0'])
      assert.equal(port.code, 1)
      assert.match(
        port.stderr,
        /^xlattice: config error in flag --component-port: xmpp\.port: expected an integer/,
      )
      const none = await run([
        '--data',
        data,
        '--registry',
        REGISTRY,
        '--component-domain',
        'lattice.example.org',
      ])
      assert.equal(none.code, 1)
      assert.match(
        none.stderr,
        /flag --component-domain: xmpp\.domain is set to "lattice\.example\.org" but no component secret/,
      )
    })
  })
})
