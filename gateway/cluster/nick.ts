/**
 * The nick rule of the cluster registry (seed row 0.1.2). A nick is what a user picks; the
 * registry stores its canonical form, and every comparison is on canonical forms.
 *
 * Canonical form: ASCII upper-case letters are folded to lower case; the result must match
 * `[a-z0-9_-]{1,32}`. Nothing else is folded or mapped: any other character is refused,
 * including `.` (reserved for qualified nicks, `cluster.nick`), `#` (reserved for channels),
 * white space and every non-ASCII character, even one that JavaScript would lower-case to an
 * ASCII letter (the Kelvin sign U+212A would become `k`): a lookalike must not reach a binding.
 *
 *   normalizeNick('Alice')     -> 'alice'
 *   normalizeNick('bob_2-x')   -> 'bob_2-x'
 *   normalizeNick('a.b')       -> null   (qualified nick)
 *   normalizeNick('#room')     -> null   (channel)
 *   normalizeNick('\u212Aate') -> null   (Kelvin sign)
 *   normalizeNick('x'.repeat(33)) -> null
 */

export const MAX_NICK_LENGTH = 32

const INPUT = /^[A-Za-z0-9_-]{1,32}$/

/** The canonical nick for user input, or null when the input breaks the rule. */
export function normalizeNick(input: string): string | null {
  return INPUT.test(input) ? input.toLowerCase() : null
}

/** Whether `bytes` (as carried in an operation) are a canonical nick: `[a-z0-9_-]{1,32}`. */
export function isCanonicalNick(bytes: Uint8Array): boolean {
  if (bytes.length < 1 || bytes.length > MAX_NICK_LENGTH) return false
  for (const b of bytes) {
    const ok = (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d
    if (!ok) return false
  }
  return true
}
