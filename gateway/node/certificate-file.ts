/**
 * The node's NodeID certificate, kept beside identity.json as `node-certificate.json` so
 * `xlattice id` can read it while the node runs (the LevelDB store is locked then).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fromB64u, toB64u } from '../../lib/encoding.js'
import { writeFileAtomic } from '../../lib/fsutil.js'
import type { SignedCertificate } from '../registry/registry.pb.js'

export const CERTIFICATE_FILE = 'node-certificate.json'

export async function saveCertificate(dataDir: string, signed: SignedCertificate): Promise<void> {
  const text = JSON.stringify({
    certificate: toB64u(signed.certificate),
    signature: toB64u(signed.signature),
  })
  await writeFileAtomic(join(dataDir, CERTIFICATE_FILE), `${text}\n`, 0o600)
}

/** The saved certificate, or undefined when the node has none yet. Unverified: callers verify. */
export async function loadCertificate(dataDir: string): Promise<SignedCertificate | undefined> {
  let text: string
  try {
    text = await readFile(join(dataDir, CERTIFICATE_FILE), 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
  const raw = JSON.parse(text)
  return { certificate: fromB64u(raw.certificate), signature: fromB64u(raw.signature) }
}
