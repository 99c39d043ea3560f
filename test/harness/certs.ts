// A private certificate authority for servers that must speak TLS the way production servers do
// (STARTTLS on c2s, verified certificates on s2s), with the openssl command line: Node has no API
// that issues certificates. Keys are ECDSA P-256, as Let's Encrypt issues by default; every file
// lives in a directory the caller owns and removes.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

export interface CertificateAuthority {
  /** PEM certificate of the CA: give it to clients (NODE_EXTRA_CA_CERTS) and servers (cafile). */
  readonly certPath: string
  readonly keyPath: string
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args)
  } catch (err: any) {
    const missing = err.code === 'ENOENT' ? ' (install it: apt-get install -y openssl)' : ''
    throw new Error(`openssl ${args[0]} failed${missing}: ${err.stderr || err.message}`)
  }
}

/** The CA that makeCertificateAuthority(dir) made, e.g. in another process. */
export function certificateAuthorityAt(dir: string): CertificateAuthority {
  return { certPath: join(dir, 'ca.crt'), keyPath: join(dir, 'ca.key') }
}

/** A self-signed CA in `dir`, valid for two days. */
export async function makeCertificateAuthority(dir: string): Promise<CertificateAuthority> {
  const ca = certificateAuthorityAt(dir)
  // biome-ignore format: option and value side by side
  await openssl([
    'req', '-x509', ...EC, '-keyout', ca.keyPath, '-out', ca.certPath, '-days', '2',
    '-subj', '/CN=XLattice test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign',
  ])
  return ca
}

/**
 * A certificate for `domain` signed by `ca`, written as `<dir>/<domain>.crt` and `.key`: the
 * names Prosody's certificate directory (`certificates = dir`) looks for. The domain is the
 * subject alternative name, which is what both c2s and s2s peers check (RFC 6125).
 */
export async function issueCertificate(ca: CertificateAuthority, dir: string, domain: string): Promise<void> {
  // biome-ignore format: option and value side by side
  await openssl([
    'req', '-x509', ...EC, '-CA', ca.certPath, '-CAkey', ca.keyPath,
    '-keyout', join(dir, `${domain}.key`), '-out', join(dir, `${domain}.crt`), '-days', '2',
    '-subj', `/CN=${domain}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', `subjectAltName=DNS:${domain}`, '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
  ])
}
