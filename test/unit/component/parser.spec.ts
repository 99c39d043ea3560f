// The bounded stream parser (component/parser.ts): stanza boundaries in any chunking, size and
// depth limits that cut instead of buffering, and malformed XML as an 'error' event, never a throw.
import assert from 'node:assert/strict'
import { boundedParser, truncation } from '../../../component/parser.js'
import type { Element } from '../../../component/xml.js'

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' " +
  "xmlns='jabber:component:accept' id='s1' from='lattice.example.org'>"

function run(chunks: string[], maxStanzaBytes = 1000, maxDepth?: number) {
  const P = boundedParser({ maxStanzaBytes, maxDepth, onDropped: (r) => dropped.push(r) })
  const parser = new P()
  const elements: Element[] = []
  const errors: Error[] = []
  const dropped: string[] = []
  let root: Element | undefined
  let ended = false
  parser.on('start', (el) => {
    root = el
  })
  parser.on('element', (el) => elements.push(el))
  parser.on('end', () => {
    ended = true
  })
  parser.on('error', (err) => errors.push(err))
  for (const c of chunks) parser.write(c)
  return { elements, errors, dropped, root: () => root, ended: () => ended }
}

/** Every way of cutting `s` into pieces of `size` characters. */
const chunked = (s: string, size: number) =>
  Array.from({ length: Math.ceil(s.length / size) }, (_, i) => s.slice(i * size, (i + 1) * size))

