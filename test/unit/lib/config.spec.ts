import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../../lib/errors.js'
import {
  type Config,
  defaultConfig,
  type LoadOptions,
  loadConfig,
  parseHostPort,
  renderDefaultToml,
  ROLES,
} from '../../../lib/config/index.js'
import { ALL_KEYS } from '../../../lib/config/keys.js'

const repo = (path: string) => new URL(`../../../${path}`, import.meta.url)
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const REGEN =
  "npx tsx --input-type=module --eval \"import { writeFileSync } from 'node:fs'; " +
  "import { renderDefaultToml } from './lib/config/index.ts'; " +
  "for (const r of ['node', 'registry']) writeFileSync('config/' + r + '.toml', renderDefaultToml(r))\""

describe('lib/config', () => {
  let dir: string
  let n = 0
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xlattice-config-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Writes a TOML file and returns its path. */
  const toml = (text: string): string => {
    const path = join(dir, `${++n}.toml`)
    writeFileSync(path, text)
    return path
  }
  // Never the real process.env: a developer's XLATTICE_ variables must not change test outcomes.
  const load = (opts: Partial<LoadOptions> & Pick<LoadOptions, 'role'>): Config =>
    loadConfig({ env: {}, ...opts })
  const loadError = (opts: Partial<LoadOptions> & Pick<LoadOptions, 'role'>): string => {
    try {
      load(opts)
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`)
      assert.equal(err.code, 'ERR_CONFIG')
      return err.message
    }
    assert.fail('expected loadConfig to throw')
  }

  describe('defaults', () => {
    it('documents the defaults the brief lists', () => {
      const c = defaultConfig('node')
      assert.equal(c.data.dir, './xlattice-data')
      assert.deepEqual(c.admin, { listen: '127.0.0.1:0', allowRemote: false })
      assert.equal(c.log.level, 'info')
      assert.equal(c.node.registry, undefined, 'no default: `xlattice start` checks for it')
      assert.deepEqual(c.node, {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        heartbeatSec: 10,
        neighbourRefreshSec: 30,
        registerRetryMaxSec: 30,
        pingIntervalSec: 10,
        deadAfterMisses: 3,
        reconnectMaxSec: 60,
        idleConnectionSec: 60,
      })
      assert.deepEqual(c.messaging, { plaintext: false, retryMaxSec: 30, maxQueued: 100_000 })
      assert.deepEqual(c.consensus.validators, [])
      assert.deepEqual(defaultConfig('registry').registry, {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        heartbeatTtlSec: 30,
        neighbourK: 8,
        maxMessageBytes: 65536,
        clockSkewSec: 60,
        rateLimit: { requestsPerSec: 50, burst: 100 },
        nonceRetentionSec: 600,
        referrals: false,
        releaseMaxBytes: 256 * 1024 * 1024,
      })
      assert.deepEqual(c.cluster, {
        size: 4,
        formationIntervalSec: 2,
        lockSec: 20,
        members: [],
        replaceAfterSec: 600,
      })
      assert.deepEqual(c.update, { keys: [], intervalHours: 6, autoInstall: false })
    })

    it('loads the defaults when there is no file, environment or flag', () => {
      for (const role of ROLES) assert.deepEqual(load({ role }), defaultConfig(role))
    })
  })

  describe('the documented default files', () => {
    for (const role of ROLES) {
      it(`config/${role}.toml is exactly renderDefaultToml('${role}')`, () => {
        const checkedIn = readFileSync(repo(`config/${role}.toml`), 'utf8')
        assert.equal(checkedIn, renderDefaultToml(role), `config/${role}.toml is stale; regenerate: ${REGEN}`)
      })

      it(`config/${role}.toml as shipped loads to the defaults`, () => {
        assert.deepEqual(load({ role, file: repo(`config/${role}.toml`).pathname }), defaultConfig(role))
      })

      it(`config/${role}.toml states each default truly: uncommenting every key changes nothing`, () => {
        const text = renderDefaultToml(role).replace(/^# (\w+ = .*)$/gm, '$1')
        assert.ok(/^heartbeat|^listen = /m.test(text), 'expected some key lines to be uncommented')
        assert.deepEqual(load({ role, file: toml(text) }), defaultConfig(role))
      })
    }

    it('docs/configuration.md names every key and its environment variable', () => {
      const doc = readFileSync(repo('docs/configuration.md'), 'utf8')
      for (const key of ALL_KEYS) {
        assert.ok(doc.includes(`\`${key.name}\``), `docs/configuration.md does not mention ${key.name}`)
        assert.ok(doc.includes(key.env), `docs/configuration.md does not mention ${key.env}`)
      }
    })
  })

  describe('file', () => {
    it('reads every kind of value, including nested tables and validators', () => {
      const file = toml(`
[data]
dir = "/var/lib/xlattice"
[log]
level = "debug"
[node]
listen = ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"]
registry = "/ip4/10.0.0.1/tcp/4000/p2p/${PEER}"
heartbeatSec = 5
[[consensus.validators]]
peerId = "${PEER}"
publicKey = "${'A'.repeat(43)}"
weight = 2
addrs = ["/ip4/10.0.0.2/tcp/4001"]
`)
      const c = load({ role: 'node', file })
      assert.equal(c.data.dir, '/var/lib/xlattice')
      assert.equal(c.log.level, 'debug')
      assert.deepEqual(c.node.listen, ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'])
      assert.equal(c.node.registry, `/ip4/10.0.0.1/tcp/4000/p2p/${PEER}`)
      assert.equal(c.node.heartbeatSec, 5)
      assert.equal(c.node.neighbourRefreshSec, 30, 'keys the file leaves out keep their defaults')
      assert.deepEqual(c.consensus.validators, [
        { peerId: PEER, publicKey: 'A'.repeat(43), weight: 2, addrs: ['/ip4/10.0.0.2/tcp/4001'] },
      ])

      const r = load({ role: 'registry', file: toml('[registry.rateLimit]\nrequestsPerSec = 2.5\n') })
      assert.deepEqual(r.registry.rateLimit, { requestsPerSec: 2.5, burst: 100 })
    })

    it('names the file, the key, the expectation and the value given for a wrong type', () => {
      const file = toml('[registry]\nneighbourK = "eight"\n')
      assert.equal(
        loadError({ role: 'registry', file }),
        `config error in ${file}: registry.neighbourK: expected an integer from 1 to 64, got "eight"`,
      )
      const big = toml('[registry]\nneighbourK = 65\n')
      assert.match(loadError({ role: 'registry', file: big }), /registry\.neighbourK: expected .* got 65$/)
    })

    it('names the element inside a list', () => {
      const file = toml('[[consensus.validators]]\npeerId = "nope"\nweight = 0\naddrs = []\n')
      const msg = loadError({ role: 'node', file })
      assert.match(msg, /consensus\.validators\[0\]\.peerId: expected a libp2p peer ID .*, got "nope"/)
      assert.match(msg, /consensus\.validators\[0\]\.publicKey: missing, expected a 32-byte public key/)
      assert.match(msg, /consensus\.validators\[0\]\.weight: expected an integer >= 1, got 0/)
    })

    it('refuses an unknown key, suggesting the near one', () => {
      const file = toml('[node]\nheartbeatSecs = 5\n[registry]\n')
      const msg = loadError({ role: 'node', file })
      assert.match(
        msg,
        new RegExp(
          `^config error in ${file}: node\\.heartbeatSecs: unknown key \\(did you mean node\\.heartbeatSec\\?\\)`,
        ),
      )
      const snake = toml('[node]\nheartbeat_sec = 5\n')
      assert.match(loadError({ role: 'node', file: snake }), /did you mean node\.heartbeatSec\?/)
      const far = toml('[node]\ncolour = "blue"\n')
      assert.equal(loadError({ role: 'node', file: far }), `config error in ${far}: node.colour: unknown key`)
      const proto = toml('[node]\nconstructor = 1\n')
      assert.equal(
        loadError({ role: 'node', file: proto }),
        `config error in ${proto}: node.constructor: unknown key`,
      )
    })

    it('refuses an unknown section, and one belonging to the other role', () => {
      const file = toml('[lgo]\nlevel = "debug"\n')
      assert.match(loadError({ role: 'node', file }), /: lgo: unknown section \(did you mean \[log\]\?\)/)
      const stray = toml('level = "debug"\n')
      assert.match(
        loadError({ role: 'node', file: stray }),
        /: level: unknown section .*did you mean log\.level\?/,
      )
      const other = toml('[registry]\nneighbourK = 8\n')
      assert.match(
        loadError({ role: 'node', file: other }),
        /: registry: \[registry\] configures the registry process/,
      )
    })

    it('gives the line and column of a TOML syntax error', () => {
      const file = toml('[node]\nheartbeatSec = 5\nlisten = [\n')
      assert.match(
        loadError({ role: 'node', file }),
        new RegExp(`^config error in ${file}: TOML syntax error at line \\d+, column \\d+: `),
      )
      const bad = toml('[node]\nheartbeatSec = = 5\n')
      assert.match(loadError({ role: 'node', file: bad }), /TOML syntax error at line 2, column \d+/)
    })

    it('refuses a file that was named but does not exist', () => {
      const file = join(dir, 'missing.toml')
      assert.equal(loadError({ role: 'node', file }), `config error in ${file}: file not found`)
    })
  })

  describe('precedence: flag > environment > file > default', () => {
    const file = () => toml('[node]\nheartbeatSec = 20\nneighbourRefreshSec = 21\nregisterRetryMaxSec = 22\n')

    it('file beats default', () => {
      assert.equal(load({ role: 'node', file: file() }).node.heartbeatSec, 20)
    })

    it('environment beats file, leaving the keys it does not set to the file', () => {
      const c = load({ role: 'node', file: file(), env: { XLATTICE_NODE_HEARTBEAT_SEC: '30' } })
      assert.equal(c.node.heartbeatSec, 30)
      assert.equal(c.node.neighbourRefreshSec, 21)
    })

    it('flag beats environment, leaving the keys it does not set to the lower layers', () => {
      const c = load({
        role: 'node',
        file: file(),
        env: { XLATTICE_NODE_HEARTBEAT_SEC: '30', XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '31' },
        flags: { 'node.heartbeatSec': 40, 'node.listen': undefined },
      })
      assert.equal(c.node.heartbeatSec, 40)
      assert.equal(c.node.neighbourRefreshSec, 31)
      assert.equal(c.node.registerRetryMaxSec, 22)
      assert.deepEqual(c.node.listen, ['/ip4/127.0.0.1/tcp/0'], 'an undefined flag is one not given')
    })
  })

  describe('environment', () => {
    it('coerces numbers, booleans and lists', () => {
      const c = load({
        role: 'node',
        env: {
          XLATTICE_NODE_HEARTBEAT_SEC: ' 7 ',
          XLATTICE_ADMIN_ALLOW_REMOTE: 'true',
          XLATTICE_ADMIN_LISTEN: '0.0.0.0:9090',
          XLATTICE_NODE_LISTEN: '/ip4/0.0.0.0/tcp/1, /ip4/0.0.0.0/tcp/2',
          XLATTICE_CONSENSUS_VALIDATORS: JSON.stringify([
            { peerId: PEER, publicKey: 'B'.repeat(43), weight: 1, addrs: [] },
          ]),
        },
      })
      assert.equal(c.node.heartbeatSec, 7)
      assert.equal(c.admin.allowRemote, true)
      assert.deepEqual(c.node.listen, ['/ip4/0.0.0.0/tcp/1', '/ip4/0.0.0.0/tcp/2'])
      assert.equal(c.consensus.validators[0].weight, 1)

      const j = load({ role: 'registry', env: { XLATTICE_REGISTRY_LISTEN: '["/ip4/0.0.0.0/tcp/3"]' } })
      assert.deepEqual(j.registry.listen, ['/ip4/0.0.0.0/tcp/3'])
      const r = load({ role: 'registry', env: { XLATTICE_REGISTRY_RATE_LIMIT_REQUESTS_PER_SEC: '0.5' } })
      assert.equal(r.registry.rateLimit.requestsPerSec, 0.5)
      for (const [raw, value] of [
        ['1', true],
        ['0', false],
        ['false', false],
      ] as const) {
        assert.equal(
          load({ role: 'node', env: { XLATTICE_ADMIN_ALLOW_REMOTE: raw } }).admin.allowRemote,
          value,
        )
      }
    })

    it('ignores unknown XLATTICE_ variables, the other role, and empty values', () => {
      const env = {
        XLATTICE_SOMETHING_ELSE: 'x',
        XLATTICE_REGISTRY_NEIGHBOUR_K: 'not for a node',
        XLATTICE_NODE_HEARTBEAT_SEC: '',
      }
      assert.deepEqual(load({ role: 'node', env }), defaultConfig('node'))
    })

    it('names the variable and the key when a value is invalid', () => {
      assert.equal(
        loadError({ role: 'node', env: { XLATTICE_NODE_HEARTBEAT_SEC: 'often' } }),
        'config error in environment XLATTICE_NODE_HEARTBEAT_SEC: node.heartbeatSec: expected an integer from 1 to 3600, got "often"',
      )
      assert.match(
        loadError({ role: 'node', env: { XLATTICE_ADMIN_ALLOW_REMOTE: 'yes' } }),
        /environment XLATTICE_ADMIN_ALLOW_REMOTE: admin\.allowRemote: expected true or false, got "yes"/,
      )
      assert.match(
        loadError({ role: 'node', env: { XLATTICE_NODE_REGISTRY: '/ip4/10.0.0.1/tcp/4000' } }),
        /XLATTICE_NODE_REGISTRY: node\.registry: expected a multiaddr ending in \/p2p\/<peerId>/,
      )
    })
  })

  describe('flags', () => {
    it('coerces strings like the environment and names the flag in errors', () => {
      const c = load({
        role: 'registry',
        flags: { 'registry.neighbourK': '12', 'registry.listen': '/ip4/0.0.0.0/tcp/5' },
      })
      assert.equal(c.registry.neighbourK, 12)
      assert.deepEqual(c.registry.listen, ['/ip4/0.0.0.0/tcp/5'])
      const msg = loadError({
        role: 'node',
        flags: { 'node.listen': ['/ip4/0.0.0.0/tcp/1', 'garbage'] },
        flagNames: { 'node.listen': '--listen' },
      })
      assert.match(
        msg,
        /^config error in flag --listen: node\.listen\[1\]: expected a multiaddr .*, got "garbage"$/,
      )
      assert.match(
        loadError({ role: 'node', flags: { 'log.level': 'loud' } }),
        /^config error in flag --log\.level: /,
      )
    })

    it('refuses a key that does not exist or belongs to the other role', () => {
      assert.match(
        loadError({ role: 'node', flags: { 'node.hearbeatSec': 3 } }),
        /did you mean node\.heartbeatSec\?/,
      )
      assert.match(
        loadError({ role: 'node', flags: { 'registry.neighbourK': 3 } }),
        /configures the registry process/,
      )
    })
  })

  describe('admin.listen', () => {
    it('accepts loopback hosts, IPv4, IPv6 and by name', () => {
      for (const listen of ['127.0.0.1:0', '127.1.2.3:9090', '[::1]:9090', 'localhost:80']) {
        assert.equal(load({ role: 'node', flags: { 'admin.listen': listen } }).admin.listen, listen)
      }
      assert.deepEqual(parseHostPort('[::1]:9090'), { host: '::1', port: 9090 })
    })

    it('refuses a non-loopback host unless allowRemote, naming the layer that set it', () => {
      const file = toml('[admin]\nlisten = "0.0.0.0:9090"\n')
      assert.equal(
        loadError({ role: 'node', file }),
        `config error in ${file}: admin.listen: expected a loopback host (127.0.0.1, [::1] or localhost) unless admin.allowRemote = true, got "0.0.0.0:9090"`,
      )
      assert.match(
        loadError({
          role: 'registry',
          flags: { 'admin.listen': '10.0.0.5:80' },
          flagNames: { 'admin.listen': '--admin' },
        }),
        /^config error in flag --admin: admin\.listen: expected a loopback host/,
      )
      // allowRemote may come from a different layer than listen.
      const c = load({ role: 'node', file, env: { XLATTICE_ADMIN_ALLOW_REMOTE: 'true' } })
      assert.equal(c.admin.listen, '0.0.0.0:9090')
    })

    it('refuses a malformed HOST:PORT', () => {
      for (const listen of ['127.0.0.1', '127.0.0.1:70000', '::1:80']) {
        assert.match(loadError({ role: 'node', flags: { 'admin.listen': listen } }), /expected HOST:PORT/)
      }
    })
  })

  it('checks registry.nonceRetentionSec against clockSkewSec, even when one is a default', () => {
    assert.equal(
      loadError({ role: 'registry', env: { XLATTICE_REGISTRY_CLOCK_SKEW_SEC: '400' } }),
      'config error: registry.nonceRetentionSec: expected at least 2 x registry.clockSkewSec (800), got 600 (the default)',
    )
    const file = toml('[registry]\nclockSkewSec = 400\nnonceRetentionSec = 800\n')
    assert.equal(load({ role: 'registry', file }).registry.nonceRetentionSec, 800)
  })

  it('reports every error at once, one line each', () => {
    const file = toml('[node]\nheartbeatSec = 0\nnope = 1\n')
    const lines = loadError({ role: 'node', file, env: { XLATTICE_LOG_LEVEL: 'loud' } }).split('\n')
    assert.equal(lines.length, 3)
  })
})
