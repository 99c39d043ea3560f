/**
 * Nick requests signed where the user's keys are (POST /nicks) and wrapped by the member: the
 * operation is byte for byte registerNickOp's, and the member checks only the user's proof.
 */
import assert from 'node:assert/strict'
import { verifySignature } from '../../../../lib/crypto.js'
import { MemoryStore } from '../../../../lib/store/index.js'
import { InvalidNick } from '../../../../gateway/cluster/errors.js'
import {
  decodeRegistryOp,
  nickRequestOp,
  registerNickOp,
  signNickRequest,
} from '../../../../gateway/cluster/ops.js'
import { CHAIN, commit, members, newApp, opHash, user } from './registry-fixtures.js'

describe('cluster registry: client-signed nick requests', () => {
  const home = new Uint8Array(32).fill(7)

  it('[0.1.2] a signed request in the member envelope is the operation registerNickOp makes', () => {
    const u = user('client')
    const init = {
      chainId: CHAIN,
      user: u.signer,
      agreementKey: u.agreementKey,
      home,
      nick: 'Client_1',
      seq: 3,
    }
    const request = signNickRequest(init)
    assert.equal(request.nick, 'client_1', 'folded before signing')
    assert.deepEqual(request.signingKey, u.signer.publicKey)
    const wrapped = nickRequestOp({ chainId: CHAIN, member: members[1], nonce: 42n }, request)
    const direct = registerNickOp({ ...init, member: members[1], nonce: 42n })
    assert.deepEqual(wrapped, direct)
    const decoded = decodeRegistryOp(wrapped)
    assert.ok(decoded !== null && decoded.kind === 'registerNick')
    assert.equal(decoded.seq, 3)
    assert.deepEqual(decoded.inner.signature, request.userSignature)
  })

  it('[0.1.2] refuses a nick that breaks the rule and fields of the wrong size', () => {
    const u = user('sizes')
    const base = { chainId: CHAIN, user: u.signer, agreementKey: u.agreementKey, home }
    assert.throws(() => signNickRequest({ ...base, nick: 'a.b' }), InvalidNick)
    assert.throws(() => signNickRequest({ ...base, nick: 'ok', home: home.subarray(1) }), RangeError)
    const request = signNickRequest({ ...base, nick: 'ok' })
    const env = { chainId: CHAIN, member: members[0] }
    assert.throws(() => nickRequestOp(env, { ...request, nick: '#room' }), InvalidNick)
    assert.throws(() => nickRequestOp(env, { ...request, userSignature: new Uint8Array(63) }), RangeError)
    assert.throws(() => nickRequestOp(env, { ...request, agreementKey: new Uint8Array(33) }), RangeError)
    assert.throws(() => nickRequestOp(env, { ...request, seq: 2 ** 32 }), RangeError)
    assert.throws(() => nickRequestOp(env, { ...request, seq: -1 }), RangeError)
  })

  it('[0.1.2] admitOwn checks the user proof only, once; the operation then commits as any other', async () => {
    let calls = 0
    const verify = (tag: string, bytes: Uint8Array, sig: Uint8Array, key: Uint8Array) => {
      calls++
      return verifySignature(tag, bytes, sig, key)
    }
    const store = new MemoryStore()
    const app = newApp(store, { verify })
    const homeId = app.members()[0].nodeId
    const sign = (name: string) => {
      const u = user(name)
      return signNickRequest({
        chainId: CHAIN,
        user: u.signer,
        agreementKey: u.agreementKey,
        home: homeId,
        nick: name,
      })
    }
    const good = nickRequestOp({ chainId: CHAIN, member: members[0] }, sign('good'))
    assert.equal(app.admitOwn(good), null)
    assert.equal(calls, 1, 'the envelope is ours: only the user signature is verified')
    assert.equal(app.checkOperation(good), true)
    assert.equal(calls, 1, 'checkOperation finds it checked')

    // The user signed for another home, or another user's signature is attached: refused.
    const other = sign('other')
    const moved = nickRequestOp(
      { chainId: CHAIN, member: members[0] },
      { ...other, home: new Uint8Array(32) },
    )
    assert.equal(app.admitOwn(moved), 'bad-user-signature')
    const swapped = nickRequestOp(
      { chainId: CHAIN, member: members[0] },
      { ...other, userSignature: sign('x').userSignature },
    )
    assert.equal(app.admitOwn(swapped), 'bad-user-signature')
    assert.equal(app.admitOwn(new Uint8Array([0x10, 1, 2])), 'malformed')

    await commit(app, store, [good])
    const receipt = app.receipt(opHash(good))
    assert.equal(receipt?.accepted, true)
    assert.equal(app.nick('good')?.home.toString(), homeId.toString())
  })
})
