/**
 * XEP-0004 data forms: building the forms D sends (type form or result) and reading the ones a
 * client submits, with limits, for every protocol that wraps them (XEP-0050 commands, XEP-0077
 * registration). Parsing refuses anything malformed with a FormError (a StanzaError bad-request);
 * a wrapper protocol may map it to its own condition (XEP-0050: bad-request + <bad-payload/>).
 *
 *     buildForm({ type: 'form', formType: 'urn:example:f', title: 'Register',
 *                 fields: [{ var: 'nick', type: 'text-single', label: 'Nick', required: true }] })
 *     -> <x xmlns='jabber:x:data' type='form'><title>Register</title>
 *          <field var='FORM_TYPE' type='hidden'><value>urn:example:f</value></field>
 *          <field var='nick' type='text-single' label='Nick'><required/></field></x>
 *
 *     parseForm(<x xmlns='jabber:x:data' type='submit'>
 *                 <field var='FORM_TYPE'><value>urn:example:f</value></field>
 *                 <field var='nick'><value>alice</value></field></x>, { formType: 'urn:example:f' })
 *       .text('nick', { required: true })  === 'alice'
 *
 * References: XEP-0004 §3 (syntax), §3.1 (form types), §3.2 (the field element: var unique and
 * required except for fixed fields; at most one value except list-multi, jid-multi, text-multi,
 * hidden), §3.3 (field types; boolean values 0/1/false/true), §3.4 (reported and item), §4 (the
 * form-processing entity validates); XEP-0068 §4.3 (a FORM_TYPE field that is not hidden carries
 * no meaning) and §4.4 (a submitted FORM_TYPE may omit its type).
 */
import { StanzaError } from './errors.js'
import { type Element, xml } from './xml.js'

export const NS_DATA = 'jabber:x:data'
export const FORM_TYPE = 'FORM_TYPE'

/** XEP-0004 §3.3. */
export type FieldType =
  | 'boolean'
  | 'fixed'
  | 'hidden'
  | 'jid-multi'
  | 'jid-single'
  | 'list-multi'
  | 'list-single'
  | 'text-multi'
  | 'text-private'
  | 'text-single'

const FIELD_TYPES = new Set<string>([
  'boolean',
  'fixed',
  'hidden',
  'jid-multi',
  'jid-single',
  'list-multi',
  'list-single',
  'text-multi',
  'text-private',
  'text-single',
])
/** XEP-0004 §3.2: only these may carry more than one <value/>. */
const MULTI = new Set<string>(['list-multi', 'jid-multi', 'text-multi', 'hidden'])

/** A value as written: a boolean becomes '1' or '0', a number its decimal form, null no value. */
export type FieldValue = string | number | boolean | null | readonly string[]

export interface FieldSpec {
  /** Required for every type but fixed (XEP-0004 §3.2). */
  var?: string
  /** Omitted: text-single, the default (XEP-0004 §3.2). */
  type?: FieldType
  label?: string
  desc?: string
  required?: boolean
  value?: FieldValue
  /** list-single and list-multi only. */
  options?: readonly { label?: string; value: string }[]
}

export interface FormSpec {
  type: 'form' | 'result'
  /** Written first, as the hidden FORM_TYPE field (XEP-0068). */
  formType?: string
  title?: string
  /** One <instructions/> each (XEP-0004 §3 allows several; none should hold a newline). */
  instructions?: string | readonly string[]
  fields?: readonly FieldSpec[]
  /** A result table (XEP-0004 §3.4): the columns; give them type and label. */
  reported?: readonly FieldSpec[]
  /** The rows, keyed by the reported vars; a missing or empty cell is written as one empty value. */
  items?: readonly Readonly<Record<string, FieldValue>>[]
}

