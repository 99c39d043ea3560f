// xmpp.js ships no type declarations (checked: @xmpp/client 0.14, @xmpp/component 0.13.1, @xmpp/xml
// 0.14). These cover the parts this project uses; extend them when you use more.
// References: https://github.com/xmppjs/xmpp.js/tree/main/packages

declare module '@xmpp/xml' {
  /** An ltx element. */
  export interface Element {
    name: string
    attrs: Record<string, any>
    children: Node[]
    parent: Element | null
    is(name: string, xmlns?: string): boolean
    getName(): string
    getNS(): string | undefined
    getAttr(name: string, xmlns?: string): any
    attr(name: string, value?: any): any
    getChild(name: string, xmlns?: string): Element | undefined
    getChildren(name: string, xmlns?: string): Element[]
    getChildElements(): Element[]
    getChildText(name: string, xmlns?: string): string | null
    getText(): string
    text(value?: string): string
    append(...nodes: Node[]): Element
    c(name: string, attrs?: Record<string, any>): Element
    up(): Element
    toString(): string
  }
  export type Node = Element | string
  export type Child = Node | Node[] | null | undefined | false
  export interface XmlFactory {
    (name: string, attrs?: Record<string, any> | null, ...children: Child[]): Element
    Element: new (name: string, attrs?: Record<string, any>) => Element
  }
  const xml: XmlFactory
  export default xml
  export { xml }
}

declare module '@xmpp/jid' {
  export interface JID {
    local: string
    domain: string
    resource: string
    bare(): JID
    equals(other: JID): boolean
    toString(unescaped?: boolean): string
  }
  export function jid(address: string): JID
  export function jid(local: string | undefined, domain: string, resource?: string): JID
  export default jid
}

declare module '@xmpp/client' {
  import type { Element, XmlFactory } from '@xmpp/xml'
  import type { JID, jid as jidFn } from '@xmpp/jid'

  export type Status =
    | 'offline'
    | 'connecting'
    | 'connect'
    | 'opening'
    | 'open'
    | 'online'
    | 'closing'
    | 'close'
    | 'disconnecting'
    | 'disconnect'

  export interface IqCaller {
    /** Sends an IQ and resolves with the response stanza; rejects with a StanzaError on type=error. */
    request(stanza: Element, timeout?: number): Promise<Element>
    /** Sends <iq type=get> around element and resolves with the response's matching child. */
    get(element: Element, to?: string, timeout?: number): Promise<Element | undefined>
    set(element: Element, to?: string, timeout?: number): Promise<Element | undefined>
  }

  export interface IqContext {
    stanza: Element
    element: Element
    from: JID
    to: JID
    id: string
    type: string
  }

  /** Return an element for the result's child, true/{} for an empty result, or an <error/> element. */
  export type IqHandler = (ctx: IqContext) => Element | object | boolean | undefined | Promise<unknown>

  export interface IqCallee {
    get(ns: string, name: string, handler: IqHandler): void
    set(ns: string, name: string, handler: IqHandler): void
  }

  /** The parts of an xmpp.js entity (client or component) the project touches. */
  export interface Entity {
    status: Status
    jid: JID | null
    /** net.Socket over TCP; a wrapper without setNoDelay over WebSocket. */
    socket: (import('node:net').Socket & { setNoDelay?: (noDelay?: boolean) => unknown }) | null
    options: Record<string, any>
    timeout: number
    start(): Promise<JID>
    stop(): Promise<Element | undefined>
    disconnect(timeout?: number): Promise<void>
    send(element: Element): Promise<void>
    sendMany(elements: Element[]): Promise<void>
    sendReceive(element: Element, timeout?: number): Promise<Element>
    on(event: 'stanza' | 'nonza' | 'element' | 'send', listener: (el: Element) => void): this
    on(event: 'online', listener: (jid: JID) => void): this
    on(event: 'error', listener: (err: Error & { condition?: string }) => void): this
    on(event: 'status', listener: (status: Status, detail?: unknown) => void): this
    on(event: string, listener: (...args: any[]) => void): this
    once(event: string, listener: (...args: any[]) => void): this
    off(event: string, listener: (...args: any[]) => void): this
    removeListener(event: string, listener: (...args: any[]) => void): this
    removeAllListeners(event?: string): this
    iqCaller: IqCaller
    iqCallee: IqCallee
    reconnect: {
      delay: number
      start(): void
      stop(): void
      on(event: string, fn: (...a: any[]) => void): void
    }
    middleware: { use(fn: (ctx: any, next: () => Promise<unknown>) => unknown): void }
  }

