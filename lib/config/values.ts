/**
 * Value schemas the config sections are built from. Each one carries a single "expected ..."
 * phrase as its zod error for every way it can fail, so an error reads
 * `registry.neighbourK: expected an integer from 1 to 64, got "eight"` whichever check tripped,
 * and the same phrase documents the key in `config/*.toml` (see `expectation()` in keys.ts).
 */
import { isIP } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { fromB64u } from '../encoding.js'

export function int(min: number, max?: number) {
  const expected = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
  const schema = z.int({ error: expected }).min(min, { error: expected })
  return max === undefined ? schema : schema.max(max, { error: expected })
}

export function positiveNumber(max: number) {
  const expected = `a number greater than 0 and at most ${max}`
  return z.number({ error: expected }).gt(0, { error: expected }).max(max, { error: expected })
}

export function bool() {
  return z.boolean({ error: 'true or false' })
}

export function nonEmptyString(expected: string) {
  return z.string({ error: expected }).min(1, { error: expected })
}

function parseMultiaddr(value: string) {
  try {
    return multiaddr(value)
  } catch {
    return undefined
  }
}

export function multiaddrString() {
  const expected = 'a multiaddr such as "/ip4/127.0.0.1/tcp/0"'
  return z.string({ error: expected }).refine((v) => parseMultiaddr(v) !== undefined, { error: expected })
}

export function multiaddrList() {
  const expected = 'a list of one or more multiaddrs'
  return z.array(multiaddrString(), { error: expected }).min(1, { error: expected })
}

/** A dialable peer: the node must know whom it reaches, so the address has to name the peer ID. */
export function peerMultiaddr() {
  const expected = 'a multiaddr ending in /p2p/<peerId>, e.g. "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW..."'
  return z.string({ error: expected }).refine(
    (v) =>
      parseMultiaddr(v)
        ?.getComponents()
        .some((c) => c.name === 'p2p') === true,
    {
      error: expected,
    },
  )
}

export function peerIdString() {
  const expected = 'a libp2p peer ID such as "12D3KooW..."'
  return z.string({ error: expected }).refine(
    (v) => {
      try {
        peerIdFromString(v)
        return true
      } catch {
        return false
      }
    },
    { error: expected },
  )
}

/** 32 bytes (an Ed25519 public key) in unpadded base64url, the encoding identity.json uses. */
export function publicKeyB64u() {
  const expected = 'a 32-byte public key in base64url'
  return z.string({ error: expected }).refine(
    (v) => {
      try {
        fromB64u(v, 32)
        return true
      } catch {
        return false
      }
    },
    { error: expected },
  )
}

export interface HostPort {
  /** Without brackets for IPv6, ready for `server.listen(port, host)`. */
  host: string
  port: number
}

/** Parses `HOST:PORT`, `[IPv6]:PORT`; undefined if malformed. Port 0 asks the OS for a free one. */
export function parseHostPort(value: string): HostPort | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2], port }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

export function hostPort() {
  const expected = 'HOST:PORT, e.g. "127.0.0.1:9090" or "[::1]:0"'
  return z.string({ error: expected }).refine((v) => parseHostPort(v) !== undefined, { error: expected })
}

/**
 * An ASCII domain name (RFC 1035 labels: letters, digits, inner hyphens; 1-63 octets each, 253
 * in all), the form XMPP servers are configured with. The last label may not be all digits, so an
 * IPv4 address is refused: a component domain is a name the server routes, not an address.
 * Internationalised names are given in their xn-- form.
 */
export function isDomainName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false
  const labels = value.split('.')
  if (!labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return false
  return !/^\d+$/.test(labels[labels.length - 1])
}

export function domainName() {
  const expected = 'a domain name such as "lattice.example.org"'
  return z.string({ error: expected }).refine(isDomainName, { error: expected })
}

/** Where to connect: a host name (`localhost`, `xmpp.example.org`) or an IPv4/IPv6 address, no port. */
export function hostName() {
  const expected = 'a host name or IP address without a port, e.g. "127.0.0.1"'
  return z
    .string({ error: expected })
    .refine((v) => isIP(v) !== 0 || /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(v), {
      error: expected,
    })
}