/** An <x xmlns='jabber:x:data'/> of type form or result. Throws Error on a spec XEP-0004 forbids (a bug). */
export function buildForm(spec: FormSpec): Element {
  const x = xml('x', { xmlns: NS_DATA, type: spec.type })
  if (spec.title !== undefined) x.append(xml('title', {}, spec.title))
  const instructions = typeof spec.instructions === 'string' ? [spec.instructions] : (spec.instructions ?? [])
  for (const line of instructions) x.append(xml('instructions', {}, line))
  if (spec.formType !== undefined) x.append(field({ var: FORM_TYPE, type: 'hidden', value: spec.formType }))
  for (const f of spec.fields ?? []) x.append(field(f))
  if (spec.reported !== undefined) {
    if (spec.type !== 'result') throw new Error('XEP-0004 §3.4: only a result form has <reported/>')
    const columns = spec.reported.map((f) => {
      if (f.var === undefined) throw new Error('a reported field needs a var')
      return f.var
    })
    x.append(xml('reported', {}, ...spec.reported.map((f) => field({ ...f, value: undefined }))))
    for (const row of spec.items ?? []) {
      x.append(xml('item', {}, ...columns.map((v) => field({ var: v, value: cell(row[v]) }))))
    }
  } else if (spec.items !== undefined) {
    throw new Error('XEP-0004 §3.4: <item/> needs <reported/>')
  }
  return x
}

function field(f: FieldSpec): Element {
  if (f.var === undefined && f.type !== 'fixed')
    throw new Error('XEP-0004 §3.2: only a fixed field may lack var')
  const attrs: Record<string, string> = {}
  if (f.var !== undefined) attrs.var = f.var
  if (f.type !== undefined) attrs.type = f.type
  if (f.label !== undefined) attrs.label = f.label
  const el = xml('field', attrs)
  if (f.desc !== undefined) el.append(xml('desc', {}, f.desc))
  if (f.required) el.append(xml('required'))
  const values = written(f.value)
  if (values.length > 1 && f.type !== undefined && !MULTI.has(f.type)) {
    throw new Error(`XEP-0004 §3.2: a ${f.type} field has at most one value`)
  }
  for (const v of values) el.append(xml('value', {}, v))
  if (f.options !== undefined) {
    if (f.type !== 'list-single' && f.type !== 'list-multi') {
      throw new Error('XEP-0004 §3.2: only list fields have options')
    }
    for (const o of f.options) {
      el.append(xml('option', o.label === undefined ? {} : { label: o.label }, xml('value', {}, o.value)))
    }
  }
  return el
}

/** A table cell holds at least an empty value (XEP-0004 §3.4: every item has every reported field). */
function cell(v: FieldValue | undefined): FieldValue {
  return v === undefined || (Array.isArray(v) && v.length === 0) ? null : v
}

function written(v: FieldValue | undefined): string[] {
  if (v === undefined) return []
  if (v === null) return ['']
  if (typeof v === 'boolean') return [v ? '1' : '0']
  if (typeof v === 'number') return [String(v)]
  if (typeof v === 'string') return [v]
  return [...v]
}

/** The FORM_TYPE a form carries (XEP-0068), or undefined. */
export function formTypeOf(x: Element): string | undefined {
  for (const f of x.getChildren('field')) {
    if (f.attrs.var === FORM_TYPE && (f.attrs.type === undefined || f.attrs.type === 'hidden')) {
      return f.getChildText('value') ?? undefined
    }
  }
  return undefined
}

/** The first data form among an element's children (a wrapper's <x xmlns='jabber:x:data'/>), or undefined. */
export function formIn(parent: Element): Element | undefined {
  return parent.getChildElements().find((c) => c.name === 'x' && c.attrs.xmlns === NS_DATA)
}

export type FormProblem =
  /** Not a data form, a type not accepted, a field without var or with two values, a var twice. */
  | 'malformed'
  /** Over a limit: too many fields or values, a value or var too long. */
  | 'too-large'
  /** A FORM_TYPE other than the one expected. */
  | 'form-type'
  /** A required field without a value. */
  | 'missing'
  /** A value of the wrong shape (a boolean that is none). */
  | 'invalid'

/** A submitted form D cannot read; bad-request unless a wrapper maps `problem` to its own condition. */
export class FormError extends StanzaError {
  readonly problem: FormProblem
  /** The field at fault, when there is one. */
  readonly field?: string

  constructor(problem: FormProblem, text: string, field?: string) {
    super('bad-request', text)
    this.problem = problem
    this.field = field
  }
}

export interface ParseOptions {
  /** The FORM_TYPE expected: a different one is refused; a form without one is read as this one. */
  formType?: string
  /** The form types accepted; default submit only (XEP-0004 §3.1). */
  types?: readonly ('form' | 'submit' | 'cancel' | 'result')[]
  /** UTF-8 bytes per value and per var; default 1024. */
  maxValueBytes?: number
  /** Fields per form; default 64. */
  maxFields?: number
  /** Values per field; default 64. */
  maxValues?: number
}

