/**
 * The component's XML stream parser: xmpp.js's ltx parser behind a scanner that bounds what one
 * stanza may cost, so hostile input costs errors, not memory or the process.
 *
 * The scanner finds top-level element boundaries itself (quotes, CDATA and nesting depth), buffers
 * at most maxStanzaBytes of one stanza, and hands each complete stanza to a fresh ltx parser: no
 * state survives from one stanza to the next, and nothing ltx throws escapes into the socket's
 * data handler (xmpp.js's own parser lets `&bogus;` throw there, which kills the process).
 *
 * - A stanza above maxStanzaBytes, or nested deeper than maxDepth, is replaced by its start tag
 *   alone (id, type, from and to intact) and marked: truncation(el) gives the reason, and the
 *   router answers policy-violation (RFC 6120 §13.12 item 4 allows a stanza or stream error).
 *   A start tag that is itself too large is dropped whole: there is no id to answer.
 * - Comments, DTDs and processing instructions after the stream header are restricted XML
 *   (RFC 6120 §11.1); text between stanzas other than whitespace, unbalanced or mismatched tags and
 *   undefined entities are not well-formed (§4.9.3.13). Either is a stream error: the connection
 *   closes the stream (bad-format, §4.9.3.1) and reconnects.
 * - Whitespace between stanzas (keep-alives) is dropped instead of growing the stream root.
 */
import { EventEmitter } from 'node:events'
import type { XmlParser, XmlParserClass } from '@xmpp/component-core'
import { BaseParser, type Element } from './xml.js'

const truncated = new WeakMap<Element, string>()

/** Why an inbound stanza was cut to its start tag, or undefined for a complete one. */
export function truncation(el: Element): string | undefined {
  return truncated.get(el)
}

export interface ParserLimits {
  /** UTF-8 bytes one top-level element may take, start tag to end tag. */
  maxStanzaBytes: number
  /** Element nesting inside a stanza; default 64. */
  maxDepth?: number
  /** Called for each stanza dropped whole (start tag over the limit). */
  onDropped?: (reason: string) => void
}

export class XmlStreamError extends Error {
  constructor(
    readonly condition: 'not-well-formed' | 'restricted-xml',
    message: string,
  ) {
    super(`${condition}: ${message}`)
    this.name = 'XmlStreamError'
  }
}

const TEXT = 0
const LT = 1
const OPEN = 2
const ATTR = 3
const CLOSE = 4
const PI = 5
const BANG = 6
const CDATA = 7
const CDATA_OPEN = '[CDATA['

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

/** A parser class for one connection, with these limits; xmpp.js instantiates it per stream. */
export function boundedParser(limits: ParserLimits): XmlParserClass {
  return class extends StreamScanner {
    constructor() {
      super(limits)
    }
  }
}

class StreamScanner extends EventEmitter implements XmlParser {
  readonly #max: number
  readonly #maxDepth: number
  readonly #onDropped?: (reason: string) => void
  #state = TEXT
  #depth = 0
  #quote = 0
  #slash = false
  #prev = 0
  #bang = 0
  #brackets = 0
  #done = false
  #root?: Element
  #streamParser?: XmlParser
  // The top-level token being read: its text so far (kept while within limits), its byte count,
  // its start tag once complete, and why it is being cut or dropped.
  #capturing = false
  #parts: string[] = []
  #bytes = 0
  #startTag?: string
  #cut?: string
  #dropWhole = false

  constructor(limits: ParserLimits) {
    super()
    this.#max = limits.maxStanzaBytes
    this.#maxDepth = limits.maxDepth ?? 64
    this.#onDropped = limits.onDropped
  }

