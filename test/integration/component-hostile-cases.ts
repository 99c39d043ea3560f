// Hostile stanzas for component-hostile.spec.ts, each with the answer it deserves. Deterministic
// (seeded), so a failing case replays. 'raw' cases go through the raw XEP-0114 peer and may carry
// what no server forwards (bad from, missing id, foreign to); 'server' cases are what a client
// can push through Prosody.
import { randomBytes } from 'node:crypto'
import type { Element } from '@xmpp/xml'

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
const NS_COMMANDS = 'http://jabber.org/protocol/commands'

export type Expect =
  | { reply: 'none' }
  | { reply: 'result' }
  | {
      reply: 'error'
      conditions: readonly string[]
      /** The <error/> type, when the case pins it. */
      type?: string
      /** A XEP-0050 condition the error must carry beside the stanza one. */
      app?: string
    }
  /** A chat message answering it (a chat with D), its body equal to or matching this. */
  | { reply: 'chat'; body: string | RegExp }
  /** One reply to the sender's bare JID (a presence answer), counted but not correlated. */
  | { reply: 'bare' }

export interface HostileStanza {
  kind: string
  xml: string
  /** Correlates the reply: the id (server mode) or the sender's resource (raw mode). */
  key: string
  expect: Expect
  /** Accepted for a nick of this node (attached lattice): its addressee must receive it once. */
  relayed?: boolean
}

/** What a case makes: the stanza, its answer, and optionally its own key and whether it is relayed. */
type Made = [string, Expect] | [string, Expect, { key?: string; relayed?: boolean }]

const none: Expect = { reply: 'none' }
const result: Expect = { reply: 'result' }
const error = (...conditions: string[]): Expect => ({ reply: 'error', conditions })
/** Prosody answers some of these itself (e.g. jid-malformed): any error will do. */
const anyError = error('*')

/** A small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface CaseOptions {
  mode: 'raw' | 'server'
  domain: string
  /** The component's maxStanzaBytes: oversize cases exceed it. */
  maxStanzaBytes: number
  seed?: number
  /** Distinct senders in raw mode (keeps each under the rate limit). */
  senders?: number
  /** The component's node, when it has one (the cases after hostileStanzas say what changes). */
  lattice?: AttachedLattice
}

