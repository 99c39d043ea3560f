// Hostile stanzas for component-hostile.spec.ts, each with the answer it deserves. Deterministic
// (seeded), so a failing case replays. 'raw' cases go through the raw XEP-0114 peer and may carry
// what no server forwards (bad from, missing id, foreign to); 'server' cases are what a client
// can push through Prosody.
import { randomBytes } from 'node:crypto'
import type { Element } from '@xmpp/xml'

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'

export type Expect =
  | { reply: 'none' }
  | { reply: 'result' }
  | { reply: 'error'; conditions: readonly string[] }
  /** One reply to the sender's bare JID (a presence answer), counted but not correlated. */
  | { reply: 'bare' }

export interface HostileStanza {
  kind: string
  xml: string
  /** Correlates the reply: the id (server mode) or the sender's resource (raw mode). */
  key: string
  expect: Expect
}

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
    const cases: [string, () => [string, Expect]][] = [
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
    ]
    const [kind, make] = cases[i % cases.length]
    const [xml, expect] = make()
    out.push({ kind, xml, key, expect })
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
    const condition =
      r.attrs.type === 'error'
        ? r
            .getChild('error')
            ?.getChildElements()
            .find((e) => e.attrs.xmlns === STANZAS)?.name
        : undefined
    if (!condition || (want.conditions[0] !== '*' && !want.conditions.includes(condition))) {
      problems.push(`${c.kind} ${c.key}: expected ${want.conditions.join('|')}, got ${r}`)
    }
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
