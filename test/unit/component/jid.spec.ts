// JID syntax and XEP-0106 escaping (component/jid.ts).
import assert from 'node:assert/strict'
import { AddressError } from '../../../component/errors.js'
import { escapeLocal, Jid, unescapeLocal } from '../../../component/jid.js'

describe('component/jid', () => {
  it('[xmpp] splits at the first / and then the first @ (RFC 7622 §3.2)', () => {
    const j = Jid.parse('Alice@Example.ORG/res/with@signs')
    assert.deepEqual([j.local, j.domain, j.resource], ['Alice', 'example.org', 'res/with@signs'])
    assert.equal(j.bare, 'Alice@example.org')
    assert.equal(j.toString(), 'Alice@example.org/res/with@signs')
    assert.equal(Jid.parse('example.org').toString(), 'example.org')
    assert.equal(Jid.parse('[::1]').domain, '[::1]')
    assert.equal(Jid.parse('a@b/c d').resource, 'c d')
  })

  it('[xmpp] tryParse() returns undefined for non-JIDs and non-strings', () => {
    for (const bad of [undefined, null, 42, {}, '', 'a@', '@b', 'b/', 'a b@c', 'a@b@c']) {
      assert.equal(Jid.tryParse(bad), undefined, String(bad))
    }
    assert.throws(() => Jid.parse('a@'), AddressError)
  })

  it('[xmpp] domains checked once are remembered, boundedly; a bad one is refused every time', () => {
    // Past the bound of remembered domains (4096) the checks go on as before.
    for (let i = 0; i < 5000; i++) assert.equal(Jid.parse(`u@d${i}.example`).domain, `d${i}.example`)
    for (let i = 0; i < 3; i++) {
      assert.throws(() => Jid.parse('u@bad domain.example'), AddressError)
      assert.throws(() => Jid.parse('u@bad..example'), AddressError)
      assert.equal(Jid.parse('u@d1.example').domain, 'd1.example')
    }
  })

  describe('[xmpp] XEP-0106 escaping', () => {
    // References: XEP-0106 §5 (the examples table).
    const table: [string, string][] = [
      ['space cadet', 'space\\20cadet'],
      ['call me "ishmael"', 'call\\20me\\20\\22ishmael\\22'],
      ['at&t guy', 'at\\26t\\20guy'],
      ["d'artagnan", 'd\\27artagnan'],
      ['/.fanboy', '\\2f.fanboy'],
      ['::foo::', '\\3a\\3afoo\\3a\\3a'],
      ['<foo>', '\\3cfoo\\3e'],
      ['user@host', 'user\\40host'],
      ['c:\\net', 'c\\3a\\net'],
      ['c:\\\\net', 'c\\3a\\\\net'],
      ['c:\\cool stuff', 'c\\3a\\cool\\20stuff'],
      ['c:\\5commas', 'c\\3a\\5c5commas'],
    ]
    for (const [plain, escaped] of table) {
      it(`${plain} <-> ${escaped}`, () => {
        assert.equal(escapeLocal(plain), escaped)
        assert.equal(unescapeLocal(escaped), plain)
        // The escaped form is a valid localpart.
        assert.equal(Jid.parse(`${escaped}@example.org`).local, escaped)
      })
    }

    it('refuses leading and trailing spaces (XEP-0106 §4.3)', () => {
      assert.throws(() => escapeLocal(' a'), AddressError)
      assert.throws(() => escapeLocal('a '), AddressError)
    })
  })
})