export function hostileStanzas(n: number, opts: CaseOptions): HostileStanza[] {
  const D = opts.domain
  const raw = opts.mode === 'raw'
  const rnd = prng(opts.seed ?? 1)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const junk = (len: number) => randomBytes(len).toString('base64url')
  const big = 'A'.repeat(opts.maxStanzaBytes + 1024)
  const out: HostileStanza[] = []

  for (let i = 0; i < n; i++) {
    const key = `k${i}`
    const from = raw ? ` from='h${i % (opts.senders ?? 200)}@evil.example/${key}'` : ''
    const id = ` id='${key}'`
    const iq = (type: string, to: string, inner: string) =>
      `<iq type='${type}'${id}${from} to='${to}'>${inner}</iq>`
    const cases: [string, () => Made][] = [
      [
        'unknown-namespace',
        () => [
          iq(pick(['get', 'set']), pick([D, `bob@${D}`, `#c@${D}`]), `<q xmlns='urn:x-${junk(6)}'/>`),
          error('service-unavailable'),
        ],
      ],
      [
        'valid-with-junk-attributes',
        () => [iq('get', D, `<query xmlns='jabber:iq:version' foo='${junk(4)}' xml:lang='zz'/>`), result],
      ],
      [
        'oversize-message',
        () => [
          `<message type='chat'${id}${from} to='bob@${D}'><body>${big}</body></message>`,
          error('policy-violation'),
        ],
      ],
      [
        'oversize-iq',
        () => [
          iq('get', D, `<ping xmlns='urn:xmpp:ping'><junk>${big}</junk></ping>`),
          error('policy-violation'),
        ],
      ],
      [
        'deep-nesting',
        () => [iq('get', D, `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`), error('policy-violation')],
      ],
      [
        'invalid-nick',
        () => [
          iq(
            'get',
            `${pick(['a.b.c', 'x'.repeat(40), 'bad!nick', 'caf\u00e9'])}@${D}`,
            `<query xmlns='http://jabber.org/protocol/disco#info'/>`,
          ),
          error('item-not-found'),
        ],
      ],
      [
        'unknown-nick',
        () => [
          iq('get', `nobody${i}@${D}`, `<query xmlns='http://jabber.org/protocol/disco#info'/>`),
          error('item-not-found'),
        ],
      ],
      [
        'malformed-to',
        () => [
          iq('get', pick([`bad jid@${D}`, `@${D}`, `a@b@${D}`]), `<ping xmlns='urn:xmpp:ping'/>`),
          raw ? error('jid-malformed') : anyError,
        ],
      ],
      [
        'foreign-to',
        () =>
          raw
            ? [iq('get', 'x@other.example', `<ping xmlns='urn:xmpp:ping'/>`), error('item-not-found')]
            : [iq('get', D, `<ping xmlns='urn:xmpp:ping'/>`), result],
      ],
      ['no-child', () => [iq('get', D, ''), error('bad-request')]],
      [
        'two-children',
        () => [
          iq('get', D, `<ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/>`),
          error('bad-request'),
        ],
      ],
      [
        'bad-type',
        () =>
          raw
            ? [iq('fetch', D, `<ping xmlns='urn:xmpp:ping'/>`), error('bad-request')]
            : [iq('get', D, `<ping xmlns='urn:xmpp:ping'/>`), result],
      ],
      [
        'no-id',
        () =>
          raw
            ? [`<iq type='get'${from} to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`, error('bad-request')]
            : [iq('get', D, `<ping xmlns='urn:xmpp:ping'/>`), result],
      ],
      [
        'bad-from',
        () =>
          raw
            ? [
                `<iq type='get'${id} from='${pick(['', 'a b@c', `x@${D}`, '@@'])}' to='${D}'><ping xmlns='urn:xmpp:ping'/></iq>`,
                none,
              ]
            : [iq('get', D, `<ping xmlns='urn:xmpp:ping'/>`), result],
      ],
      [
        'malformed-register-form',
        () => [
          iq(
            'set',
            D,
            `<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='${junk(3)}'><field var=''><value>${junk(20)}</value></field><field/></x></query>`,
          ),
          error('bad-request'),
        ],
      ],
      [
        'malformed-command-form',
        () => [
          iq(
            'set',
            D,
            `<command xmlns='http://jabber.org/protocol/commands' node='${junk(5)}' action='execute'><x xmlns='jabber:x:data' type='submit'><field var='a' type='no-such-type'/></x></command>`,
          ),
          error('item-not-found'),
        ],
      ],
      [
        'disco-unknown-node',
        () => [
          iq('get', D, `<query xmlns='http://jabber.org/protocol/disco#info' node='${junk(8)}'/>`),
          error('item-not-found'),
        ],
      ],
      [
        'iq-result-with-junk',
        () => [
          `<iq type='${pick(['result', 'error'])}'${id}${from} to='${D}'><x xmlns='${junk(5)}'>${junk(30)}</x></iq>`,
          none,
        ],
      ],
      [
        'error-message',
        () => [`<message type='error'${id}${from} to='bob@${D}'><body>${junk(10)}</body></message>`, none],
      ],
      [
        'headline',
        () => [`<message type='headline'${id}${from} to='${D}'><body>${junk(10)}</body></message>`, none],
      ],
      [
        'chat-to-free-nick',
        () => [
          `<message type='${pick(['chat', 'normal', 'groupchat', 'bogus'])}'${id}${from} to='carol@${D}'><body>&lt;script&gt;&amp;&#x1F600;${junk(10)}</body></message>`,
          error('registration-required'),
        ],
      ],
      [
        'presence-junk',
        () => {
          // Through a server, subscription answers are the server's business (roster state), so
          // only the raw peer sends the types the component answers.
          const type = pick(raw ? ['subscribe', 'probe', 'unavailable', 'bogus'] : ['unavailable', 'bogus'])
          const to = pick([D, `bob@${D}`, `#c@${D}/x`])
          // Prosody refuses an unknown presence type itself (bad-request). The component answers a
          // subscription to D (subscribed) or to a nick (unsubscribed: none is registered here)
          // and a probe of D, always to the bare JID; everything else gets nothing.
          const answered = (type === 'subscribe' && to !== `#c@${D}/x`) || (type === 'probe' && to === D)
          const expect: Expect =
            type === 'bogus' && !raw ? error('bad-request') : answered ? { reply: 'bare' } : none
          return [
            `<presence type='${type}'${id}${from} to='${to}'><x xmlns='${junk(4)}'/></presence>`,
            expect,
          ]
        },
      ],
      ...handlerCases({ i, D, raw, rnd, pick, junk, from, id, key, opts }),
    ]
    const [kind, make] = cases[i % cases.length]
    const [xml, expect, extra] = make()
    out.push({ kind, xml, key: extra?.key ?? key, expect, ...(extra?.relayed ? { relayed: true } : {}) })
  }
  return out
}

