// XEP-0004 data forms: what D sends (form, result) and how it reads what clients submit.
import assert from 'node:assert/strict'
import { StanzaError } from '../../../component/errors.js'
import { buildForm, FormError, formIn, formTypeOf, parseForm } from '../../../component/forms.js'
import { assertXml, parse } from './stanza-helpers.js'

const X = 'jabber:x:data'

/** Asserts parseForm throws a FormError with this problem, a bad-request StanzaError. */
function refuses(text: string, problem: string, opts = {}): FormError {
  let caught: unknown
  try {
    parseForm(parse(text), opts)
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof FormError, `expected a FormError, got ${String(caught)}`)
  assert.ok(caught instanceof StanzaError)
  assert.equal(caught.condition, 'bad-request')
  assert.equal(caught.type, 'modify')
  assert.equal(caught.problem, problem, caught.message)
  return caught
}

describe('component/forms', () => {
  describe('[xmpp] buildForm (XEP-0004 §3)', () => {
    it('writes title, instructions, the hidden FORM_TYPE first, then the fields with their parts', () => {
      const x = buildForm({
        type: 'form',
        formType: 'urn:example:bot',
        title: 'Bot Configuration',
        instructions: ['Fill out this form.', 'Thanks.'],
        fields: [
          { type: 'fixed', value: 'Section 1' },
          { var: 'botname', type: 'text-single', label: 'Name', required: true, desc: 'What to call it' },
          { var: 'password', type: 'text-private' },
          { var: 'public', type: 'boolean', value: true },
          { var: 'owner', type: 'jid-single', value: 'romeo@montague.net' },
          {
            var: 'maxsubs',
            type: 'list-single',
            value: '20',
            options: [{ label: 'Ten', value: '10' }, { value: '20' }],
          },
        ],
      })
      assertXml(
        x,
        `<x xmlns='${X}' type='form'>
           <title>Bot Configuration</title>
           <instructions>Fill out this form.</instructions>
           <instructions>Thanks.</instructions>
           <field var='FORM_TYPE' type='hidden'><value>urn:example:bot</value></field>
           <field type='fixed'><value>Section 1</value></field>
           <field var='botname' type='text-single' label='Name'><desc>What to call it</desc><required/></field>
           <field var='password' type='text-private'/>
           <field var='public' type='boolean'><value>1</value></field>
           <field var='owner' type='jid-single'><value>romeo@montague.net</value></field>
           <field var='maxsubs' type='list-single'>
             <value>20</value>
             <option label='Ten'><value>10</value></option>
             <option><value>20</value></option>
           </field>
         </x>`,
      )
      assert.equal(x.getChildren('field')[3].children.length, 0, 'no value unless given')
      assert.equal(x.getChildren('field')[1].attrs.var, undefined, 'a fixed field may lack var')
      assert.equal(formTypeOf(x), 'urn:example:bot')
    })

    it('§3.4: a result table has one <reported/> and one <item/> per row with every column, empty cells included', () => {
      const x = buildForm({
        type: 'result',
        title: 'Neighbours',
        reported: [
          { var: 'node', type: 'text-single', label: 'Node' },
          { var: 'alive', type: 'boolean', label: 'Alive' },
          { var: 'addrs', type: 'text-multi', label: 'Addresses' },
        ],
        items: [
          { node: 'n1', alive: false, addrs: ['a', 'b'] },
          { node: 'n2', alive: null },
        ],
      })
      assertXml(
        x,
        `<x xmlns='${X}' type='result'>
           <title>Neighbours</title>
           <reported>
             <field var='node' type='text-single' label='Node'/>
             <field var='alive' type='boolean' label='Alive'/>
             <field var='addrs' type='text-multi' label='Addresses'/>
           </reported>
           <item>
             <field var='node'><value>n1</value></field>
             <field var='alive'><value>0</value></field>
             <field var='addrs'><value>a</value><value>b</value></field>
           </item>
           <item>
             <field var='node'><value>n2</value></field>
             <field var='alive'><value/></field>
             <field var='addrs'><value/></field>
           </item>
         </x>`,
      )
      for (const f of x.getChild('reported')!.getChildren('field')) assert.equal(f.children.length, 0)
    })

    it('refuses specs XEP-0004 forbids: no var, two values on a single field, options off a list, items without reported', () => {
      assert.throws(
        () => buildForm({ type: 'form', fields: [{ type: 'text-single' }] }),
        /only a fixed field/,
      )
      assert.throws(
        () => buildForm({ type: 'form', fields: [{ var: 'a', type: 'text-single', value: ['1', '2'] }] }),
        /at most one value/,
      )
      assert.throws(
        () =>
          buildForm({ type: 'form', fields: [{ var: 'a', type: 'text-single', options: [{ value: '1' }] }] }),
        /only list fields/,
      )
      assert.throws(() => buildForm({ type: 'result', items: [{ a: '1' }] }), /needs <reported\/>/)
      assert.throws(() => buildForm({ type: 'form', reported: [{ var: 'a' }] }), /only a result form/)
    })
  })

  describe('[xmpp] parseForm (XEP-0004 §3.1-3.3, XEP-0068)', () => {
    const good = `
      <x xmlns='${X}' type='submit'>
        <field var='FORM_TYPE'><value>urn:example:bot</value></field>
        <field var='botname' type='text-single'><value>The Bot</value></field>
        <field var='features' type='list-multi'><value>news</value><value>search</value></field>
        <field var='public' type='boolean'><value>true</value></field>
        <field var='off'><value>0</value></field>
        <field var='empty'><value/></field>
        <field var='none'/>
        <field type='fixed'><value>echoed back by a careless client</value></field>
      </x>`

    it('reads each var to its values; FORM_TYPE (typeless in a submission, XEP-0068 §4.4) apart', () => {
      const form = parseForm(parse(good), { formType: 'urn:example:bot' })
      assert.equal(form.type, 'submit')
      assert.equal(form.formType, 'urn:example:bot')
      assert.deepEqual(
        [...form.fields.keys()],
        ['botname', 'features', 'public', 'off', 'empty', 'none'],
        'FORM_TYPE and the fixed field are not data',
      )
      assert.equal(form.text('botname'), 'The Bot')
      assert.deepEqual(form.values('features'), ['news', 'search'])
      assert.equal(form.boolean('public'), true)
      assert.equal(form.boolean('off'), false)
      assert.equal(form.boolean('absent'), undefined)
      assert.equal(form.text('empty'), undefined)
      assert.equal(form.text('none'), undefined)
      assert.equal(form.has('none'), true)
      assert.equal(form.has('absent'), false)
    })

    it('a required field that is absent or empty is missing; a field read as one value with two is malformed', () => {
      const form = parseForm(parse(good))
      for (const name of ['absent', 'empty', 'none']) {
        assert.throws(
          () => form.text(name, { required: true }),
          (e: unknown) => e instanceof FormError && e.problem === 'missing' && e.field === name,
        )
      }
      assert.throws(
        () => form.text('features'),
        (e: unknown) => e instanceof FormError && e.problem === 'malformed',
      )
      assert.throws(
        () => form.boolean('botname'),
        (e: unknown) => e instanceof FormError && e.problem === 'invalid',
      )
    })

    it('a form without FORM_TYPE is read as the expected one; another FORM_TYPE is refused', () => {
      const bare = `<x xmlns='${X}' type='submit'><field var='a'><value>1</value></field></x>`
      assert.equal(parseForm(parse(bare), { formType: 'urn:example:bot' }).formType, 'urn:example:bot')
      const e = refuses(good, 'form-type', { formType: 'urn:example:other' })
      assert.match(e.text!, /urn:example:other/)
    })

    it('XEP-0068 §4.3: a FORM_TYPE field that is not hidden is only a field', () => {
      const x = `<x xmlns='${X}' type='submit'><field var='FORM_TYPE' type='text-single'><value>urn:x</value></field></x>`
      const form = parseForm(parse(x), { formType: 'urn:example:bot' })
      assert.equal(form.formType, 'urn:example:bot')
      assert.deepEqual(form.values('FORM_TYPE'), ['urn:x'])
    })

    it('refuses what is malformed: not a form, a type not accepted, no var, a var twice, two values on a single type', () => {
      refuses(`<x xmlns='urn:other' type='submit'/>`, 'malformed')
      refuses(`<query xmlns='${X}' type='submit'/>`, 'malformed')
      refuses(`<x xmlns='${X}' type='form'/>`, 'malformed')
      refuses(`<x xmlns='${X}'/>`, 'malformed')
      refuses(`<x xmlns='${X}' type='submit'><field><value>1</value></field></x>`, 'malformed')
      refuses(`<x xmlns='${X}' type='submit'><field var=''><value>1</value></field></x>`, 'malformed')
      refuses(
        `<x xmlns='${X}' type='submit'><field var='a'><value>1</value></field><field var='a'/></x>`,
        'malformed',
      )
      refuses(
        `<x xmlns='${X}' type='submit'><field var='FORM_TYPE'><value>a</value></field><field var='FORM_TYPE' type='hidden'><value>b</value></field></x>`,
        'malformed',
      )
      refuses(
        `<x xmlns='${X}' type='submit'><field var='a' type='boolean'><value>1</value><value>0</value></field></x>`,
        'malformed',
      )
      // The types asked for are accepted.
      assert.equal(
        parseForm(parse(`<x xmlns='${X}' type='cancel'/>`), { types: ['submit', 'cancel'] }).type,
        'cancel',
      )
    })

    it('bounds what it reads: 1 KiB per value and var (UTF-8 bytes), 64 fields, 64 values per field', () => {
      const at = (v: string) => `<x xmlns='${X}' type='submit'><field var='a'><value>${v}</value></field></x>`
      assert.equal(parseForm(parse(at('x'.repeat(1024)))).text('a')!.length, 1024)
      const e = refuses(at('x'.repeat(1025)), 'too-large')
      assert.equal(e.field, 'a')
      assert.ok(e.text!.length < 100, 'the error text does not echo the value')
      refuses(at('é'.repeat(513)), 'too-large') // 1026 bytes in 513 characters
      refuses(`<x xmlns='${X}' type='submit'><field var='${'v'.repeat(1025)}'/></x>`, 'too-large')
      const fields = (n: number) => Array.from({ length: n }, (_, i) => `<field var='f${i}'/>`).join('')
      assert.equal(parseForm(parse(`<x xmlns='${X}' type='submit'>${fields(64)}</x>`)).fields.size, 64)
      refuses(`<x xmlns='${X}' type='submit'>${fields(65)}</x>`, 'too-large')
      const values = '<value>v</value>'.repeat(65)
      refuses(
        `<x xmlns='${X}' type='submit'><field var='m' type='text-multi'>${values}</field></x>`,
        'too-large',
      )
      refuses(at('x'.repeat(101)), 'too-large', { maxValueBytes: 100 })
    })

    it('formIn finds the data form among a wrapper element children', () => {
      const wrapper = parse(
        `<command xmlns='http://jabber.org/protocol/commands'><note/><x xmlns='${X}' type='submit'/></command>`,
      )
      assert.equal(formIn(wrapper)?.attrs.type, 'submit')
      assert.equal(
        formIn(parse(`<command xmlns='http://jabber.org/protocol/commands'><x/></command>`)),
        undefined,
      )
    })
  })
})
