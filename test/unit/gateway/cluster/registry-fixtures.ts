/** Helpers for the cluster registry specs: members, users, and committed blocks built by hand. */
import { ed25519FromSeed, Signer, sha256, x25519Generate } from '../../../../lib/crypto.js'
import type { Store } from '../../../../lib/store/index.js'
import {
  type CommitRecord,
  encodeCertificate,
  type ValidatorSet,
} from '../../../../gateway/consensus/index.js'
import type { VerifyFn } from '../../../../gateway/consensus/verify.js'
import { registerNickOp } from '../../../../gateway/cluster/ops.js'
import { RegistryApp } from '../../../../gateway/cluster/registry-app.js'
import { buildBlock, CHAIN, certificate, setOf, signers } from '../consensus/fixtures.js'

export { CHAIN }

export const utf8 = (s: string) => new TextEncoder().encode(s)

/** Four members (validators 0..3) and a fifth key that is not one. */
export const keys = signers(5, 'registry')
export const members = keys.slice(0, 4)
export const outsider = keys[4]
export const genesis = setOf(members)

export function newApp(store: Store, o: { verify?: VerifyFn; clusterId?: Uint8Array } = {}): RegistryApp {
  return new RegistryApp(store, { chainId: CHAIN, genesis, ...o })
}

/** The committed record of `operations` at the app's next height, certified by members 0..2. */
export function commitFor(
  app: RegistryApp,
  operations: Uint8Array[],
  o: { set?: ValidatorSet; nextSet?: ValidatorSet; signers?: readonly Signer[] } = {},
): CommitRecord {
  const set = o.set ?? genesis
  const height = app.height + 1
  const b = buildBlock({ set, height, round: 0, operations, stateRoot: app.root, nextSet: o.nextSet })
  const cert = certificate(o.signers ?? members, [0, 1, 2], height, 0, b.hash)
  return {
    height,
    block: b.block,
    blockHash: b.hash,
    blockBytes: b.bytes,
    certificate: cert,
    certificateBytes: encodeCertificate(cert),
    validators: set,
    nextValidators: o.nextSet ?? set,
  }
}

/** Applies the block and writes its batch, as the driver does. */
export async function commit(
  app: RegistryApp,
  store: Store,
  operations: Uint8Array[],
  o: Parameters<typeof commitFor>[2] = {},
): Promise<CommitRecord> {
  const c = commitFor(app, operations, o)
  await store.batch(app.apply(c))
  return c
}

export interface User {
  signer: Signer
  agreementKey: Uint8Array
}

/** A deterministic user (signing key from a seed, a fresh X25519 key). */
export function user(name: string): User {
  return {
    signer: new Signer(ed25519FromSeed(sha256(utf8(`xlattice/test/user/${name}`)))),
    agreementKey: x25519Generate().publicKey,
  }
}

/** A registration of `nick` for `u`, submitted by `member` (default members[0]), homed at member 0's node. */
export function register(
  app: RegistryApp,
  u: User,
  nick: string,
  o: { member?: Signer; seq?: number; nonce?: bigint; home?: Uint8Array } = {},
): Uint8Array {
  return registerNickOp({
    chainId: CHAIN,
    member: o.member ?? members[0],
    user: u.signer,
    agreementKey: u.agreementKey,
    home: o.home ?? app.members()[0].nodeId,
    nick,
    seq: o.seq,
    nonce: o.nonce,
  })
}

export const opHash = (op: Uint8Array) => sha256(op)