/** Compares each reply with what its stanza deserves; returns a list of problems (empty when all is well). */
export function check(cases: HostileStanza[], replies: Map<string, Element[]>): string[] {
  const problems: string[] = []
  for (const c of cases) {
    const got = replies.get(c.key) ?? []
    const want = c.expect
    if (want.reply === 'none' || want.reply === 'bare') {
      if (got.length > 0) problems.push(`${c.kind} ${c.key}: answered ${got[0]}`)
      continue
    }
    if (got.length !== 1) {
      problems.push(`${c.kind} ${c.key}: ${got.length} replies`)
      continue
    }
    const [r] = got
    if (want.reply === 'result') {
      if (r.attrs.type !== 'result') problems.push(`${c.kind} ${c.key}: ${r}`)
      continue
    }
    if (want.reply === 'chat') {
      const body = r.getChildText('body') ?? ''
      const ok = typeof want.body === 'string' ? body === want.body : want.body.test(body)
      if (r.name !== 'message' || r.attrs.type !== 'chat' || !ok)
        problems.push(`${c.kind} ${c.key}: expected a chat answer ${want.body}, got ${r}`)
      continue
    }
    const condition =
      r.attrs.type === 'error'
        ? r
            .getChild('error')
            ?.getChildElements()
            .find((e) => e.attrs.xmlns === STANZAS)?.name
        : undefined
    if (!condition || (want.conditions[0] !== '*' && !want.conditions.includes(condition))) {
      problems.push(`${c.kind} ${c.key}: expected ${want.conditions.join('|')}, got ${r}`)
      continue
    }
    const error = r.getChild('error')
    if (want.type !== undefined && error?.attrs.type !== want.type)
      problems.push(`${c.kind} ${c.key}: expected an error of type ${want.type}, got ${r}`)
    if (want.app !== undefined && !error?.getChild(want.app, NS_COMMANDS))
      problems.push(`${c.kind} ${c.key}: expected <${want.app}/>, got ${r}`)
  }
  return problems
}

/** 5-15 complete tokens of XML that should not be on a component stream, different per i. */
export function tagSoup(i: number): string {
  const tokens = [
    `<a>`,
    `</b>`,
    `&bogus;`,
    `<c/>`,
    `text`,
    `<!--x-->`,
    `<?pi?>`,
    `<![CDATA[x]]>`,
    `<d e='1' e='2'/>`,
    `<f:g/>`,
    `</stream:stream>`,
    `&#1;`,
    `<iq>`,
    `</iq>`,
    ` `,
  ]
  let x = i * 7919 + 1
  const next = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x
  }
  return Array.from({ length: 5 + (next() % 11) }, () => tokens[next() % tokens.length]).join('')
}

// Structure-aware cases for the handlers at D (component/handlers/): XEP-0077 forms, XEP-0050
// commands, the chat with D, messages and presence to nicks. Each expectation follows the
// handler: register.ts (submittedRegistration: the nick, then the key; then Accounts.register), forms.ts
// (parseForm limits), commands.ts (node, action, sessionid, in that order), service-chat.ts
// (answerTo) and nick-message.ts. Without a node (the default) the component has a detached
// lattice: a registration with a valid nick answers remote-server-not-found (wait), a message
// to a nick registration-required (the sender holds none). With `lattice`, the sender holds
// senderNick at the node and peerNick is another user of it: registering senderNick again
// succeeds, another nick is a conflict, and a message to peerNick is relayed (no answer).

