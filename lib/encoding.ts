/**
 * Text encodings used everywhere a key or ID leaves the process (JSON, logs, CLI):
 * NodeIDs as 64 lowercase hex characters, public keys as unpadded base64url.
 */

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(text: string, expectedLength?: number): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new TypeError('not lowercase hex')
  const bytes = new Uint8Array(Buffer.from(text, 'hex'))
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new TypeError(`expected ${expectedLength} bytes of hex, got ${bytes.length}`)
  }
  return bytes
}

export function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

export function fromB64u(text: string, expectedLength?: number): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not unpadded base64url')
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new TypeError(`expected ${expectedLength} bytes of base64url, got ${bytes.length}`)
  }
  return bytes
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** Compares two byte strings as unsigned big-endian integers (for XOR-distance ordering). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError('xor of unequal lengths')
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}
