// Literal XML for stanza scenarios: parse() turns a string into an element, assertXml() checks that
// an element contains what a literal expects (scansion-style: the attributes and children the
// expectation names must be there, children in that order; others, and text it leaves out, are ignored).
import assert from 'node:assert/strict'
import { xml } from '@xmpp/component-core'
import type { Element } from '@xmpp/xml'

/** One element from literal XML (whitespace between tags is ignored). */
export function parse(text: string): Element {
  const parser = new xml.Parser()
  let el: Element | undefined
  let failure: Error | undefined
  parser.on('element', (e) => {
    el = e
  })
  parser.on('error', (err) => {
    failure = err
  })
  parser.write(`<wrap>${text.replace(/>\s+</g, '><').trim()}`)
  if (failure || !el) throw new Error(`not one element: ${failure?.message ?? text}`)
  el.parent = null
  return el
}

/** Asserts that `actual` matches the literal `expected` (see the file comment). */
export function assertXml(actual: Element | undefined, expected: string): void {
  assert.ok(actual, `expected ${expected}, got nothing`)
  const want = parse(expected)
  const problem = mismatch(actual, want, want.name)
  if (problem) assert.fail(`${problem}\n  expected: ${want.toString()}\n  actual:   ${actual.toString()}`)
}

function mismatch(actual: Element, want: Element, path: string): string | undefined {
  if (actual.name !== want.name) return `${path}: element ${actual.name}, expected ${want.name}`
  for (const [k, v] of Object.entries(want.attrs)) {
    if (actual.attrs[k] !== v)
      return `${path}/@${k}: ${JSON.stringify(actual.attrs[k])}, expected ${JSON.stringify(v)}`
  }
  const wantText = want.getText()
  if (wantText && actual.getText() !== wantText) return `${path}: text ${JSON.stringify(actual.getText())}`
  // Expected children must appear in this order; other children may come between them.
  const kids = actual.getChildElements()
  let k = 0
  for (const w of want.getChildElements()) {
    let first: string | undefined
    for (; k < kids.length; k++) {
      const m = mismatch(kids[k], w, `${path}/${w.name}`)
      if (!m) break
      first ??= m
    }
    if (k === kids.length) return first ?? `${path}: no child ${w.name}`
    k++
  }
  return undefined
}
