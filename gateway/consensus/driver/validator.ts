/**
 * A validator process (`xlattice validator`): identity, LevelDB store, a libp2p host, the
 * driver and the key-value application, with the validator set pinned in the config
 * (`consensus.validators`, the genesis set) until clusters form their own. The chain id is the
 * hash of that genesis set, so every message and certificate names the chain it belongs to.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { sha256 } from '../../../lib/crypto.js'
import { concatBytes, fromB64u, toHex } from '../../../lib/encoding.js'
import { identitySigner, libp2pPrivateKey, loadOrCreateIdentity } from '../../../lib/identity.js'
import { type Logger, logger } from '../../../lib/log.js'
import { LevelStore } from '../../../lib/store/index.js'
import { createHost, type Host } from '../../p2p/host.js'
import { ConsensusConfigError } from '../errors.js'
import type { Hash, ValidatorSet } from '../types.js'
import { encodeValidatorSet, makeValidatorSet } from '../validators.js'
import { driverTimeouts } from './constants.js'
import { Driver } from './driver.js'
import { KvApp } from './kv-app.js'
import { Libp2pTransport, type PeerInfo } from './transport.js'

export interface ValidatorEntry {
  peerId: string
  /** Base64url Ed25519 public key. */
  publicKey: string
  weight: number
  addrs: string[]
}

export interface ValidatorOptions {
  dataDir: string
  listen: string[]
  validators: readonly ValidatorEntry[]
  proposeTimeoutMs: number
  emptyBlockIntervalMs?: number
}

export interface RunningValidator {
  host: Host
  driver: Driver
  app: KvApp
  chainId: Hash
  metrics: Registry
  /** Resolves if the driver halts on a storage failure or internal error (the process should exit). */
  fatal: Promise<Error>
  status(): object
  stop(): Promise<void>
}

const CHAIN_TAG = new TextEncoder().encode('xlattice/bft/chain/v1\u0000')

/** The chain id of a genesis set: every signature of the chain commits to it. */
export function chainIdOf(genesis: ValidatorSet): Hash {
  return sha256(concatBytes(CHAIN_TAG, encodeValidatorSet(genesis)))
}

export function peerIdOfKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}

/** The genesis set and how to reach each member; throws if a peer ID does not match its key. */
export function genesisFrom(entries: readonly ValidatorEntry[]): {
  genesis: ValidatorSet
  peerOf(publicKey: Uint8Array): PeerInfo
} {
  if (entries.length === 0)
    throw new ConsensusConfigError('no validators: list them in [[consensus.validators]]')
  const known = new Map<string, PeerInfo>()
  const init = entries.map((e) => {
    const publicKey = fromB64u(e.publicKey, 32)
    if (peerIdOfKey(publicKey) !== e.peerId) {
      throw new ConsensusConfigError(`validator ${e.peerId}: its peerId does not embed its publicKey`)
    }
    known.set(toHex(publicKey), { peerId: e.peerId, addrs: e.addrs })
    return { publicKey, weight: e.weight }
  })
  // Validators added later by membership changes are reached by peer ID (their addresses come
  // from identify when they connect to us).
  const peerOf = (publicKey: Uint8Array): PeerInfo =>
    known.get(toHex(publicKey)) ?? { peerId: peerIdOfKey(publicKey), addrs: [] }
  return { genesis: makeValidatorSet(init), peerOf }
}

export async function startValidator(
  opts: ValidatorOptions,
  log: Logger = logger('gateway:consensus:driver'),
) {
  const { genesis, peerOf } = genesisFrom(opts.validators)
  const chainId = chainIdOf(genesis)
  const { identity } = await loadOrCreateIdentity(opts.dataDir)
  const store = await LevelStore.open(join(opts.dataDir, 'store'))
  const metrics = new Registry()
  let host: Host | undefined
  try {
    host = await createHost({ privateKey: await libp2pPrivateKey(identity), listen: opts.listen, dht: false })
    const consensus = store.sublevel('consensus')
    const app = new KvApp(consensus, { chainId })
    let onFatal!: (err: Error) => void
    const fatal = new Promise<Error>((resolve) => {
      onFatal = resolve
    })
    const driver = await Driver.open({
      chainId,
      genesis,
      signer: identitySigner(identity),
      store: consensus,
      app,
      transport: new Libp2pTransport(host, log),
      peerOf,
      timeouts: driverTimeouts(opts.proposeTimeoutMs),
      emptyBlockIntervalMs: opts.emptyBlockIntervalMs,
      log,
      metrics,
      onFatal,
    })
    await driver.start()
    const h = host
    const running: RunningValidator = {
      host: h,
      driver,
      app,
      chainId,
      metrics,
      fatal,
      status: () => ({
        role: 'validator',
        peerId: h.peerId.toString(),
        listen: h.getMultiaddrs().map((a) => a.toString()),
        chainId: toHex(chainId),
        ...driver.status(),
      }),
      stop: async () => {
        await driver.stop()
        await h.stop()
        await store.close()
      },
    }
    log.info(
      { peerId: h.peerId.toString(), chainId: toHex(chainId), height: driver.core.height },
      'validator started',
    )
    return running
  } catch (err) {
    await host?.stop()
    await store.close()
    throw err
  }
}
