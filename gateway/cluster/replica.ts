/**
 * A cluster member's replica of the cluster registry: the BFT driver (gateway/consensus) with
 * the registry state machine (registry-app.ts) as its application, started once the node is
 * in a cluster. The genesis validator set is the cluster's genesis members at the XLattice
 * server (weight 1 each), the chain id is the hash of that set, and derived IDs (user
 * NodeIDs) are scoped by the server-issued cluster ID.
 *
 * The operator surface (`xlattice nick register|show`) goes through here: a nick is
 * registered for a user key pair this node generates and keeps in `<data>/users/`, with this
 * node as the user's home, and the answer is the committed receipt. Under load, clients hold
 * the user keys themselves and send requests they signed (ops.ts signNickRequest); the member
 * only adds its envelope (registerNicks, `POST /nicks`).
 *
 * A member that joined by replacing a dead one (replace-service.ts) starts from the genesis
 * set like everyone, catches up every block, and once the chain counts it a member records the
 * NodeID the server certified for it (op 0x13), so users can name it as their home.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import { ed25519FromSeed, ed25519Generate, Signer, sha256, x25519Generate } from '../../lib/crypto.js'
import { fromB64u, toB64u, toHex } from '../../lib/encoding.js'
import type { Logger } from '../../lib/log.js'
import type { Store } from '../../lib/store/index.js'
import { driverTimeouts } from '../consensus/driver/constants.js'
import { Driver } from '../consensus/driver/driver.js'
import { MempoolFull } from '../consensus/driver/errors.js'
import { Libp2pTransport } from '../consensus/driver/transport.js'
import { chainIdOf, peerIdOfKey } from '../consensus/driver/validator.js'
import type { ValidatorSet } from '../consensus/types.js'
import { makeValidatorSet } from '../consensus/validators.js'
import type { Host } from '../p2p/host.js'
import type { ClusterBinding, ClusterMember, SignedCertificate } from '../registry/registry.pb.js'
import { equalBytes } from '../../lib/encoding.js'
import { normalizeNick } from './nick.js'
import { memberNodeIdOp, type NickRequest, nickRequestOp, registerNickOp, releaseNickOp } from './ops.js'
import { RegistryApp } from './registry-app.js'

export interface ReplicaComponents {
  host: Host
  /** The node's store; the replica keeps its chain and registry in one sublevel of it. */
  store: Store
  signer: Signer
  dataDir: string
  log: Logger
  metrics: Registry
  /** The XLattice server's key: the issuer of the NodeID certificates members record (0x13). */
  issuers?: readonly Uint8Array[]
  /** This node's NodeID certificate, recorded once the chain counts it a member under another NodeID. */
  certificate?(): SignedCertificate | undefined
}

/** The replica's key space in the node's store. */
const SUBLEVEL = 'cluster'
/** How often a member checks that the chain knows it by its certified NodeID. */
const OWN_ID_CHECK_MS = 2000

export interface NickRegistration {
  nick: string
  accepted: boolean
  reason: string | null
  height: number
  userNodeId: string | null
}

/** A registration the user signed elsewhere; its home is the member it is sent to. */
export type SignedNickRequest = Omit<NickRequest, 'home'>

/** What became of one request of a batch: `height` is null when it was refused before consensus. */
export interface NickReceipt {
  nick: string
  accepted: boolean
  /** A receipt's reason (receipts.ts), or before consensus `bad-nick`, `bad-user-signature`, `mempool-full`. */
  reason: string | null
  height: number | null
  userNodeId: string | null
}

export class Replica {
  readonly driver: Driver
  readonly app: RegistryApp
  readonly chainId: Uint8Array
  readonly clusterId: Uint8Array
  readonly #c: ReplicaComponents
  readonly #home: Uint8Array
  #usersDir?: Promise<void>
  #ownIdTimer?: NodeJS.Timeout
  #recording = false
  /** A 0x13 of ours was committed as rejected: trying again would only fill blocks. */
  #ownIdRefused = false

  private constructor(
    c: ReplicaComponents,
    driver: Driver,
    app: RegistryApp,
    binding: ClusterBinding,
    home: Uint8Array,
  ) {
    this.#c = c
    this.driver = driver
    this.app = app
    this.chainId = clusterChainId(binding.genesis)
    this.clusterId = binding.clusterId
    this.#home = home
  }

  /**
   * Deletes the replica's chain and registry from the node's store: the node left its cluster
   * (a later cluster has another chain, which the driver would refuse to open over this one).
   */
  static async forget(store: Store): Promise<void> {
    const sub = store.sublevel(SUBLEVEL)
    const keys: string[] = []
    for await (const [key] of sub.entries({})) keys.push(key)
    for (let i = 0; i < keys.length; i += 10_000) {
      await sub.batch(
        keys.slice(i, i + 10_000).map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      )
    }
  }