/** The component's node, for expectations (see above). */
export interface AttachedLattice {
  /** The nick the sender holds at this node. */
  senderNick: string
  /** Another nick of this node's users. */
  peerNick: string
  /** The cluster's name: `${cluster}.nick` is a nick of this cluster. */
  cluster: string
}

interface HandlerContext {
  i: number
  D: string
  raw: boolean
  rnd: () => number
  pick: <T>(xs: readonly T[]) => T
  junk: (len: number) => string
  from: string
  id: string
  key: string
  opts: CaseOptions
}

const NS_REGISTER = 'jabber:iq:register'
const NICK_RULE = /^[A-Za-z0-9_-]{1,32}$/
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;')
const field = (v: string, ...values: string[]) =>
  `<field var='${esc(v)}'>${values.map((x) => `<value>${esc(x)}</value>`).join('')}</field>`
const formType = (t = NS_REGISTER) => `<field var='FORM_TYPE' type='hidden'><value>${t}</value></field>`
/** Nicks as a client might type them: valid (any case), and not. */
const NICKS = ['mallory', 'Eve-2', 'x_y', 'carol']
const BAD_NICKS = ['caf\u00e9', 'a.b', 'x'.repeat(33), '<script>', 'a b', 'r&d', "o'neil", '\u212aelvin', '']
/**
 * A junk element for inside forms, commands and messages. `plain` leaves out the two that carry
 * meaning in a registration query (a data form, which is read, and a <value/>, which a field counts).
 */
const junkElement = (c: HandlerContext, plain = false) =>
  c.pick([
    `<junk xmlns='urn:x-${c.junk(4)}'><deep><deeper a='${c.junk(3)}'/></deep></junk>`,
    `<body xmlns='urn:x-not-a-body'>register ${c.junk(5)}</body>`,
    `<![CDATA[<iq type='set'/>]]>`,
    '<a><b><c><d><e/></d></c></b></a>',
    ...(plain
      ? []
      : [
          `<x xmlns='jabber:x:data' type='submit'><field var='nick'><value>${c.junk(6)}</value></field></x>`,
          `<value>${c.junk(8)}</value>`,
        ]),
  ])

/** The answer to registering `input` (after trimming) through XEP-0077 (Accounts.register). */
function registration(c: HandlerContext, input: string): Expect {
  if (!NICK_RULE.test(input)) return { reply: 'error', conditions: ['not-acceptable'], type: 'modify' }
  const l = c.opts.lattice
  if (l === undefined) return { reply: 'error', conditions: ['remote-server-not-found'], type: 'wait' }
  return input.toLowerCase() === l.senderNick ? result : error('conflict')
}

/** The chat answer to "register <input>" (service-chat.ts over Accounts.register). */
function chatRegistration(c: HandlerContext, input: string): string | RegExp {
  if (!NICK_RULE.test(input))
    return `Not done: ${JSON.stringify(input.slice(0, 40))} is not a valid nick: 1 to 32 of a-z, 0-9, _ and -.`
  const l = c.opts.lattice
  if (l === undefined) return 'Not done: this node is not in a cluster yet; try again in a minute.'
  if (input.toLowerCase() === l.senderNick) return `You are ${l.senderNick}@${c.D}.`
  return `Not done: you are registered as ${l.senderNick}; unregister it first.`
}

