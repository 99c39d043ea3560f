/**
 * The configuration schema: every key, its constraint, its default and its documentation.
 * `config/*.toml` and the key table in docs/configuration.md are generated from (or tested
 * against) the descriptions here, so this file is the one place a key is defined.
 *
 * TOML keys are camelCase; the environment name of `registry.rateLimit.requestsPerSec` is
 * `XLATTICE_REGISTRY_RATE_LIMIT_REQUESTS_PER_SEC` (see keys.ts).
 */
import { z } from 'zod'
import {
  bool,
  domainName,
  hostName,
  hostPort,
  int,
  isLoopbackHost,
  multiaddrList,
  multiaddrString,
  nonEmptyString,
  parseHostPort,
  peerIdString,
  peerMultiaddr,
  positiveNumber,
  publicKeyB64u,
} from './values.js'

export const ROLES = ['node', 'registry'] as const
export type Role = (typeof ROLES)[number]

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

const data = z
  .strictObject({
    dir: nonEmptyString('a directory path')
      .default('./xlattice-data')
      .meta({
        description:
          "The data directory: identity.json (this process's keys, created on first start) and the LevelDB store. " +
          'A relative path resolves against the working directory.',
      }),
  })
  .meta({ description: 'Where this process keeps its state.' })

const admin = z
  .strictObject({
    listen: hostPort()
      .default('127.0.0.1:0')
      .meta({
        description:
          'Where the admin HTTP endpoint (/status, /metrics) listens. Port 0 picks a free port. ' +
          'The host must be a loopback address unless allowRemote is true.',
      }),
    allowRemote: bool()
      .default(false)
      .meta({
        description:
          'Allow a non-loopback admin.listen host. The admin endpoint has no authentication: ' +
          'only enable this behind a firewall or proxy you control.',
      }),
  })
  // A check across two keys, so it lives on the section rather than on either key.
  .superRefine((admin, ctx) => {
    const parsed = parseHostPort(admin.listen)
    if (parsed !== undefined && !admin.allowRemote && !isLoopbackHost(parsed.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen'],
        message: 'a loopback host (127.0.0.1, [::1] or localhost) unless admin.allowRemote = true',
      })
    }
  })
  .meta({ description: 'The admin HTTP endpoint read by `xlattice status` and Prometheus.' })