  static async start(c: ReplicaComponents, binding: ClusterBinding, home: Uint8Array): Promise<Replica> {
    const genesis = genesisSet(binding.genesis)
    const chainId = chainIdOf(genesis)
    const store = c.store.sublevel(SUBLEVEL)
    const saved = await store.get('g')
    if (saved !== undefined && !equalBytes(saved, chainId)) {
      // The chain of a cluster this node left without cleaning up (a crash while leaving).
      c.log.warn({ clusterId: toHex(binding.clusterId) }, "dropping a former cluster's chain")
      await Replica.forget(c.store)
    }
    const app = new RegistryApp(store, {
      chainId,
      clusterId: binding.clusterId,
      genesis,
      // The founders' NodeIDs only: every member, whenever it joined, must derive the same state.
      memberNodeIds: binding.genesis.map((m) => ({ publicKey: m.sigPublicKey, nodeId: m.nodeId })),
      certificateIssuers: c.issuers,
    })
    const driver = await Driver.open({
      chainId,
      genesis,
      signer: c.signer,
      store,
      app,
      transport: new Libp2pTransport(c.host, c.log),
      // Members are reached by peer ID: the keep-alive table puts their addresses in the peer store.
      peerOf: (publicKey) => ({ peerId: peerIdOfKey(publicKey), addrs: [] }),
      timeouts: driverTimeouts(1000),
      log: c.log,
      metrics: c.metrics,
      onFatal: (err) => c.log.error({ err: err.message }, 'the cluster replica stopped'),
    })
    await driver.start()
    c.log.info({ clusterId: toHex(binding.clusterId), height: driver.core.height }, 'cluster replica started')
    const replica = new Replica(c, driver, app, binding, home)
    replica.#ownIdTimer = setInterval(() => void replica.#recordOwnNodeId(), OWN_ID_CHECK_MS)
    return replica
  }