function handlerCases(c: HandlerContext): [string, () => Made][] {
  const { D, raw, pick, junk, from, id, key } = c
  const l = c.opts.lattice
  const iq = (type: string, to: string, inner: string) =>
    `<iq type='${type}'${id}${from} to='${to}'>${inner}</iq>`
  const register = (inner: string) => iq('set', D, `<query xmlns='${NS_REGISTER}'>${inner}</query>`)
  const submit = (inner: string, type = 'submit') => `<x xmlns='jabber:x:data' type='${type}'>${inner}</x>`
  const bad = error('bad-request')
  const command = (attrs: string, inner = '') =>
    iq('set', D, `<command xmlns='${NS_COMMANDS}'${attrs}>${inner}</command>`)
  const commandNode = () => pick(['register', 'my-registration', 'cluster-members', 'neighbours'])
  const commandError = (condition: string, app: string): Expect => ({
    reply: 'error',
    conditions: [condition],
    app,
  })
  const chat = (to: string, body: string, type = 'chat', extra = '') =>
    `<message type='${type}'${id}${from} to='${to}'><body>${body}</body>${extra}</message>`
  // The chat answer comes to the sender's full JID with id `<id>-re`: the raw peer keys it by
  // resource (the case key), the server mode by id.
  const said = (text: string, body: string | RegExp): Made =>
    raw ? [text, { reply: 'chat', body }] : [text, { reply: 'chat', body }, { key: `${key}-re` }]
  const help = new RegExp(
    `^Commands:\\n  register <nick>  take a nick: others reach you as <nick>@${D.replace(/\./g, '\\.')}`,
  )
  const peer = l?.peerNick ?? 'bob'
  // A message to a nick: without a node the sender holds none; with one it is relayed to peerNick.
  const toNick = (xml: string, accepted: boolean): Made =>
    l === undefined
      ? [xml, error('registration-required')]
      : accepted
        ? [xml, none, { relayed: true }]
        : [xml, error('item-not-found')]
  const bodyFits = Math.max(256, Math.min(c.opts.maxStanzaBytes - 2048, 30_000))

  const cases: [string, () => Made][] = [
    // XEP-0077 sets: forms read by parseForm, then the nick, then Accounts.register.
    ['register-form-no-nick', () => [register(submit(formType() + field('username', ''))), bad]],
    [
      'register-form-duplicate-field',
      () => [register(submit(formType() + field('nick', 'mallory') + field('nick', 'eve'))), bad],
    ],
    [
      'register-form-wrong-form-type',
      () => [
        register(
          submit(formType(pick(['jabber:iq:registerX', `urn:x-${junk(5)}`, ''])) + field('nick', 'mallory')),
        ),
        bad,
      ],
    ],
    [
      'register-form-not-submit',
      () => [
        register(
          submit(formType() + field('nick', 'mallory'), pick(['form', 'result', 'cancel', '', junk(3)])),
        ),
        bad,
      ],
    ],
    [
      'register-form-huge-value',
      () => [register(submit(formType() + field('nick', 'n'.repeat(257 + Math.floor(c.rnd() * 2000))))), bad],
    ],
    [
      'register-form-many-values',
      () => [
        register(
          submit(
            formType() +
              pick([
                field('nick', 'a', 'b'),
                `<field var='nick' type='text-single'><value>a</value><value>b</value></field>`,
              ]),
          ),
        ),
        bad,
      ],
    ],
    [
      'register-form-field-without-var',
      () => [
        register(
          submit(
            formType() +
              pick(['<field><value>mallory</value></field>', `<field var=''/>`]) +
              field('nick', 'mallory'),
          ),
        ),
        bad,
      ],
    ],
    [
      'register-form-too-many-fields',
      () => [
        register(submit(formType() + Array.from({ length: 65 }, (_, k) => field(`f${k}`, 'v')).join(''))),
        bad,
      ],
    ],
    [
      'register-form-partial-key',
      () => [
        register(
          submit(
            formType() +
              field('nick', 'mallory') +
              field(pick(['signing-key', 'agreement-key', 'signature']), junk(43)),
          ),
        ),
        error('not-acceptable'),
      ],
    ],
    [
      'register-form-bad-key',
      () => [
        register(
          submit(
            formType() +
              field('nick', 'mallory') +
              field('signing-key', pick([junk(10), '!!!', 'A'.repeat(43)])) +
              field('agreement-key', junk(43)) +
              field('signature', junk(86)) +
              field('seq', pick(['0', '-1', '99999999999', 'x', '1e3'])),
          ),
        ),
        error('not-acceptable'),
      ],
    ],
    [
      'register-form-nested-junk',
      () => {
        const nick = pick([...NICKS, ...BAD_NICKS.filter((n) => n !== '')])
        // Junk inside the form is not read; a field's own junk children are not values.
        const inner =
          junkElement(c) +
          formType() +
          `<field type='fixed'><value>${junk(4)}</value></field>` +
          `<field var='nick'>${junkElement(c, true)}<value>${esc(nick)}</value><desc>${junk(3)}</desc></field>` +
          field(`x-${junk(4)}`, junk(5), junk(5))
        return [register(junkElement(c, true) + submit(inner)), registration(c, nick)]
      },
    ],
    [
      'register-legacy-fields',
      () => {
        const nick = pick([...NICKS, ...BAD_NICKS])
        const name = pick(['nick', 'username'])
        const xml = register(`<${name}>${esc(nick)}</${name}><password>${junk(6)}</password>`)
        return [xml, nick.trim() === '' ? bad : registration(c, nick)]
      },
    ],
    [
      'register-legacy-huge',
      () => [
        register(`<nick>${'n'.repeat(257 + Math.floor(c.rnd() * 2000))}</nick>`),
        error('not-acceptable'),
      ],
    ],
    ['register-nothing-but-junk', () => [register(junkElement(c, true) + junkElement(c, true)), bad]],
    [
      'register-remove-with-junk',
      // With a node the sender holds a nick that a <remove/> would release: the spec does that once, on purpose.
      () =>
        l === undefined
          ? [
              register(
                pick([
                  `<remove/>${junkElement(c)}`,
                  `${junkElement(c)}<remove>${junk(5)}</remove><nick>mallory</nick>`,
                  `<remove><x xmlns='jabber:x:data' type='submit'/></remove>${junkElement(c)}`,
                ]),
              ),
              error('item-not-found'),
            ]
          : [register(`<nick>${l.senderNick.toUpperCase()}</nick>${junkElement(c, true)}`), result],
    ],
    [
      'register-get-with-junk',
      () => [
        iq(
          'get',
          D,
          `<query xmlns='${NS_REGISTER}' a='${junk(4)}'>${junkElement(c)}${submit(field('nick', 'x'))}</query>`,
        ),
        result,
      ],
    ],
    [
      'register-wrong-target',
      () => [
        iq(
          'set',
          pick([`${peer}@${D}`, `${D}/${junk(5)}`]),
          `<query xmlns='${NS_REGISTER}'><nick>mallory</nick></query>`,
        ),
        error('service-unavailable'),
      ],
    ],
    [
      'register-wrong-element',
      () => {
        const name = pick(['register', 'x', 'command'])
        return [
          iq('set', D, `<${name} xmlns='${NS_REGISTER}'><nick>mallory</nick></${name}>`),
          error('service-unavailable'),
        ]
      },
    ],

    // XEP-0050: node, then action, then sessionid.
    [
      'command-malformed-action',
      () => [
        command(
          ` node='${commandNode()}' action='${pick(['EXECUTE', '', 'run', 'complete ', junk(6)])}'`,
          junkElement(c),
        ),
        commandError('bad-request', 'malformed-action'),
      ],
    ],
    [
      'command-action-without-session',
      () => [
        command(
          ` node='${commandNode()}' action='${pick(['prev', 'next', 'complete', 'cancel'])}'${pick(['', ` sessionid=''`])}`,
        ),
        commandError('bad-request', 'bad-sessionid'),
      ],
    ],
    [
      'command-forged-session',
      () => {
        const sid = pick([
          junk(12),
          `${junk(12)}.${junk(16)}`,
          '.',
          'x'.repeat(200),
          `${junk(12)}.`,
          `&amp;${junk(3)}`,
        ])
        const action = pick([
          '',
          ` action='execute'`,
          ` action='complete'`,
          ` action='cancel'`,
          ` action='next'`,
        ])
        return [
          command(
            ` node='${commandNode()}' sessionid='${sid}'${action}`,
            submit(formType('urn:xlattice:commands:register') + field('nick', 'mallory')),
          ),
          commandError('bad-request', 'bad-sessionid'),
        ]
      },
    ],
    [
      'command-execute-with-junk',
      () => [
        command(
          ` node='${commandNode()}'${pick(['', ` action='execute'`])} status='${pick(['completed', junk(3)])}'`,
          junkElement(c) + submit(field('nick', junk(5)), junk(4)),
        ),
        result,
      ],
    ],
    [
      'command-no-node',
      () => [
        command(pick(['', ` node=''`, ` node='REGISTER'`, ` node='register '`]), junkElement(c)),
        error('item-not-found'),
      ],
    ],
    [
      'command-get',
      () => [iq('get', D, `<command xmlns='${NS_COMMANDS}' node='register'/>`), error('service-unavailable')],
    ],
    [
      'command-to-nick',
      () => [
        iq('set', `${peer}@${D}`, `<command xmlns='${NS_COMMANDS}' node='register'/>`),
        error('service-unavailable'),
      ],
    ],

    // The chat with D (service-chat.ts): a line, trimmed, cut at 200 characters, split on spaces.
    [
      'chat-register-usage',
      () =>
        said(
          chat(D, esc(pick(['register', 'REGISTER', 'register a b', 'register\t\ta  b  c']))),
          'Usage: register <nick>',
        ),
    ],
    [
      'chat-register-junk-nick',
      () => {
        const nick = pick(BAD_NICKS.filter((n) => !/\s/.test(n) && n !== ''))
        return said(chat(D, `register ${esc(nick)}`), chatRegistration(c, nick))
      },
    ],
    [
      'chat-register-controls',
      () => {
        const nick = pick(NICKS)
        // Tabs, carriage returns and line feeds are whitespace to the split; so is U+3000.
        return said(
          chat(D, `&#9;${pick(['register', 'Register'])}&#13;&#10; \u3000${nick}&#9;`),
          chatRegistration(c, nick),
        )
      },
    ],
    [
      'chat-register-long-junk',
      () => {
        const arg = 'a'.repeat(191)
        return said(chat(D, `register ${'a'.repeat(bodyFits)}`), chatRegistration(c, arg))
      },
    ],
    ['chat-huge-body', () => said(chat(D, `${junk(8)} ${'z'.repeat(bodyFits)}`), help)],
    [
      'chat-whoami-first-body',
      () =>
        said(
          chat(
            D,
            'whoami',
            pick(['chat', 'normal']),
            `<body xml:lang='de'>register ${junk(4)}</body>${junkElement(c)}`,
          ),
          l === undefined
            ? 'You have no nick here. Send "register <nick>" to take one.'
            : `You are ${l.senderNick}@${D}.`,
        ),
    ],
    [
      'chat-body-with-markup',
      () => said(chat(D, `help <b xmlns='urn:x'>${junk(3)}</b> &lt;b&gt; &amp;amp; &#x1F600;`), help),
    ],
    [
      'chat-unregister',
      () =>
        l === undefined
          ? said(chat(D, 'unregister'), 'Not done: you have no nick registered here.')
          : said(chat(D, 'whoami'), `You are ${l.senderNick}@${D}.`),
    ],
    [
      'chat-no-answer',
      () => [
        pick([
          `<message type='chat'${id}${from} to='${D}'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
          `<message type='chat'${id}${from} to='${D}'><body>  \t </body></message>`,
          `<message type='chat'${id}${from} to='${D}'><body/><body>register x</body></message>`,
          chat(D, 'register mallory', 'groupchat'),
          raw ? chat(D, 'whoami', 'bogus') : chat(D, 'whoami', 'headline'),
        ]),
        none,
      ],
    ],
    [
      'chat-to-service-resource',
      () => [chat(`${D}/${junk(6)}`, 'register mallory'), error('service-unavailable')],
    ],

    // Messages to nicks with junk children (nick-message.ts).
    [
      'nick-message-junk-children',
      () =>
        toNick(
          `<message type='${pick(['chat', 'normal'])}'${id}${from} to='${peer}@${D}${pick(['', `/${junk(4)}`])}'>` +
            `<body>${junk(20)} &lt;&amp;&gt; \u{1F600}</body>${junkElement(c)}${junkElement(c)}` +
            `<request xmlns='urn:xmpp:receipts'/><thread parent='${junk(3)}'>${junk(8)}</thread></message>`,
          true,
        ),
    ],
    [
      'nick-message-large-body',
      () => toNick(chat(`${peer}@${D}`, 'b'.repeat(Math.min(bodyFits, 20_000))), true),
    ],
    [
      'nick-message-no-body',
      () =>
        toNick(
          `<message type='chat'${id}${from} to='${peer}@${D}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
          true,
        ),
    ],
    [
      'nick-message-unknown-nick',
      () =>
        toNick(
          chat(
            `nobody-${junk(6)
              .toLowerCase()
              .replace(/[^a-z0-9]/g, 'x')}@${D}`,
            junk(10),
          ),
          false,
        ),
    ],
    [
      'nick-message-qualified',
      () =>
        l === undefined
          ? toNick(chat(`${pick(['berlin', 'zz'])}.${peer}@${D}`, junk(10)), false)
          : pick([
              () => toNick(chat(`${l.cluster}.${peer}@${D}`, junk(10)), true),
              () =>
                toNick(
                  chat(
                    `zz-${junk(3)
                      .toLowerCase()
                      .replace(/[^a-z0-9]/g, 'x')}.${peer}@${D}`,
                    junk(10),
                  ),
                  false,
                ),
            ])(),
    ],
    [
      'nick-message-escaped-local',
      () => {
        // XEP-0106 escapes: "bob x" and "a@b" are no nicks, "#room&x" is a channel (no messages yet).
        const [local, condition] = pick([
          ['bob\\20x', 'item-not-found'],
          ['a\\40b', 'item-not-found'],
          ['a.b.c', 'item-not-found'],
          ['#room\\26x', 'service-unavailable'],
        ])
        return [chat(`${local}@${D}`, junk(5)), error(condition)]
      },
    ],

    // Presence to nicks and to D (presence.ts). Through a server, subscription state is the
    // server's (roster pushes, its own answers), so only the raw peer sends subscriptions.
    [
      'presence-to-nick',
      () => {
        if (!raw) {
          const to = pick([`${peer}@${D}`, `${peer}@${D}/${junk(3)}`, `zz.${peer}@${D}`, `${D}/${junk(4)}`])
          const type = pick(['', ` type='unavailable'`])
          return [
            `<presence${type}${id}${from} to='${to}'>${junkElement(c)}<status>${junk(200)}</status></presence>`,
            none,
          ]
        }
        const [type, to, expect] = pick<[string, string, Expect]>([
          ['subscribe', `${peer}@${D}`, { reply: 'bare' }], // no such nick: unsubscribed
          ['unsubscribe', `${peer}@${D}`, { reply: 'bare' }],
          ['subscribe', `zz.${peer}@${D}`, none], // another cluster's nick: nobody here
          ['probe', `${peer}@${D}`, none], // not a subscriber
          ['subscribed', `${peer}@${D}`, none],
          ['unsubscribed', `${peer}@${D}/${junk(3)}`, none],
          ['probe', D, { reply: 'bare' }],
          ['error', `${peer}@${D}`, none],
        ])
        return [`<presence type='${type}'${id}${from} to='${to}'>${junkElement(c)}</presence>`, expect]
      },
    ],
  ]
  return cases
}

/** Only the handler cases above (for a component with a node, through a server). */
export function handlerStanzas(n: number, opts: CaseOptions): HostileStanza[] {
  const D = opts.domain
  const raw = opts.mode === 'raw'
  const rnd = prng(opts.seed ?? 3)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const junk = (len: number) => randomBytes(len).toString('base64url')
  const out: HostileStanza[] = []
  for (let i = 0; i < n; i++) {
    const key = `k${i}`
    const from = raw ? ` from='h${i % (opts.senders ?? 200)}@evil.example/${key}'` : ''
    const id = ` id='${key}'`
    const cases = handlerCases({ i, D, raw, rnd, pick, junk, from, id, key, opts })
    const [kind, make] = cases[i % cases.length]
    const [xml, expect, extra] = make()
    out.push({ kind, xml, key: extra?.key ?? key, expect, ...(extra?.relayed ? { relayed: true } : {}) })
  }
  return out
}