const log = z
  .strictObject({
    level: z
      .enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` })
      .default('info')
      .meta({ description: 'Least severe level written to the structured (pino) log on stderr.' }),
  })
  .meta({ description: 'Logging.' })

const node = z
  .strictObject({
    listen: multiaddrList()
      .default(['/ip4/127.0.0.1/tcp/0'])
      .meta({ description: "Addresses the node's libp2p host listens on. Port 0 picks a free port." }),
    registry: peerMultiaddr()
      .optional()
      .meta({
        description:
          'The registry to register with, including its /p2p/<peerId> (the registry prints it on start). ' +
          'No default: `xlattice start` refuses to run without it.',
        example: 'registry = "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW..."',
      }),
    heartbeatSec: int(1, 3600)
      .default(10)
      .meta({
        description:
          "Seconds between heartbeats to the registry. Keep it well under the registry's heartbeatTtlSec, " +
          'or the registry forgets this node between heartbeats.',
      }),
    neighbourRefreshSec: int(1, 3600)
      .default(30)
      .meta({ description: "Seconds between refreshes of this node's neighbour list from the registry." }),
    registerRetryMaxSec: int(1, 3600).default(30).meta({
      description:
        'Longest wait, in seconds, between attempts to register while the registry is unreachable.',
    }),
    pingIntervalSec: int(1, 3600)
      .default(10)
      .meta({ description: 'Seconds between keep-alive pings (libp2p ping) to each neighbour.' }),
    deadAfterMisses: int(1, 100).default(3).meta({
      description:
        'Pings a neighbour may miss in a row before it is marked dead; it is then redialled with backoff.',
    }),
    reconnectMaxSec: int(1, 3600).default(60).meta({
      description: 'Longest wait, in seconds, between attempts to reconnect to a dead neighbour.',
    }),
    idleConnectionSec: int(1, 86_400)
      .default(60)
      .meta({
        description:
          'Seconds an outbound connection may carry no stream before it is closed, unless it goes to ' +
          'the registry or a neighbour (DHT lookups would otherwise leave connections to everyone open).',
      }),
  })
  .meta({ description: 'The node process (`xlattice start`).' })

/**
 * Attachment to the operator's XMPP server as an external component (XEP-0114). Checks that span
 * keys or read the secret file are in xmpp.ts, run by the loader once the layers are merged.
 */
const xmpp = z
  .strictObject({
    domain: domainName()
      .optional()
      .meta({
        description:
          "The component domain this node serves, exactly as in the XMPP server's config (Prosody " +
          '`Component "..."`, ejabberd `ejabberd_service` hosts). Unset: the node does not attach to ' +
          'an XMPP server. Give every node its own domain.',
        example: 'domain = "lattice.example.org"',
      }),
    host: hostName()
      .default('127.0.0.1')
      .meta({ description: "Host of the XMPP server's component listener." }),
    port: int(1, 65535).default(5347).meta({
      description: "Port of the XMPP server's component listener (component_ports, ejabberd_service).",
    }),
    secret: nonEmptyString('a non-empty string')
      .optional()
      .meta({
        secret: true,
        description:
          "The component secret: Prosody's component_secret, ejabberd's password. Prefer secretFile or " +
          'the environment variable: a secret here is readable by whoever can read this file. ' +
          'Never printed in errors or logs.',
      }),
    secretFile: nonEmptyString('a file path')
      .optional()
      .meta({
        description:
          'A file holding the component secret (surrounding whitespace is ignored), instead of secret. ' +
          'A relative path resolves against the working directory. Keep it mode 0600 or 0400.',
        example: 'secretFile = "/etc/xlattice/component.secret"',
      }),
    plaintext: bool()
      .default(false)
      .meta({
        description:
          "Messages between users' home nodes go signed but not encrypted. Off: they are encrypted " +
          'end to end between home nodes.',
      }),
  })
  .meta({
    description:
      'Attachment to an XMPP server (Prosody, ejabberd) as an external component (node only). ' +
      'See docs/xmpp-server-setup.md.',
  })

const messaging = z
  .strictObject({
    plaintext: bool()
      .default(false)
      .meta({
        description:
          'Send node-to-node messages as plaintext (signed, not encrypted) when the sender does not say. ' +
          'Plaintext messages are labelled as such in logs and /status.',
      }),
    retryMaxSec: int(1, 3600).default(30).meta({
      description:
        'Longest wait, in seconds, between attempts to deliver queued messages to an unreachable node.',
    }),
    maxQueued: int(1, 10_000_000).default(100_000).meta({
      description:
        'Messages the persistent outbox holds at most, for all destinations; sending beyond is refused.',
    }),
  })
  .meta({ description: 'Node-to-node messaging on /xlattice/msg/1.0.0 (node only).' })

const nodeIdHex = () => z.string().regex(/^[0-9a-f]{64}$/, { error: 'a NodeID: 64 lowercase hex characters' })

const cluster = z
  .strictObject({
    size: int(1, 64).default(4).meta({
      description:
        'Members per authentication cluster (n = 3f + 1 tolerates f faulty members; 1 is for development).',
    }),
    formationIntervalSec: int(1, 3600).default(2).meta({
      description:
        'How often a node without a cluster asks its neighbours and proposes one when it is its turn.',
    }),
    lockSec: int(1, 3600).default(20).meta({
      description:
        'How long a node stays committed to a cluster proposal it accepted before it is free again (a proposer that died).',
    }),
    members: z.array(nodeIdHex(), { error: 'a list of NodeIDs' }).default([]).meta({
      description:
        'Pinned members (NodeIDs, this node included): form exactly this cluster instead of choosing from neighbours. Empty: automatic.',
      example: 'members = ["<64 hex>", "<64 hex>", "<64 hex>", "<64 hex>"]',
    }),
    replaceAfterSec: int(0, 30 * 86_400)
      .default(600)
      .meta({
        description:
          'How long a cluster member must be unreachable from the other members before they replace it with a free node. 0: never automatically (xlattice cluster replace still can).',
      }),
  })
  .meta({
    description: 'Cluster formation on /xlattice/cluster/1.0.0 (node only). See docs/protocols/cluster.md.',
  })

const rateLimit = z
  .strictObject({
    requestsPerSec: positiveNumber(1_000_000)
      .default(50)
      .meta({ description: 'Sustained requests per second allowed from one peer (token bucket refill).' }),
    burst: int(1, 1_000_000).default(100).meta({
      description: 'Requests one peer may send at once before requestsPerSec applies (token bucket size).',
    }),
  })
  .meta({ description: 'Per-peer rate limit on registry requests.' })

const registry = z
  .strictObject({
    listen: multiaddrList()
      .default(['/ip4/127.0.0.1/tcp/0'])
      .meta({ description: "Addresses the registry's libp2p host listens on. Port 0 picks a free port." }),
    heartbeatTtlSec: int(1, 86_400)
      .default(30)
      .meta({ description: 'Seconds after its last heartbeat before the registry forgets a node.' }),
    neighbourK: int(1, 64)
      .default(8)
      .meta({ description: 'How many neighbours the registry returns to a node that asks.' }),
    maxMessageBytes: int(1024, 16 * 1024 * 1024)
      .default(65536)
      .meta({ description: 'Largest request the registry reads; a longer one is refused before parsing.' }),
    clockSkewSec: int(1, 3600).default(60).meta({
      description:
        "How far, in seconds, a signed request's timestamp may be from the registry's clock before it is refused.",
    }),
    rateLimit: rateLimit.prefault({}),
    nonceRetentionSec: int(1, 86_400)
      .default(600)
      .meta({
        description:
          'Seconds the registry remembers request nonces, to refuse replays. At least 2 x clockSkewSec, ' +
          'since a request is accepted while its timestamp is within clockSkewSec either side.',
      }),
    referrals: bool()
      .default(false)
      .meta({
        description:
          'Once clusters exist, answer a new node with a referral to a cluster, which assigns its NodeID ' +
          '(the registry then certifies the assigned NodeID). Off: the registry assigns NodeIDs itself.',
      }),
  })
  .extend({
    public: hostPort()
      .optional()
      .meta({
        description:
          'Where the read-only public HTTP listener serves releases to people (/releases/latest.json, ' +
          '/releases/<version>.tgz). Off unless set; any host may be used, since it serves only signed files.',
        example: 'public = "0.0.0.0:8080"',
      }),
    releaseMaxBytes: int(1024, 2 * 1024 * 1024 * 1024)
      .default(256 * 1024 * 1024)
      .meta({ description: 'Largest release tarball the registry accepts for publishing, in bytes.' }),
  })
  .superRefine((registry, ctx) => {
    // A nonce forgotten while its request's timestamp is still acceptable could be replayed.
    if (registry.nonceRetentionSec < 2 * registry.clockSkewSec) {
      ctx.addIssue({
        code: 'custom',
        path: ['nonceRetentionSec'],
        message: `at least 2 x registry.clockSkewSec (${2 * registry.clockSkewSec})`,
      })
    }
  })
  .meta({ description: 'The registry process (`xlattice registry`).' })

const update = z
  .strictObject({
    keys: z.array(publicKeyB64u(), { error: 'a list of release public keys (base64url)' }).default([]).meta({
      description:
        'Release public keys this node trusts (printed by `xlattice release keygen`). Empty means updates are off.',
      example: 'keys = ["<32 bytes, base64url>"]',
    }),
    intervalHours: int(1, 720).default(6).meta({ description: 'Hours between checks for a newer release.' }),
    autoInstall: bool().default(false).meta({
      description: 'Install a newer verified release by itself (it takes effect on the next restart).',
    }),
    installDir: nonEmptyString('a directory path').optional().meta({
      description:
        'Where releases are installed (versions/<v>, a current link). Default: $XLATTICE_INSTALL_DIR or ~/.xlattice.',
    }),
  })
  .meta({ description: 'Signed software updates from the XLattice server (node only). See docs/updates.md.' })

const validator = z.strictObject(
  {
    peerId: peerIdString(),
    publicKey: publicKeyB64u(),
    weight: int(1),
    addrs: z.array(multiaddrString(), { error: 'a list of multiaddrs' }),
  },
  { error: 'a table with peerId, publicKey, weight and addrs' },
)

const consensus = z
  .strictObject({
    validators: z
      .array(validator, { error: 'a list of validator tables' })
      .superRefine((validators, ctx) => {
        const seen = new Set<string>()
        validators.forEach((v, i) => {
          if (seen.has(v.peerId)) {
            ctx.addIssue({ code: 'custom', path: [i, 'peerId'], message: 'a peer ID not listed before' })
          }
          seen.add(v.peerId)
        })
      })
      .default([])
      .meta({
        description:
          "The validator set of this node's cluster: peerId, publicKey (base64url), weight (>= 1) and addrs. " +
          '`xlattice validator` runs consensus with it as the genesis set (its hash names the chain, so changing ' +
          'it later starts another chain); membership changes are committed operations after that.',
        example: [
          '[[consensus.validators]]',
          'peerId = "12D3KooW..."',
          'publicKey = "<32 bytes, base64url>"',
          'weight = 1',
          'addrs = ["/ip4/10.0.0.2/tcp/4001"]',
        ].join('\n'),
      }),
    proposeTimeoutMs: int(50, 600_000)
      .default(1000)
      .meta({
        description:
          'Base propose timeout of `xlattice validator`, in milliseconds: how long a validator waits for the ' +
          "round's proposal before voting nil. Prevote and precommit timeouts are a quarter of it; all grow with " +
          'each round. Raise it for validators far apart.',
      }),
  })
  .meta({ description: 'Cluster consensus (node only).' })

/** Sections are prefaulted so that an absent section parses to all of its defaults. */
export const configSchema = z.strictObject({
  data: data.prefault({}),
  admin: admin.prefault({}),
  log: log.prefault({}),
  node: node.prefault({}),
  xmpp: xmpp.prefault({}),
  messaging: messaging.prefault({}),
  cluster: cluster.prefault({}),
  consensus: consensus.prefault({}),
  update: update.prefault({}),
  registry: registry.prefault({}),
})

export type Config = z.infer<typeof configSchema>
export type Section = keyof Config

/**
 * Which process reads which section. A section for the other role in a file is an error (it
 * would silently do nothing); in the loaded Config it simply holds its defaults.
 */
export const SECTION_ROLES: Record<Section, readonly Role[]> = {
  data: ROLES,
  admin: ROLES,
  log: ROLES,
  node: ['node'],
  xmpp: ['node'],
  messaging: ['node'],
  cluster: ['node'],
  consensus: ['node'],
  update: ['node'],
  registry: ['registry'],
}
