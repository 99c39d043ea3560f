/**
 * The replicated cluster registry as a consensus application: blocks are built and certified
 * by hand and applied as the driver would (apply, then its writes in one batch).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, sha256, verifySignature } from '../../../../lib/crypto.js'
import { concatBytes, toHex } from '../../../../lib/encoding.js'
import { LevelStore, MemoryStore, type Store } from '../../../../lib/store/index.js'
import { approveMembership, encodeMembershipOp } from '../../../../gateway/consensus/driver/index.js'
import {
  assignedNodeId,
  encodeNickEntry,
  encodeUserEntry,
  entryHash,
  nickKey,
  nickName,
  TAG_USER_ID,
  userKey,
  userName,
  userNodeId,
} from '../../../../gateway/cluster/entries.js'
import { verifyMerkleProof } from '../../../../gateway/cluster/merkle.js'
import { InvalidNick } from '../../../../gateway/cluster/errors.js'
import { normalizeNick } from '../../../../gateway/cluster/nick.js'
import { RECEIPT_HEIGHTS, ReceiptLog } from '../../../../gateway/cluster/receipt-log.js'
import { BlockReceipts } from '../../../../gateway/cluster/receipts.js'
import { RegistryApp } from '../../../../gateway/cluster/registry-app.js'
import {
  assignNodeIdOp,
  encodeRegisterNickOp,
  OP_REGISTER_NICK,
  registerNickOp,
  releaseNickOp,
} from '../../../../gateway/cluster/ops.js'
import { buildBlock, setOf } from '../consensus/fixtures.js'
import {
  CHAIN,
  commit,
  commitFor,
  genesis,
  keys,
  members,
  newApp,
  opHash,
  outsider,
  register,
  user,
  utf8,
} from './registry-fixtures.js'

describe('cluster registry: state machine', () => {
  it('[0.1.2] registers a nick: the binding holds the user keys, user NodeID and home node', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const alice = user('alice')
    const home = app.members()[1].nodeId
    const op = register(app, alice, 'alice', { home })
    assert.equal(app.checkOperation(op), true)
    await commit(app, store, [op])

    const entry = app.nick('alice')!
    assert.equal(entry.nick, 'alice')
    assert.deepEqual(entry.signingKey, alice.signer.publicKey)
    assert.deepEqual(entry.agreementKey, alice.agreementKey)
    assert.deepEqual(entry.home, home)
    assert.equal(entry.since, 1)
    assert.deepEqual(entry.userNodeId, userNodeId(CHAIN, alice.signer.publicKey))
    const receipt = app.receipt(opHash(op))!
    assert.deepEqual(
      { height: receipt.height, index: receipt.index, accepted: receipt.accepted, reason: receipt.reason },
      { height: 1, index: 0, accepted: true, reason: null },
    )
    assert.deepEqual(receipt.id, entry.userNodeId)
    const u = app.userByNodeId(toHex(entry.userNodeId))!
    assert.equal(u.nick, 'alice')
    assert.equal(u.seq, 1)
    assert.equal(app.nick('bob'), undefined)
  })

  it('[0.1.2] entries hash into the state root as exported: a nick proves bound, a free nick absent', async () => {
    const store = new MemoryStore()
    const seen: string[] = []
    const app = new RegistryApp(store, {
      chainId: CHAIN,
      genesis,
      beforeApply: (c, map) => seen.push(`${toHex(map.root())}=${toHex(c.block.header.stateRoot)}`),
    })
    const alice = user('alice')
    await commit(app, store, [register(app, alice, 'alice')])
    await commit(app, store, [])
    assert.deepEqual(
      seen.map((s) => s.split('=')[0] === s.split('=')[1]),
      [true, true],
      'the hook sees the state the header commits to',
    )
    const entry = app.nick('alice')!
    const bound = app.prove(nickName('alice'))
    assert.equal(toHex(bound.root), toHex(app.root))
    assert.equal(toHex(bound.key), toHex(nickKey('alice')))
    assert.equal(
      verifyMerkleProof(bound.root, nickKey('alice'), entryHash(encodeNickEntry(entry)), bound.proof),
      true,
    )
    const altered = encodeNickEntry({ ...entry, agreementKey: randomBytes(32) })
    assert.equal(verifyMerkleProof(bound.root, nickKey('alice'), entryHash(altered), bound.proof), false)
    const u = app.userByNodeId(entry.userNodeId)!
    const userProof = app.prove(userName(entry.userNodeId)).proof
    assert.equal(
      verifyMerkleProof(app.root, userKey(entry.userNodeId), entryHash(encodeUserEntry(u)), userProof),
      true,
    )
    const free = app.prove(nickName('bob'))
    assert.equal(verifyMerkleProof(free.root, nickKey('bob'), undefined, free.proof), true)
  })

  it('[0.1.2] the same nick twice in one block: the first in block order wins, the second is nick-taken', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const [a, b] = [user('a'), user('b')]
    const first = register(app, a, 'shared', { member: members[2] })
    const second = register(app, b, 'shared', { member: members[3] })
    await commit(app, store, [first, second])
    assert.deepEqual(app.nick('shared')!.signingKey, a.signer.publicKey)
    assert.equal(app.receipt(opHash(first))!.accepted, true)
    const lost = app.receipt(opHash(second))!
    assert.deepEqual([lost.accepted, lost.reason, lost.index, lost.id], [false, 'nick-taken', 1, null])
    assert.equal(app.userByKey(b.signer.publicKey), undefined, 'the loser has no user record')
  })

  it('[0.1.2] the same nick in a later block is nick-taken and the first owner is kept', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const [a, b] = [user('a'), user('b')]
    await commit(app, store, [register(app, a, 'taken')])
    const root = app.root
    const late = register(app, b, 'TAKEN', { member: members[1] })
    await commit(app, store, [late])
    assert.equal(app.receipt(opHash(late))!.reason, 'nick-taken')
    assert.deepEqual(app.nick('taken')!.signingKey, a.signer.publicKey)
    assert.equal(toHex(app.root), toHex(root), 'a rejected op changes no entry')
  })

  it('[0.1.2] folds case and enforces [a-z0-9_-]{1,32}; "." and "#" are reserved, unicode refused', async () => {
    assert.equal(normalizeNick('Alice_2-X'), 'alice_2-x')
    for (const bad of ['', 'a.b', '#room', 'a b', 'x'.repeat(33), 'caf\u00e9', '\u212Aate', 'a@b', 'a/b']) {
      assert.equal(normalizeNick(bad), null, bad)
    }
    assert.equal(normalizeNick('x'.repeat(32)), 'x'.repeat(32))

    const store = new MemoryStore()
    const app = newApp(store)
    assert.throws(() => register(app, user('d'), 'a.b'), InvalidNick)
    const mixed = register(app, user('m'), 'MiXeD')
    const raw = (nick: Uint8Array, name: string) =>
      encodeRegisterNickOp({
        chainId: CHAIN,
        member: members[0],
        user: user(name).signer,
        agreementKey: user(name).agreementKey,
        home: app.members()[0].nodeId,
        nick,
      })
    const bad = [
      raw(utf8('Upper'), 'r1'), // the op must carry the canonical form
      raw(utf8('a.b'), 'r2'),
      raw(utf8('#chan'), 'r3'),
      raw(new Uint8Array(), 'r4'),
      raw(utf8('y'.repeat(33)), 'r5'),
      raw(utf8('caf\u00e9'), 'r6'),
      raw(utf8('\u212Aate'), 'r7'),
      raw(new Uint8Array([0x61, 0]), 'r8'),
    ]
    await commit(app, store, [mixed, ...bad])
    assert.equal(app.nick('mixed')!.nick, 'mixed')
    assert.equal(app.nick('MIXED')!.nick, 'mixed', 'queries fold case too')
    for (const op of bad) assert.equal(app.receipt(opHash(op))!.reason, 'bad-nick')
    assert.equal(app.nickCount, 1)
    const long = register(app, user('long'), 'Z'.repeat(32))
    await commit(app, store, [long, register(app, user('other'), 'mixed')])
    assert.equal(app.nick('z'.repeat(32))!.nick, 'z'.repeat(32))
    assert.equal(app.nickCount, 2)
  })

  it('[0.1.2] refuses a non-member submitter, a bad member signature and a bad user signature', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const byOutsider = register(app, user('o'), 'outsider', { member: outsider })
    assert.equal(app.checkOperation(byOutsider), false, 'not admitted to the mempool')
    const forged = register(app, user('f'), 'forged')
    forged[forged.length - 1] ^= 1
    // A member cannot register a nick for a key it does not hold: the user's proof is its own.
    const victim = user('victim')
    const stolen = registerNickOp({
      chainId: CHAIN,
      member: members[0],
      user: { publicKey: victim.signer.publicKey, sign: (tag, bytes) => members[0].sign(tag, bytes) },
      agreementKey: victim.agreementKey,
      home: app.members()[0].nodeId,
      nick: 'victim',
    })
    const otherChain = registerNickOp({
      chainId: sha256(utf8('another chain')),
      member: members[0],
      user: user('c').signer,
      agreementKey: user('c').agreementKey,
      home: app.members()[0].nodeId,
      nick: 'chain',
    })
    for (const op of [forged, stolen, otherChain]) assert.equal(app.checkOperation(op), false)
    await commit(app, store, [byOutsider, forged, stolen, otherChain])
    assert.equal(app.receipt(opHash(byOutsider))!.reason, 'not-a-member')
    assert.equal(app.receipt(opHash(forged))!.reason, 'bad-signature')
    assert.equal(app.receipt(opHash(stolen))!.reason, 'bad-user-signature')
    assert.equal(app.receipt(opHash(otherChain))!.reason, 'bad-signature')
    assert.equal(app.nickCount, 0)
    const unknownHome = register(app, user('h'), 'homeless', { home: randomBytes(32) })
    await commit(app, store, [unknownHome])
    assert.equal(app.receipt(opHash(unknownHome))!.reason, 'unknown-home')
  })

  it('[0.1.5] user NodeIDs are H(clusterId || user key): derived by apply, unique, never taken from the op', async () => {
    const store = new MemoryStore()
    const clusterId = sha256(utf8('cluster 7'))
    const app = newApp(store, { clusterId })
    const users = ['u1', 'u2', 'u3'].map(user)
    const ops = users.map((u, i) => register(app, u, `n${i}`))
    await commit(app, store, ops)
    const ids = users.map((u) => app.userByKey(u.signer.publicKey)!.userNodeId)
    assert.equal(new Set(ids.map(toHex)).size, 3)
    const expected = sha256(utf8(TAG_USER_ID), new Uint8Array([0]), clusterId, users[0].signer.publicKey)
    assert.equal(toHex(ids[0]), toHex(expected))
    assert.equal(toHex(app.nick('n0')!.userNodeId), toHex(expected))
    assert.notEqual(
      toHex(userNodeId(CHAIN, users[0].signer.publicKey)),
      toHex(expected),
      'bound to the cluster',
    )

    // No field of the operation names the ID, and the user's signature covers every byte of the
    // body: whatever a proposer changes in a registration, it is refused, and the ID the genuine
    // one binds is the derivation of the key that signed it.
    const u4 = user('u4')
    const op = register(app, u4, 'n4')
    const mutants: Uint8Array[] = []
    for (let i = 0; i < op.length; i += 3) {
      const m = op.slice()
      m[i] ^= 0x80
      mutants.push(m)
    }
    await commit(app, store, [...mutants, op])
    for (const m of mutants) assert.equal(app.receipt(opHash(m))!.accepted, false)
    assert.deepEqual(app.receipt(opHash(op))!.id, userNodeId(clusterId, u4.signer.publicKey))
    assert.deepEqual(app.nick('n4')!.userNodeId, userNodeId(clusterId, u4.signer.publicKey))
  })

  it('[0.1.5] a user NodeID stays the same across release, re-registration and restart', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const u = user('stable')
    await commit(app, store, [register(app, u, 'first')])
    const id = toHex(app.nick('first')!.userNodeId)
    await commit(app, store, [
      releaseNickOp({ chainId: CHAIN, member: members[1], user: u.signer, nick: 'first', seq: 1 }),
    ])
    assert.equal(app.nick('first'), undefined)
    assert.equal(toHex(app.userByKey(u.signer.publicKey)!.userNodeId), id)
    await commit(app, store, [register(app, u, 'second', { seq: 2 })])
    assert.equal(toHex(app.nick('second')!.userNodeId), id)
    const restarted = newApp(store)
    await restarted.load()
    assert.equal(toHex(restarted.nick('second')!.userNodeId), id)
    assert.equal(restarted.userByNodeId(id)!.seq, 3)
  })

  it('[0.1.2] releases: only by the owner, and replayed registrations or releases are stale', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const [owner, thief] = [user('owner'), user('thief')]
    const reg = register(app, owner, 'mine')
    await commit(app, store, [reg])
    const byThief = releaseNickOp({
      chainId: CHAIN,
      member: members[0],
      user: thief.signer,
      nick: 'mine',
      seq: 0,
    })
    const unknown = releaseNickOp({
      chainId: CHAIN,
      member: members[0],
      user: owner.signer,
      nick: 'nobody',
      seq: 1,
    })
    const release = releaseNickOp({
      chainId: CHAIN,
      member: members[0],
      user: owner.signer,
      nick: 'mine',
      seq: 1,
    })
    await commit(app, store, [byThief, unknown, release])
    assert.equal(app.receipt(opHash(byThief))!.reason, 'not-owner')
    assert.equal(app.receipt(opHash(unknown))!.reason, 'unknown-nick')
    assert.equal(app.receipt(opHash(release))!.accepted, true)
    assert.equal(app.nick('mine'), undefined, 'a later height lacks the nick')
    await commit(app, store, [reg])
    assert.equal(app.receipt(opHash(reg))!.reason, 'stale-sequence', 'a replayed registration')
    await commit(app, store, [register(app, owner, 'mine', { seq: 2 })])
    await commit(app, store, [release])
    assert.equal(app.receipt(opHash(release))!.reason, 'stale-sequence', 'a replayed release')
    assert.equal(app.nick('mine')!.since, 4)
    const second = register(app, owner, 'another', { seq: 3 })
    await commit(app, store, [second])
    assert.equal(app.receipt(opHash(second))!.reason, 'key-in-use', 'one nick per user key')
  })

  it('[0.1.2] reads follow every change of a nick: the decoded entries kept for reads are dropped with it', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const [first, second] = [user('first-owner'), user('second-owner')]
    await commit(app, store, [register(app, first, 'shared')])
    const before = app.nick('shared')!
    assert.equal(app.nick('shared'), before, 'read twice, decoded once')
    await commit(app, store, [
      releaseNickOp({ chainId: CHAIN, member: members[0], user: first.signer, nick: 'shared', seq: 1 }),
    ])
    assert.equal(app.nick('shared'), undefined, 'released')
    await commit(app, store, [register(app, second, 'shared')])
    const after = app.nick('shared')!
    assert.notEqual(
      toHex(after.userNodeId),
      toHex(before.userNodeId),
      'the new owner, not the one read before',
    )
    assert.equal(after.since, 3)
    // More nicks read than the reads keep: every one still reads as bound.
    const many = Array.from({ length: 1100 }, (_, i) => `n${i}`)
    await commit(
      app,
      store,
      many.map((nick) => register(app, user(nick), nick)),
    )
    for (const nick of many) assert.equal(app.nick(nick)?.nick, nick)
    assert.equal(toHex(app.nick('shared')!.userNodeId), toHex(after.userNodeId))
  })

  it('[0.1.9] assigns node IDs: derived from the cluster and the key, unique, idempotent', async () => {
    const store = new MemoryStore()
    const clusterId = sha256(utf8('cluster 9'))
    const app = newApp(store, { clusterId })
    const [n1, n2] = [user('node1'), user('node2')]
    const a1 = assignNodeIdOp({
      chainId: CHAIN,
      member: members[0],
      node: n1.signer,
      agreementKey: n1.agreementKey,
    })
    const a2 = assignNodeIdOp({
      chainId: CHAIN,
      member: members[1],
      node: n2.signer,
      agreementKey: n2.agreementKey,
    })
    assert.equal(app.checkOperation(a1), true)
    await commit(app, store, [a1, a2])
    const id1 = app.nodeIdFor(n1.signer.publicKey)!
    assert.equal(toHex(id1), toHex(assignedNodeId(clusterId, n1.signer.publicKey)))
    assert.notEqual(toHex(id1), toHex(app.nodeIdFor(n2.signer.publicKey)!))
    assert.deepEqual(app.receipt(opHash(a1))!.id, id1)
    assert.deepEqual(app.node(id1)!.agreementKey, n1.agreementKey)

    const root = app.root
    const again = assignNodeIdOp({
      chainId: CHAIN,
      member: members[2],
      node: n1.signer,
      agreementKey: n1.agreementKey,
    })
    const otherKeys = assignNodeIdOp({
      chainId: CHAIN,
      member: members[2],
      node: n1.signer,
      agreementKey: randomBytes(32),
    })
    const forged = assignNodeIdOp({
      chainId: CHAIN,
      member: members[2],
      node: { publicKey: user('node3').signer.publicKey, sign: n1.signer.sign.bind(n1.signer) },
      agreementKey: randomBytes(32),
    })
    await commit(app, store, [again, otherKeys, forged])
    assert.deepEqual(app.receipt(opHash(again))!.id, id1, 'the same keys get the same NodeID')
    assert.equal(app.receipt(opHash(again))!.accepted, true)
    assert.equal(app.receipt(opHash(otherKeys))!.reason, 'node-keys-differ')
    assert.equal(app.receipt(opHash(forged))!.reason, 'bad-user-signature')
    assert.equal(toHex(app.root), toHex(root), 'nothing changed')

    // An assigned node may be a user's home; every member (any instance on these blocks) knows it.
    await commit(app, store, [register(app, user('x'), 'homed', { home: id1 })])
    assert.deepEqual(app.nick('homed')!.home, id1)
    const member = newApp(store, { clusterId })
    await member.load()
    assert.equal(toHex(member.nodeIdFor(n1.signer.publicKey)!), toHex(id1))
  })

  it('records members and their NodeIDs, and follows approved membership changes', async () => {
    const store = new MemoryStore()
    const given = randomBytes(32)
    const app = new RegistryApp(store, {
      chainId: CHAIN,
      genesis,
      memberNodeIds: [{ publicKey: members[0].publicKey, nodeId: given }],
    })
    assert.deepEqual(
      app.members().map((m) => toHex(m.publicKey)),
      members.map((k) => toHex(k.publicKey)),
    )
    assert.deepEqual(app.nodeIdFor(members[0].publicKey), given)
    assert.deepEqual(app.nodeIdFor(members[1].publicKey), assignedNodeId(CHAIN, members[1].publicKey))

    // Members 0..2 approve replacing member 3 by the outsider.
    const next = setOf([members[0], members[1], members[2], outsider])
    const approvals = members.slice(0, 3).map((k) => approveMembership(k, CHAIN, genesis, next))
    const change = encodeMembershipOp(genesis, next, approvals)
    const weak = encodeMembershipOp(genesis, next, approvals.slice(0, 1))
    assert.equal(app.checkOperation(change), true)
    assert.equal(toHex(app.nextValidatorSet(1, genesis, [weak, change]).hash), toHex(next.hash))
    await commit(app, store, [weak, change], { nextSet: next })
    assert.equal(app.receipt(opHash(weak))!.reason, 'bad-approvals')
    assert.equal(app.receipt(opHash(change))!.accepted, true)
    const now = app.members().map((m) => toHex(m.publicKey))
    assert.equal(now.includes(toHex(outsider.publicKey)), true)
    assert.equal(now.includes(toHex(members[3].publicKey)), false)
    assert.deepEqual(app.nodeIdFor(members[0].publicKey), given, 'a kept member keeps its NodeID')

    const byNew = register(app, user('n'), 'newcomer', { member: outsider })
    const byGone = register(app, user('g'), 'gone', { member: members[3] })
    assert.equal(app.checkOperation(byGone), false)
    await commit(app, store, [byNew, byGone], {
      set: next,
      signers: next.validators.map((v) => keys.find((k) => toHex(k.publicKey) === toHex(v.publicKey))!),
    })
    assert.equal(app.receipt(opHash(byNew))!.accepted, true)
    assert.equal(app.receipt(opHash(byGone))!.reason, 'not-a-member')
  })

  it('validates proposals on state-free rules only: root, framing, signatures', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const ok = register(app, user('v'), 'valid')
    const nonMember = register(app, user('w'), 'other', { member: outsider })
    const badSig = register(app, user('x'), 'bad')
    badSig[10] ^= 1
    const block = (operations: Uint8Array[], stateRoot = app.root) =>
      buildBlock({ set: genesis, height: 1, round: 0, operations, stateRoot }).block
    assert.equal(app.validateBlock(block([ok, nonMember])), true, 'membership is settled by apply')
    assert.equal(app.validateBlock(block([ok, badSig])), false)
    assert.equal(app.validateBlock(block([new Uint8Array([0x42, 1, 2])])), false, 'unknown kind')
    assert.equal(app.validateBlock(block([ok], randomBytes(32))), false, 'another state root')
    assert.equal(app.checkOperation(new Uint8Array()), false)
    assert.equal(app.checkOperation(new Uint8Array([OP_REGISTER_NICK, 1])), false)
  })

  it("checks each operation's signatures once across checkOperation, validateBlock and apply", async () => {
    let calls = 0
    const verify = (tag: string, bytes: Uint8Array, sig: Uint8Array, key: Uint8Array) => {
      calls++
      return verifySignature(tag, bytes, sig, key)
    }
    const store = new MemoryStore()
    const app = newApp(store, { verify })
    const ops = ['p', 'q', 'r'].map((n) => register(app, user(n), n))
    for (const op of ops) assert.equal(app.checkOperation(op), true)
    assert.equal(calls, 6, 'two signatures per operation')
    const c = commitFor(app, ops)
    assert.equal(app.validateBlock(c.block), true)
    await store.batch(app.apply(c))
    assert.equal(calls, 6, 'validateBlock and apply found them checked')
    assert.equal(app.nickCount, 3)
    // A block fetched by catch-up was never admitted here: apply checks it itself.
    const late = register(app, user('s'), 's')
    await commit(app, store, [late])
    assert.equal(calls, 8)
  })

  it('[0.1.2] two instances applying the same blocks reach the same root; different content, different roots', async () => {
    const [sa, sb, sc] = [new MemoryStore(), new MemoryStore(), new MemoryStore()]
    const [a, b, c] = [newApp(sa), newApp(sb), newApp(sc)]
    assert.equal(toHex(a.root), toHex(b.root))
    const blocks = [
      [register(a, user('1'), 'one'), register(a, user('2'), 'two')],
      [
        assignNodeIdOp({
          chainId: CHAIN,
          member: members[3],
          node: user('n').signer,
          agreementKey: user('n').agreementKey,
        }),
      ],
      [releaseNickOp({ chainId: CHAIN, member: members[1], user: user('1').signer, nick: 'one', seq: 1 })],
      [],
    ]
    for (const ops of blocks) {
      const record = commitFor(a, ops)
      await sa.batch(a.apply(record))
      await sb.batch(b.apply(record))
      assert.equal(toHex(a.root), toHex(b.root))
    }
    await commit(c, sc, [register(c, user('1'), 'uno')])
    assert.notEqual(toHex(c.stateRoot(1)), toHex(a.stateRoot(1)))
    assert.equal(toHex((await a.rootAt(2))!), toHex(b.stateRoot(2)))
    assert.throws(() => a.apply(commitFor(c, [])), /applying block 2 after 4/)
  })

  for (const kind of ['MemoryStore', 'LevelStore'] as const) {
    it(`[0.1.5] a restart over ${kind} reaches the same root and answers the same queries`, async () => {
      let dir: string | undefined
      let root: Store
      if (kind === 'LevelStore') {
        dir = await mkdtemp(join(tmpdir(), 'xl-registry-'))
        root = await LevelStore.open(join(dir, 'store'))
      } else root = new MemoryStore()
      try {
        const store = root.sublevel('consensus')
        const app = newApp(store)
        const u = user('persist')
        const n = user('pnode')
        const reg = register(app, u, 'persist')
        await commit(app, store, [
          reg,
          assignNodeIdOp({
            chainId: CHAIN,
            member: members[0],
            node: n.signer,
            agreementKey: n.agreementKey,
          }),
        ])
        await commit(app, store, [
          register(app, user('p2'), 'persist2'),
          register(app, user('p3'), 'persist'),
        ])
        const restarted = newApp(store)
        await restarted.load()
        assert.equal(restarted.height, 2)
        assert.equal(toHex(restarted.root), toHex(app.root))
        assert.equal(toHex(restarted.stateRoot(1)), toHex(app.stateRoot(1)))
        assert.deepEqual(restarted.nick('persist'), app.nick('persist'))
        assert.deepEqual(restarted.userByKey(u.signer.publicKey), app.userByKey(u.signer.publicKey))
        assert.deepEqual(restarted.nodeIdFor(n.signer.publicKey), app.nodeIdFor(n.signer.publicKey))
        assert.deepEqual(restarted.members(), app.members())
        assert.deepEqual(restarted.receipt(opHash(reg)), app.receipt(opHash(reg)))
        assert.deepEqual(await restarted.receiptAt(1, opHash(reg)), app.receipt(opHash(reg)))
        // Both go on identically.
        const next = commitFor(app, [register(app, user('p4'), 'after')])
        const writes = app.apply(next)
        assert.deepEqual(restarted.apply(next), writes, 'the same writes')
        assert.equal(toHex(restarted.root), toHex(app.root))
        await store.batch(writes)
        // A damaged entry is refused rather than served.
        const broken = new MemoryStore()
        for await (const [k, v] of store.entries()) await broken.put(k, v)
        await broken.put('a/e/nick/persist', new Uint8Array([1, 1, 0]))
        await assert.rejects(newApp(broken).load(), /damaged/)
      } finally {
        await root.close()
        if (dir !== undefined) await rm(dir, { recursive: true, force: true })
      }
    })
  }

  it('keeps receipts: from memory for recent heights, from the store by height, unknown ops answer nothing', async () => {
    const store = new MemoryStore()
    const app = newApp(store)
    const op = register(app, user('r'), 'receipt')
    const c = await commit(app, store, [new Uint8Array([0x77]), op])
    assert.equal(c.height, 1)
    assert.deepEqual(
      { ...app.receipt(toHex(opHash(op)))!, id: null },
      { opHash: opHash(op), height: 1, index: 1, accepted: true, reason: null, id: null },
    )
    assert.equal(app.receipt(opHash(new Uint8Array([0x77])))!.reason, 'malformed')
    assert.equal(app.receipt(randomBytes(32)), undefined)
    assert.equal(app.receipt('not hex'), undefined)
    for (let i = 0; i < 70; i++) await commit(app, store, [])
    assert.equal(app.receipt(opHash(op)), undefined, 'beyond the recent heights in memory')
    assert.equal((await app.receiptAt(1, opHash(op)))!.accepted, true)
    assert.equal(await app.receiptAt(2, opHash(op)), undefined)

    // The store keeps RECEIPT_HEIGHTS heights: the batch of a height deletes the one aged out.
    const log = new ReceiptLog(new MemoryStore())
    const late = new BlockReceipts(RECEIPT_HEIGHTS + 5, 1)
    late.add(opHash(op), { reason: 'nick-taken' })
    assert.deepEqual(
      log.add(late.finish()).map((w) => `${w.type} ${w.key}`),
      [`put a/r/${String(RECEIPT_HEIGHTS + 5).padStart(16, '0')}`, `del a/r/${'5'.padStart(16, '0')}`],
    )
    assert.equal(log.recent(opHash(op))!.reason, 'nick-taken')
  })

  it('apply never throws on 10,000 random and mutated operations and commits them all as rejected', async function () {
    this.timeout(120_000)
    const store = new MemoryStore()
    const app = newApp(store)
    const home = app.members()[0].nodeId
    const good = [
      register(app, user('f1'), 'fuzz'),
      releaseNickOp({ chainId: CHAIN, member: members[1], user: user('f1').signer, nick: 'fuzz', seq: 1 }),
      assignNodeIdOp({ chainId: CHAIN, member: members[2], node: user('f2').signer, agreementKey: home }),
      encodeMembershipOp(
        genesis,
        setOf(keys),
        members.slice(0, 3).map((k) => approveMembership(k, CHAIN, genesis, setOf(keys))),
      ),
    ]
    const seeded = (() => {
      let s = 0x12345678
      return (n: number) => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0
        return s % n
      }
    })()
    const mutate = (op: Uint8Array): Uint8Array => {
      const m = op.slice()
      switch (seeded(4)) {
        case 0:
          m[seeded(m.length)] ^= 1 << seeded(8)
          return m
        case 1:
          return m.subarray(0, seeded(m.length))
        case 2:
          return concatBytes(m, randomBytes(1 + seeded(8)))
        default:
          for (let i = 0; i < 4; i++) m[seeded(m.length)] = seeded(256)
          return m
      }
    }
    const u = user('fz')
    const signedWrong = (i: number): Uint8Array => {
      // Correctly signed by a member and the user, wrong in content.
      const which = i % 3
      return encodeRegisterNickOp({
        chainId: CHAIN,
        member: members[i % 4],
        user: u.signer,
        agreementKey: u.agreementKey,
        home: which === 0 ? randomBytes(32) : home,
        nick: which === 1 ? utf8(`Bad.${i}`) : utf8(`ok${i}`),
        seq: which === 2 ? 5 + i : 0,
        nonce: BigInt(i),
      })
    }
    const ops: Uint8Array[] = []
    for (let i = 0; i < 10_000; i++) {
      const r = i % 4
      if (r === 0 || r === 1) {
        ops.push(mutate(good[seeded(good.length)]))
      } else if (r === 2) {
        const kind = 0x10 + seeded(3)
        ops.push(concatBytes(new Uint8Array([kind, 1]), randomBytes(seeded(400))))
      } else ops.push(signedWrong(i))
    }
    const root = app.root
    for (let i = 0; i < ops.length; i += 2000) {
      const batch = ops.slice(i, i + 2000)
      for (const op of batch) assert.doesNotThrow(() => app.checkOperation(op))
      const c = commitFor(app, batch)
      assert.doesNotThrow(() => app.validateBlock(c.block))
      let writes: ReturnType<typeof app.apply> = []
      assert.doesNotThrow(() => {
        writes = app.apply(c)
      })
      await store.batch(writes)
      const receipts = await Promise.all(batch.map((op) => app.receiptAt(c.height, opHash(op))))
      for (const [j, r] of receipts.entries()) {
        assert.ok(r !== undefined, `receipt of op ${i + j}`)
        assert.equal(r.accepted, false, `op ${i + j} (${toHex(batch[j].subarray(0, 4))}) was accepted`)
      }
    }
    assert.equal(toHex(app.root), toHex(root), 'no entry changed')
    assert.equal(app.nickCount, 0)
  })
})