  /**
   * Called per SASL negotiation; call authenticate() with the chosen mechanism. With a function,
   * xmpp.js never picks a mechanism itself (it avoids PLAIN on unencrypted streams).
   */
  export type Credentials = (
    authenticate: (credentials: { username: string; password: string }, mechanism: string) => Promise<void>,
    mechanisms: string[],
  ) => Promise<void>

  export interface ClientOptions {
    service: string
    domain?: string
    resource?: string
    username?: string
    password?: string
    credentials?: Credentials
    lang?: string
    timeout?: number
  }

  export interface Client extends Entity {
    streamManagement: {
      enabled: boolean
      id: string
      outbound: number
      inbound: number
      /** Stanzas sent and not yet acknowledged by the server (XEP-0198). */
      outbound_q: unknown[]
    }
  }

  export function client(options: ClientOptions): Client
  export const xml: XmlFactory
  export const jid: typeof jidFn
  export type { Element }
}

declare module '@xmpp/component' {
  import type { Element, XmlFactory } from '@xmpp/xml'
  import type { Entity } from '@xmpp/client'
  import type { jid as jidFn } from '@xmpp/jid'

  export interface ComponentOptions {
    service: string
    domain: string
    password: string | ((authenticate: (password: string) => Promise<void>) => Promise<void>)
  }

  export type Component = Entity

  export function component(options: ComponentOptions): Component
  /** This package's own xml (0.13): build the replies its iqCallee sees with it, not @xmpp/client's. */
  export const xml: XmlFactory
  export const jid: typeof jidFn
  export type { Element }
}

// @xmpp/component-core 0.13.1: the bare XEP-0114 connection under @xmpp/component, without its
// middleware, IQ callee (which answers every IQ itself) and fixed-delay reconnect. component/ owns
// routing and reconnection, so it builds on this.
declare module '@xmpp/component-core' {
  import type { Element, XmlFactory } from '@xmpp/xml'
  import type { Entity } from '@xmpp/client'
  import type { jid as jidFn } from '@xmpp/jid'

  /** The streaming parser xmpp.js feeds socket data to: events start (stream header), element, end, error. */
  export interface XmlParser {
    write(data: string): void
    end(data?: string): void
    on(event: 'start' | 'element' | 'end', listener: (el: Element) => void): this
    on(event: 'error', listener: (err: Error) => void): this
    once(event: string, listener: (...args: any[]) => void): this
    removeListener(event: string, listener: (...args: any[]) => void): this
    emit(event: string, ...args: any[]): boolean
  }
  export type XmlParserClass = new () => XmlParser

  export class Component {
    constructor(options: { service: string; domain: string })
    status: Entity['status']
    socket: Entity['socket']
    jid: Entity['jid']
    options: Record<string, any>
    /** Milliseconds for the stream open, the handshake and the stream close. */
    timeout: number
    /** Instantiated per stream by open(); an instance property set before connect() overrides it. */
    Parser: XmlParserClass
    connect(service: string): Promise<void>
    open(options: { domain: string; timeout?: number }): Promise<Element>
    /** Sends the XEP-0114 handshake SHA-1(streamId + secret) and waits for the server's answer. */
    authenticate(streamId: string, secret: string): Promise<void>
    stop(): Promise<Element | undefined>
    disconnect(timeout?: number): Promise<void>
    send(element: Element): Promise<void>
    /** The socket 'data' listener (bound in connect()); writes to parser unguarded. */
    _onData(data: string | Buffer): void
    parser: XmlParser | null
    /** Writes serialized XML as is; resolves once the socket has taken it. */
    write(data: string): Promise<void>
    emit(event: string, ...args: any[]): boolean
    on: Entity['on']
    once: Entity['once']
    off: Entity['off']
    removeAllListeners(event?: string): this
  }

  export const xml: XmlFactory & { Parser: XmlParserClass }
  export const jid: typeof jidFn
}
