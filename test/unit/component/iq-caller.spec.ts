// IQs the component sends itself (component/iq-caller.ts): replies matched by id and sender,
// errors as StanzaError, timeouts, bounded pending requests.
import assert from 'node:assert/strict'
import { NotConnectedError, StanzaError } from '../../../component/errors.js'
import { IqCaller } from '../../../component/iq-caller.js'
import { xml } from '../../../component/xml.js'
import { STANZAS, setup } from './router-fixture.js'

const ping = () => xml('iq', { type: 'get', to: 'a.example' }, xml('ping', { xmlns: 'urn:xmpp:ping' }))

describe('component/iq-caller', () => {
  describe('[xmpp] through the router (RFC 6120 §8.2.3)', () => {
    it('resolve on the addressee result, reject on its error, ignore replies from anyone else', async () => {
      const { router, sent, exchange } = setup()
      const ok = router.iq.request(
        xml('iq', { type: 'get', to: 'a.example' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      )
      const id = sent.at(-1)!.attrs.id
      assert.deepEqual(await exchange(`<iq type='result' id='${id}' from='mallory@evil.example'/>`), [])
      assert.equal(router.iq.pending, 1)
      await exchange(`<iq type='result' id='${id}' from='a.example'/>`)
      assert.equal((await ok).attrs.id, id)

      const bad = router.iq.request(
        xml('iq', { type: 'get', to: 'a.example' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      )
      await exchange(
        `<iq type='error' id='${sent.at(-1)!.attrs.id}' from='a.example'><error type='cancel'><service-unavailable xmlns='${STANZAS}'/></error></iq>`,
      )
      await assert.rejects(
        bad,
        (err: unknown) => err instanceof StanzaError && err.condition === 'service-unavailable',
      )
    })

    it('time out as remote-server-timeout', async () => {
      const { router } = setup()
      const p = router.iq.request(
        xml('iq', { type: 'get', to: 'a.example' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
        10,
      )
      await assert.rejects(
        p,
        (err: unknown) => err instanceof StanzaError && err.condition === 'remote-server-timeout',
      )
      assert.equal(router.iq.pending, 0)
    })
  })

  it('[xmpp] a failed send rejects at once; close() rejects what is pending; the pending set is bounded', async () => {
    await assert.rejects(
      new IqCaller(() => Promise.reject(new NotConnectedError())).request(ping()),
      NotConnectedError,
    )
    const caller = new IqCaller(async () => {}, 2)
    const a = caller.request(ping())
    const b = caller.request(ping())
    await assert.rejects(
      caller.request(ping()),
      (e: unknown) => e instanceof StanzaError && e.condition === 'resource-constraint',
    )
    caller.close(new NotConnectedError('stopping'))
    await assert.rejects(a, /stopping/)
    await assert.rejects(b, /stopping/)
    assert.equal(caller.pending, 0)
  })
})
