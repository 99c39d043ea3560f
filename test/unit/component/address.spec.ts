// The JID <-> lattice address mapping (component/address.ts): every worked example of its doc
// comment, both directions, and the inputs it must refuse.
import assert from 'node:assert/strict'
import { Address, isValidNick, normalizeNick } from '../../../component/address.js'
import { AddressError } from '../../../component/errors.js'

const D = 'lattice.example.org'

function refuses(jid: string, problem: AddressError['problem']): void {
  assert.throws(
    () => Address.parse(jid, D),
    (err: unknown) => err instanceof AddressError && err.problem === problem,
    `${JSON.stringify(jid)} should be refused as ${problem}`,
  )
}

describe('component/address', () => {
  describe('[xmpp] worked examples (RFC 7622, XEP-0106)', () => {
    const examples: [string, Partial<Address>, string?][] = [
      ['lattice.example.org', { kind: 'service', target: 'service' }],
      ['lattice.example.org/admin', { kind: 'service', resource: 'admin', target: 'service/resource' }],
      ['alice@lattice.example.org', { kind: 'nick', name: 'alice', cluster: undefined, target: 'nick' }],
      ['Alice@lattice.example.org', { kind: 'nick', name: 'alice' }, 'alice@lattice.example.org'],
      ['alice@LATTICE.example.org', { kind: 'nick', name: 'alice' }, 'alice@lattice.example.org'],
      ['alice@lattice.example.org.', { kind: 'nick', name: 'alice' }, 'alice@lattice.example.org'],
      [
        'alice@lattice.example.org/phone',
        { kind: 'nick', name: 'alice', resource: 'phone', target: 'nick/resource' },
      ],
      ['alice@lattice.example.org/Gajim 1.8 (x)', { resource: 'Gajim 1.8 (x)' }],
      [
        'berlin.alice@lattice.example.org',
        { kind: 'nick', name: 'alice', cluster: 'berlin', target: 'nick' },
      ],
      ['a_b-9@lattice.example.org', { kind: 'nick', name: 'a_b-9' }],
      ['#rust@lattice.example.org', { kind: 'channel', name: 'rust', target: 'channel' }],
      ['#Rust@lattice.example.org', { kind: 'channel', name: 'rust' }, '#rust@lattice.example.org'],
      [
        '#rust@lattice.example.org/alice',
        { kind: 'channel', name: 'rust', resource: 'alice', target: 'channel/occupant' },
      ],
      ['#rust@lattice.example.org/Alice Smith', { resource: 'Alice Smith' }],
      ['#rock\\26roll@lattice.example.org', { kind: 'channel', name: 'rock&roll' }],
      ['#rock\\27n\\27roll@lattice.example.org', { kind: 'channel', name: "rock'n'roll" }],
      ['#v1.2+rc@lattice.example.org', { kind: 'channel', name: 'v1.2+rc' }],
      [`${'a'.repeat(32)}@lattice.example.org`, { kind: 'nick', name: 'a'.repeat(32) }],
      [`#${'c'.repeat(64)}@lattice.example.org`, { kind: 'channel', name: 'c'.repeat(64) }],
    ]
    for (const [jid, fields, formatted] of examples) {
      it(`${jid}`, () => {
        const a = Address.parse(jid, D)
        for (const [k, v] of Object.entries(fields)) assert.equal((a as any)[k], v, k)
        assert.equal(a.toString(), formatted ?? jid)
        assert.equal(a.domain, D)
        // Formatting and parsing again is the identity.
        assert.ok(Address.parse(a.toString(), D).equals(a))
      })
    }
  })

  describe('[xmpp] construction formats what parse reads', () => {
    it('service, nick, qualified nick, channel, occupant', () => {
      assert.equal(Address.service(D).toString(), D)
      assert.equal(Address.nick(D, 'Alice').toString(), `alice@${D}`)
      assert.equal(
        Address.nick(D, 'alice', { cluster: 'Berlin', resource: 'phone' }).toString(),
        `berlin.alice@${D}/phone`,
      )
      assert.equal(Address.channel(D, 'rock&roll').toString(), `#rock\\26roll@${D}`)
      assert.equal(Address.channel(D, 'rust', 'alice').toString(), `#rust@${D}/alice`)
      assert.equal(Address.channel(D, 'rust').localpart, '#rust')
      assert.equal(Address.service(D).localpart, undefined)
    })

    it('bare(), withResource() and equals()', () => {
      const full = Address.parse(`alice@${D}/phone`, D)
      assert.equal(full.bare().toString(), `alice@${D}`)
      const bare = full.bare()
      assert.equal(bare.bare(), bare)
      assert.ok(full.bare().withResource('phone').equals(full))
      assert.ok(!full.equals(full.bare()))
      assert.ok(Address.parse(`ALICE@${D}`, D).equals(Address.nick(D, 'alice')))
      assert.ok(!Address.nick(D, 'alice').equals(Address.nick(D, 'alice', { cluster: 'berlin' })))
    })

    it('refuses to build what it could not parse', () => {
      assert.throws(() => Address.nick(D, 'a.b'), AddressError)
      assert.throws(() => Address.nick(D, ''), AddressError)
      assert.throws(() => Address.nick(D, 'alice', { cluster: 'x.y' }), AddressError)
      assert.throws(() => Address.channel(D, 'with space'), AddressError)
      assert.throws(() => Address.channel(D, 'rust', 'bad\u0000nick'), AddressError)
      assert.throws(() => Address.service('alice@example.org'), AddressError)
      assert.throws(() => Address.service('not a domain'), AddressError)
    })
  })

  describe('[xmpp] refuses', () => {
    it('JIDs of other domains (foreign)', () => {
      refuses('alice@other.example', 'foreign')
      refuses('other.example', 'foreign')
      refuses('alice@sub.lattice.example.org', 'foreign')
      refuses('alice@example.org', 'foreign')
    })

    it('strings that are no JIDs (malformed, RFC 7622 §3)', () => {
      for (const bad of [
        '',
        '@lattice.example.org',
        'alice@',
        'lattice.example.org/',
        'alice@lattice.example.org/',
        'al ice@lattice.example.org',
        'alice@bob@lattice.example.org',
        '#rock&roll@lattice.example.org',
        "o'brien@lattice.example.org",
        'a"b@lattice.example.org',
        'a:b@lattice.example.org',
        'a<b@lattice.example.org',
        'a>b@lattice.example.org',
        'a\tb@lattice.example.org',
        'a\u0000b@lattice.example.org',
        'alice@lattice..example.org',
        'alice@lattice example.org',
        'alice@.lattice.example.org',
        `alice@${'x'.repeat(64)}.org`,
        'alice@lattice.example.org/a\u0007b',
        `${'a'.repeat(1024)}@lattice.example.org`,
        `alice@lattice.example.org/${'r'.repeat(1024)}`,
      ]) {
        refuses(bad, 'malformed')
      }
    })

    it('localparts that are no nick, qualified nick or channel (invalid-local)', () => {
      for (const bad of [
        `${'a'.repeat(33)}@${D}`,
        `#${'c'.repeat(65)}@${D}`,
        `a.b.c@${D}`,
        `.alice@${D}`,
        `alice.@${D}`,
        `berlin.@${D}`,
        `#@${D}`,
        `##rust@${D}`,
        `ali#ce@${D}`,
        `alice!@${D}`,
        `al%ce@${D}`,
        `al\\20ice@${D}`, // XEP-0106: unescapes to "al ice"
        `alice\\40home@${D}`, // "alice@home"
        `caf\u00e9@${D}`, // nicks are ASCII
        `\u0430lice@${D}`, // Cyrillic a: no homograph nicks
        `#rust\\20room@${D}`,
      ]) {
        refuses(bad, 'invalid-local')
      }
    })

    it('keeps escapes that XEP-0106 does not define as they are', () => {
      // "\41" is no escape sequence: the localpart is literally a\41, no nick.
      refuses(`a\\41@${D}`, 'invalid-local')
    })
  })

  it('[xmpp] nick rule: [a-z0-9_-]{1,32} after lower-casing', () => {
    assert.equal(normalizeNick('Bob_2-x'), 'bob_2-x')
    for (const ok of ['a', '0', '_', '-', 'a'.repeat(32)]) assert.ok(isValidNick(ok), ok)
    for (const bad of ['', 'A', 'a.b', '#a', 'a b', 'a'.repeat(33), 'ä']) assert.ok(!isValidNick(bad), bad)
  })
})