  write(data: string): void {
    if (this.#done) return
    try {
      this.#scan(typeof data === 'string' ? data : String(data))
    } catch (err) {
      this.#done = true
      // Detached (the stream is over): nobody to tell, and an unheard 'error' event would throw.
      if (this.listenerCount('error') > 0)
        this.emit('error', err instanceof Error ? err : new Error(String(err)))
    }
  }

  end(data?: string): void {
    if (data) this.write(data)
  }

  #scan(d: string): void {
    let mark = 0
    for (let i = 0; i < d.length && !this.#done; i++) {
      const c = d.charCodeAt(i)
      switch (this.#state) {
        case TEXT:
          if (c === 0x3c) {
            if (this.#depth <= 1) {
              this.#begin()
              mark = i
            }
            this.#state = LT
          } else if (this.#depth <= 1) {
            if (!isSpace(c)) throw new XmlStreamError('not-well-formed', 'text outside a stanza')
          } else {
            const lt = d.indexOf('<', i)
            i = (lt === -1 ? d.length : lt) - 1
          }
          break
        case LT:
          if (c === 0x2f) this.#state = CLOSE
          else if (c === 0x3f) this.#state = PI
          else if (c === 0x21) {
            this.#state = BANG
            this.#bang = 0
          } else {
            // The first character of the name: read it again as part of the tag.
            this.#state = OPEN
            this.#slash = false
            i--
            continue
          }
          break
        case OPEN:
          if (c === 0x22 || c === 0x27) {
            this.#quote = c
            this.#state = ATTR
          } else if (c === 0x3e) {
            this.#state = TEXT
            mark = this.#opened(d, mark, i)
          } else if (!isSpace(c)) this.#slash = c === 0x2f
          break
        case ATTR: {
          const q = d.indexOf(this.#quote === 0x22 ? '"' : "'", i)
          if (q === -1) i = d.length - 1
          else {
            i = q
            this.#state = OPEN
          }
          break
        }
        case CLOSE:
          if (c === 0x3e) {
            this.#state = TEXT
            mark = this.#closed(d, mark, i)
          }
          break
        case PI:
          if (c === 0x3e && this.#prev === 0x3f) {
            // References: RFC 6120 §11.1: only the XML declaration may precede the stream header.
            if (this.#depth > 0) throw new XmlStreamError('restricted-xml', 'processing instruction')
            this.#state = TEXT
            this.#capturing = false
            mark = i + 1
          }
          break
        case BANG:
          if (this.#depth < 2 || c !== CDATA_OPEN.charCodeAt(this.#bang)) {
            throw new XmlStreamError('restricted-xml', 'comment or DTD')
          }
          if (++this.#bang === CDATA_OPEN.length) {
            this.#state = CDATA
            this.#brackets = 0
          }
          break
        case CDATA:
          if (c === 0x3e && this.#brackets >= 2) this.#state = TEXT
          else this.#brackets = c === 0x5d ? this.#brackets + 1 : 0
          break
      }
      this.#prev = c
    }
    if (this.#capturing) this.#keep(d.slice(mark))
  }

  /** A top-level token (stream header, stanza or stream close) starts. */
  #begin(): void {
    this.#capturing = true
    this.#parts = []
    this.#bytes = 0
    this.#startTag = undefined
    this.#cut = undefined
    this.#dropWhole = false
  }

  /** Keeps a piece of the current token while it is within the limit. */
  #keep(piece: string): void {
    if (this.#dropWhole || this.#cut !== undefined) return
    this.#bytes += Buffer.byteLength(piece)
    if (this.#bytes <= this.#max) {
      this.#parts.push(piece)
      return
    }
    this.#parts = []
    if (this.#startTag === undefined) this.#dropWhole = true
    else this.#cut = `stanza exceeds ${this.#max} bytes`
  }

  /** Text of the current token up to and including d[i]. */
  #take(d: string, mark: number, i: number): string | undefined {
    this.#keep(d.slice(mark, i + 1))
    if (this.#dropWhole || this.#cut !== undefined) return undefined
    return this.#parts.join('')
  }

  /** A start tag ended at d[i]; returns the new mark. */
  #opened(d: string, mark: number, i: number): number {
    const depth = this.#depth
    if (depth === 0) {
      const header = this.#take(d, mark, i)
      if (header === undefined || this.#slash)
        throw new XmlStreamError('not-well-formed', 'bad stream header')
      this.#capturing = false
      this.#depth = 1
      this.#openStream(header)
      return i + 1
    }
    if (depth === 1) {
      this.#startTag = this.#take(d, mark, i)
      if (this.#slash) {
        this.#finish()
        return i + 1
      }
      this.#depth = 2
      return i + 1
    }
    if (!this.#slash) {
      this.#depth++
      if (this.#depth - 1 > this.#maxDepth && this.#cut === undefined && !this.#dropWhole) {
        this.#cut = `elements nested deeper than ${this.#maxDepth}`
        this.#parts = []
      }
    }
    return mark
  }

  /** An end tag ended at d[i]; returns the new mark. */
  #closed(d: string, mark: number, i: number): number {
    if (this.#depth === 0) throw new XmlStreamError('not-well-formed', 'end tag before the stream header')
    if (this.#depth === 1) {
      // </stream:stream>: the stream parser checks the name and emits 'end'.
      const footer = this.#take(d, mark, i)
      this.#capturing = false
      this.#depth = 0
      if (footer === undefined) throw new XmlStreamError('not-well-formed', 'bad stream footer')
      // Whatever follows the end of the stream is ignored (RFC 6120 §4.4: the stream is closed).
      this.#done = true
      this.#streamParser?.write(footer)
      return i + 1
    }
    this.#depth--
    if (this.#depth > 1) return mark
    this.#take(d, mark, i)
    this.#finish()
    return i + 1
  }

  #openStream(header: string): void {
    const p = new BaseParser()
    p.on('start', (root: Element) => {
      this.#root = root
      this.emit('start', root)
    })
    p.on('end', (root: Element) => this.emit('end', root))
    p.on('error', (err: Error) => {
      throw new XmlStreamError('not-well-formed', err.message)
    })
    p.write(header)
    if (!this.#root) throw new XmlStreamError('not-well-formed', 'bad stream header')
    this.#streamParser = p
  }

  /** The current top-level element is complete: parse and emit it, cut, or drop it. */
  #finish(): void {
    this.#capturing = false
    if (this.#dropWhole || this.#startTag === undefined) {
      this.#onDropped?.('start tag over the size limit')
      return
    }
    const cut = this.#cut
    const text = cut === undefined ? this.#parts.join('') : truncatedText(this.#startTag)
    this.#parts = []
    const el = parseOne(text)
    el.parent = this.#root ?? null
    if (cut !== undefined) truncated.set(el, cut)
    this.emit('element', el)
  }
}

/** `<iq id='1' ...>` (or its self-closing form) with an end tag: the stanza without children. */
function truncatedText(startTag: string): string {
  const name = /^<([^\s/>]+)/.exec(startTag)?.[1]
  if (!name) throw new XmlStreamError('not-well-formed', 'bad start tag')
  return startTag.endsWith('/>') ? startTag : `${startTag.slice(0, -1)}></${name}>`
}

/** Parses one complete element with a fresh ltx parser; anything odd is not well-formed. */
function parseOne(text: string): Element {
  const p = new BaseParser() as XmlParser & { cursor: unknown; root: unknown }
  let el: Element | undefined
  let failure: Error | undefined
  p.on('element', (e) => {
    if (el) failure = new Error('two elements')
    el = e
  })
  p.on('error', (err) => {
    failure ??= err
  })
  try {
    p.write('<x>')
    p.write(text)
  } catch (err) {
    failure ??= err as Error
  }
  if (failure || !el || p.cursor !== p.root) {
    throw new XmlStreamError('not-well-formed', failure?.message ?? 'unbalanced element')
  }
  return el
}

/**
 * Parses one stanza that did not come from the XMPP server (a relayed stanza rebuilt from
 * another node's payload) through the same bounded scanner: exactly one complete element within
 * the limits, else XmlStreamError. Text such as `</message><iq ...>` yields two elements and is
 * refused, so a payload cannot smuggle a second stanza.
 */
export function parseStanza(text: string, limits: ParserLimits): Element {
  const scanner = new StreamScanner(limits)
  const out: Element[] = []
  let failure: Error | undefined
  scanner.on('element', (el: Element) => out.push(el))
  scanner.on('error', (err: Error) => {
    failure ??= err
  })
  scanner.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='${NS_STREAM}'>`)
  scanner.write(text)
  if (failure) throw failure
  if (out.length !== 1) throw new XmlStreamError('not-well-formed', `${out.length} elements, expected one`)
  const [el] = out
  const cut = truncation(el)
  if (cut !== undefined) throw new XmlStreamError('not-well-formed', cut)
  el.parent = null
  return el
}

const NS_STREAM = 'http://etherx.jabber.org/streams'