  /** The chain's member entry for this node's key, when it is a member at the committed height. */
  get memberEntry() {
    return this.app.members().find((m) => equalBytes(m.publicKey, this.#c.signer.publicKey))
  }

  /**
   * A member known to the chain by another NodeID than its certified one (it joined by a
   * membership change, which names keys only) records its certificate (0x13), once.
   */
  async #recordOwnNodeId(): Promise<void> {
    const me = this.memberEntry
    const cert = this.#c.certificate?.()
    if (this.#recording || this.#ownIdRefused || me === undefined || cert === undefined) return
    if (equalBytes(me.nodeId, this.#home)) return
    if (this.driver.core.myIndex < 0) return
    this.#recording = true
    try {
      const op = memberNodeIdOp({ chainId: this.chainId, member: this.#c.signer, certificate: cert })
      const height = await this.driver.submissions.submit(op)
      const receipt = await this.app.receiptAt(height, sha256(op))
      if (receipt?.accepted === true)
        this.#c.log.info({ height }, "recorded this member's certified NodeID in the cluster registry")
      else {
        this.#ownIdRefused = true
        this.#c.log.warn(
          { height, reason: receipt?.reason ?? null },
          "the cluster registry refused this member's certified NodeID; users cannot name it as home",
        )
      }
    } catch (err) {
      this.#c.log.debug({ err: (err as Error).message }, 'could not record the certified NodeID yet')
    } finally {
      this.#recording = false
    }
  }

  /**
   * Registers `nick` for a fresh user key pair (kept in `<data>/users/<nick>.json`, mode 0600),
   * with this node as home; resolves with the committed outcome (accepted, or the reason).
   */
  async registerNick(name: string): Promise<NickRegistration> {
    const nick = normalizeNick(name)
    if (nick === null) {
      return { nick: name, accepted: false, reason: 'bad-nick', height: this.app.height, userNodeId: null }
    }
    const userKeys = ed25519Generate()
    const agreement = x25519Generate()
    const op = registerNickOp({
      chainId: this.chainId,
      member: this.#c.signer,
      user: new Signer(userKeys),
      agreementKey: agreement.publicKey,
      home: this.#home,
      nick,
    })
    const outcome = await this.#commit(nick, op)
    if (outcome.accepted) await this.#keepUserKeys(nick, userKeys.seed, agreement.privateKey)
    return outcome
  }

  /**
   * Releases a nick this node registered with `registerNick` (it holds the user's keys in
   * `<data>/users/`); resolves with the committed outcome. A nick whose keys this node does not
   * hold is refused `not-owner` without consensus.
   */
  async releaseNick(name: string): Promise<NickRegistration> {
    const nick = normalizeNick(name)
    const refused = (reason: string): NickRegistration => ({
      nick: nick ?? name,
      accepted: false,
      reason,
      height: this.app.height,
      userNodeId: null,
    })
    if (nick === null) return refused('bad-nick')
    const file = join(this.#c.dataDir, 'users', `${nick}.json`)
    let seed: Uint8Array
    try {
      seed = fromB64u((JSON.parse(await readFile(file, 'utf8')) as { signingSeed: string }).signingSeed)
    } catch {
      return refused(this.app.nick(nick) === undefined ? 'unknown-nick' : 'not-owner')
    }
    const user = new Signer(ed25519FromSeed(seed))
    const entry = this.app.userByKey(user.publicKey)
    if (entry === undefined || entry.nick !== nick) return refused('unknown-nick')
    const op = releaseNickOp({ chainId: this.chainId, member: this.#c.signer, user, nick, seq: entry.seq })
    const outcome = await this.#commit(nick, op)
    if (outcome.accepted) await rm(file, { force: true })
    return outcome
  }

  /** Submits an operation and resolves with its committed receipt as an outcome. */
  async #commit(nick: string, op: Uint8Array): Promise<NickRegistration> {
    const height = await this.driver.submissions.submit(op)
    const receipt = await this.app.receiptAt(height, sha256(op))
    return {
      nick,
      accepted: receipt?.accepted === true,
      reason: receipt?.reason ?? (receipt === undefined ? 'no receipt' : null),
      height,
      userNodeId: receipt?.id == null ? null : toHex(receipt.id),
    }
  }

  /**
   * Submits requests the users signed (ops.ts signNickRequest, with this node as home) in this
   * member's envelope; resolves, in request order, with each one's committed receipt or the
   * reason it was refused before consensus.
   */
  registerNicks(requests: readonly SignedNickRequest[]): Promise<NickReceipt[]> {
    return Promise.all(requests.map((r) => this.#submitSigned(r)))
  }

  async #submitSigned(r: SignedNickRequest): Promise<NickReceipt> {
    const nick = normalizeNick(r.nick)
    const refused = (reason: string): NickReceipt => ({
      nick: nick ?? r.nick,
      accepted: false,
      reason,
      height: null,
      userNodeId: null,
    })
    if (nick === null) return refused('bad-nick')
    let op: Uint8Array
    try {
      op = nickRequestOp({ chainId: this.chainId, member: this.#c.signer }, { ...r, nick, home: this.#home })
    } catch {
      return refused('malformed')
    }
    const bad = this.app.admitOwn(op)
    if (bad !== null) return refused(bad)
    let height: number
    try {
      height = await this.driver.submissions.submit(op)
    } catch (err) {
      return refused(err instanceof MempoolFull ? 'mempool-full' : 'refused')
    }
    const hash = sha256(op)
    // Just committed: the in-memory index has it; by height otherwise (a duplicate committed earlier).
    const receipt = this.app.receipt(hash) ?? (await this.app.receiptAt(height, hash))
    return {
      nick,
      accepted: receipt?.accepted === true,
      reason: receipt?.reason ?? (receipt === undefined ? 'no receipt' : null),
      height,
      userNodeId: receipt?.id == null ? null : toHex(receipt.id),
    }
  }

  async #keepUserKeys(nick: string, seed: Uint8Array, agreementPrivate: Uint8Array): Promise<void> {
    const dir = join(this.#c.dataDir, 'users')
    // Made once per process: a mkdir per registration was a tenth of an XMPP registration's CPU.
    this.#usersDir ??= mkdir(dir, { recursive: true, mode: 0o700 }).then(() => {})
    await this.#usersDir
    const json = { nick, signingSeed: toB64u(seed), agreementPrivateKey: toB64u(agreementPrivate) }
    await writeFile(join(dir, `${nick}.json`), `${JSON.stringify(json, null, 1)}\n`, { mode: 0o600 })
  }

  /** The binding of a nick now, with the Merkle proof under the current state root. */
  showNick(name: string) {
    const entry = this.app.nick(name)
    const nick = normalizeNick(name)
    const proof = nick === null ? undefined : this.app.prove(`nick/${nick}`)
    return {
      nick: nick ?? name,
      registered: entry !== undefined,
      height: this.app.height,
      root: toHex(this.app.root),
      ...(entry === undefined
        ? {}
        : {
            userNodeId: toHex(entry.userNodeId),
            signingKey: toB64u(entry.signingKey),
            agreementKey: toB64u(entry.agreementKey),
            home: toHex(entry.home),
            since: entry.since,
          }),
      proof: proof === undefined ? null : { siblings: proof.proof.siblings.length },
    }
  }

  async rootAt(height: number): Promise<string | null> {
    const root = await this.app.rootAt(height)
    return root === undefined ? null : toHex(root)
  }

  status() {
    const d = this.driver.status() as { height?: number }
    return {
      chainId: toHex(this.chainId),
      /** This member's NodeID: the home a user names in a request sent here (POST /nicks). */
      home: toHex(this.#home),
      height: this.app.height,
      root: toHex(this.app.root),
      nicks: this.app.nickCount,
      /** Whether the chain counts this node a member now, and under which NodeID. */
      member: this.memberEntry !== undefined,
      memberNodeId: this.memberEntry === undefined ? null : toHex(this.memberEntry.nodeId),
      consensus: d,
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#ownIdTimer)
    await this.driver.stop()
  }
}

/** A cluster's genesis validator set: its genesis members at the server, weight 1 each. */
export function genesisSet(genesis: readonly ClusterMember[]): ValidatorSet {
  return makeValidatorSet(genesis.map((m) => ({ publicKey: m.sigPublicKey, weight: 1 })))
}

/** The chain id of a cluster: the hash of its genesis set. */
export function clusterChainId(genesis: readonly ClusterMember[]): Uint8Array {
  return chainIdOf(genesisSet(genesis))
}