/** A submitted form, read and checked: each var with its values, in document order. */
export class SubmittedForm {
  constructor(
    readonly type: string,
    readonly formType: string | undefined,
    readonly fields: ReadonlyMap<string, readonly string[]>,
  ) {}

  has(name: string): boolean {
    return this.fields.has(name)
  }

  values(name: string): readonly string[] {
    return this.fields.get(name) ?? []
  }

  /** The one value of a single-valued field; '' and absent alike count as missing. */
  text(name: string, opts: { required: true }): string
  text(name: string, opts?: { required?: boolean }): string | undefined
  text(name: string, opts: { required?: boolean } = {}): string | undefined {
    const values = this.values(name)
    if (values.length > 1) throw new FormError('malformed', `the field ${shown(name)} takes one value`, name)
    const v = values[0]
    if ((v === undefined || v === '') && opts.required) {
      throw new FormError('missing', `the field ${shown(name)} is required`, name)
    }
    return v === '' ? undefined : v
  }

  /** A boolean field (XEP-0004 §3.3: 1/true, 0/false); undefined when absent or empty. */
  boolean(name: string): boolean | undefined {
    const v = this.text(name)
    if (v === undefined) return undefined
    if (v === '1' || v === 'true') return true
    if (v === '0' || v === 'false') return false
    throw new FormError('invalid', `the field ${shown(name)} is a boolean: 1, 0, true or false`, name)
  }
}

/** Reads a submitted <x xmlns='jabber:x:data'/>; throws FormError on anything malformed or over a limit. */
export function parseForm(x: Element, opts: ParseOptions = {}): SubmittedForm {
  const maxBytes = opts.maxValueBytes ?? 1024
  const maxFields = opts.maxFields ?? 64
  const maxValues = opts.maxValues ?? 64
  const types: readonly string[] = opts.types ?? ['submit']
  if (x.name !== 'x' || x.attrs.xmlns !== NS_DATA) throw new FormError('malformed', 'not a data form')
  const type = x.attrs.type
  if (typeof type !== 'string' || !types.includes(type)) {
    throw new FormError('malformed', `a data form of type ${types.join(' or ')} is expected`)
  }
  const fields = new Map<string, string[]>()
  const seen = new Set<string>()
  let formType: string | undefined
  const children = x.getChildren('field')
  if (children.length > maxFields) throw new FormError('too-large', `more than ${maxFields} fields`)
  for (const f of children) {
    const ftype = f.attrs.type
    if (ftype === 'fixed') continue // description only (XEP-0004 §3.3); nothing to read
    const name = f.attrs.var
    if (typeof name !== 'string' || name === '') throw new FormError('malformed', 'a field without var')
    if (bytes(name) > maxBytes) throw new FormError('too-large', `a var longer than ${maxBytes} bytes`)
    if (seen.has(name)) throw new FormError('malformed', `the field ${shown(name)} appears twice`, name)
    seen.add(name)
    const values = f.getChildren('value').map((v) => v.getText())
    if (values.length > maxValues) {
      throw new FormError('too-large', `the field ${shown(name)} has more than ${maxValues} values`, name)
    }
    for (const v of values) {
      if (bytes(v) > maxBytes) {
        throw new FormError('too-large', `the field ${shown(name)} is longer than ${maxBytes} bytes`, name)
      }
    }
    // Unknown types are read as text-single (XEP-0004 §3.3); a declared single type holds one value.
    if (typeof ftype === 'string' && FIELD_TYPES.has(ftype) && !MULTI.has(ftype) && values.length > 1) {
      throw new FormError('malformed', `the ${ftype} field ${shown(name)} takes one value`, name)
    }
    if (name === FORM_TYPE && (ftype === undefined || ftype === 'hidden')) {
      formType = values[0]
      continue
    }
    fields.set(name, values)
  }
  if (opts.formType !== undefined && formType !== undefined && formType !== opts.formType) {
    throw new FormError('form-type', `this form is ${opts.formType}, not ${shown(formType)}`)
  }
  return new SubmittedForm(type, formType ?? opts.formType, fields)
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

/** A client's string, cut short for an error text. */
function shown(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s)
}