describe('component/parser', () => {
  const body =
    `<iq type='get' id='1' from='a@b/c' to='lattice.example.org'><ping xmlns='urn:xmpp:ping'/></iq>\n  ` +
    `<message id="m" to='x@lattice.example.org'><body>a &lt; b &amp; caf\u00e9 \ud83d\ude00</body></message>` +
    `<iq id='q' type="set"><a attr="x > y /> z"><![CDATA[ <not-a-tag> ]] ]]></a><b c='"'/></iq>` +
    `<presence/>`

  it('[xmpp] finds the same stanzas however the input is chunked', () => {
    const expected = run([HEADER + body]).elements.map(String)
    assert.equal(expected.length, 4)
    assert.match(expected[1], /a &lt; b &amp; caf\u00e9 \ud83d\ude00/)
    assert.match(expected[2], /&lt;not-a-tag&gt; \]\] /)
    for (const size of [1, 2, 3, 7, 64]) {
      const r = run(chunked(HEADER + body, size))
      assert.deepEqual(r.elements.map(String), expected, `chunks of ${size}`)
      assert.deepEqual(r.errors, [])
    }
  })

  it('[xmpp] stanzas keep the stream namespaces (stream:error is recognised as one)', () => {
    const r = run([
      HEADER,
      "<iq id='1'/><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
    ])
    assert.equal(r.elements[0].getNS(), 'jabber:component:accept')
    assert.ok(r.elements[1].is('error', 'http://etherx.jabber.org/streams'))
    assert.ok(r.ended())
  })

  it('[xmpp] whitespace keep-alives between stanzas are dropped, not kept on the stream root', () => {
    const r = run([HEADER, ...Array(1000).fill(' \n'), '<presence/>'])
    assert.equal(r.elements.length, 1)
    assert.equal(r.root()!.children.length, 0)
  })

  describe('[xmpp] RFC 6120 §13.12: size and depth limits', () => {
    it('a stanza over the limit arrives as its start tag alone, marked, and the next one is intact', () => {
      const big = `<message id='big' type='chat' from='a@b' to='c@d'><body>${'x'.repeat(5000)}</body></message>`
      for (const size of [1, 100, 100_000]) {
        const r = run(chunked(`${HEADER}${big}<iq id='next'/>`, size), 1000)
        assert.equal(r.elements.length, 2)
        assert.equal(r.elements[0].toString(), `<message id="big" type="chat" from="a@b" to="c@d"/>`)
        assert.equal(truncation(r.elements[0]), 'stanza exceeds 1000 bytes')
        assert.equal(r.elements[1].attrs.id, 'next')
        assert.equal(truncation(r.elements[1]), undefined)
      }
    })

    it('counts UTF-8 bytes, not characters', () => {
      const euros = `<message id='e'><body>${'\u20ac'.repeat(100)}</body></message>` // 300 bytes of body
      assert.equal(truncation(run([HEADER, euros], 400).elements[0]), undefined)
      assert.equal(truncation(run([HEADER, euros], 250).elements[0]), 'stanza exceeds 250 bytes')
    })

    it('a start tag over the limit is dropped whole: there is no id to answer', () => {
      const r = run([HEADER, `<iq id='${'x'.repeat(2000)}'><ping/></iq><iq id='ok'/>`], 1000)
      assert.deepEqual(r.dropped, ['start tag over the size limit'])
      assert.deepEqual(
        r.elements.map((e) => e.attrs.id),
        ['ok'],
      )
    })

    it('nesting deeper than maxDepth is cut', () => {
      const deep = `<iq id='d'>${'<a>'.repeat(70)}${'</a>'.repeat(70)}</iq>`
      const r = run([HEADER, deep, `<iq id='ok'>${'<a>'.repeat(10)}${'</a>'.repeat(10)}</iq>`], 100_000, 64)
      assert.equal(truncation(r.elements[0]), 'elements nested deeper than 64')
      assert.equal(truncation(r.elements[1]), undefined)
    })

    it('memory stays bounded: 20 MB of one stanza in 64 KiB reads', () => {
      const before = process.memoryUsage().heapUsed
      const P = boundedParser({ maxStanzaBytes: 256 * 1024 })
      const p = new P()
      const got: Element[] = []
      p.on('element', (e) => got.push(e))
      p.write(`${HEADER}<message id='huge'><body>`)
      const chunk = 'y'.repeat(64 * 1024)
      const t0 = performance.now()
      for (let i = 0; i < 320; i++) p.write(chunk)
      p.write('</body></message>')
      const ms = performance.now() - t0
      assert.equal(truncation(got[0]), 'stanza exceeds 262144 bytes')
      assert.ok(process.memoryUsage().heapUsed - before < 16 << 20, 'heap grew by less than 16 MB')
      assert.ok(ms < 2000, `${ms.toFixed(0)} ms`)
    })
  })

  describe('[xmpp] malformed XML is an error event (RFC 6120 §4.9.3.13, §11.1), never a throw', () => {
    const cases: [string, RegExp][] = [
      [`<iq id='x' a='&bogus;'/>`, /not-well-formed: Illegal XML entity/],
      [`<message><body>&#0;</body></message>`, /Illegal XML character/],
      [`<iq><a></b></iq>`, /not-well-formed/],
      [`hello<iq/>`, /text outside a stanza/],
      [`<!-- comment --><iq/>`, /restricted-xml/],
      [`<iq><!-- c --></iq>`, /restricted-xml/],
      [`<iq><?pi x?></iq>`, /restricted-xml/],
      [`<!DOCTYPE x><iq/>`, /restricted-xml/],
      [`<iq/ id='1'><q/></iq>`, /not-well-formed/],
      [`</wrong:end>`, /not-well-formed/],
    ]
    for (const [input, error] of cases) {
      it(JSON.stringify(input), () => {
        const r = run([HEADER, input, `<iq id='after'/>`])
        assert.equal(r.errors.length, 1)
        assert.match(r.errors[0].message, error)
        assert.deepEqual(
          r.elements.map((e) => e.attrs.id).filter((id) => id === 'after'),
          [],
          'nothing is parsed after a stream error',
        )
      })
    }

    it('a listener that throws becomes an error event too', () => {
      const P = boundedParser({ maxStanzaBytes: 1000 })
      const p = new P()
      const errors: Error[] = []
      p.on('error', (e) => errors.push(e))
      p.on('element', () => {
        throw new Error('listener bug')
      })
      p.write(`${HEADER}<stream:error/>`)
      assert.equal(errors[0].message, 'listener bug')
    })
  })
})
