/** Builders shared by the update tests: fake release tarballs (safe and hostile) and signing. */
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'
import { ed25519Generate, sha512, Signer } from '../../../../lib/crypto.js'
import { toHex } from '../../../../lib/encoding.js'
import { type Manifest, type SignedManifest, signManifest } from '../../../../gateway/update/manifest.js'

export interface RawEntry {
  path: string
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO'
  linkpath?: string
  data?: string | Uint8Array
  mode?: number
}

/** A gzipped tar built header by header, so tests can write entries `tar.c` would refuse. */
export function rawTarball(entries: RawEntry[]): Uint8Array {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data)
    const type = e.type ?? 'File'
    const h = new Header({
      path: e.path,
      type,
      linkpath: e.linkpath,
      size: type === 'File' ? data.length : 0,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: new Date(0),
    })
    const block = Buffer.alloc(512)
    h.encode(block, 0)
    blocks.push(block)
    if (type === 'File' && data.length > 0) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return new Uint8Array(gzipSync(Buffer.concat(blocks)))
}

/** A tiny installable package: package.json plus a bin script printing its version. */
export function fakePackage(version: string, name = 'xlattice-chat', extra: RawEntry[] = []): Uint8Array {
  const pkg = { name, version, type: 'module', bin: { xlattice: 'bin/xlattice.js' } }
  return rawTarball([
    { path: 'package/package.json', data: JSON.stringify(pkg) },
    {
      path: 'package/bin/xlattice.js',
      mode: 0o755,
      data: [
        "import { readFileSync } from 'node:fs'",
        "const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))",
        "if (process.argv.includes('--version')) console.log(pkg.version)",
        '',
      ].join('\n'),
    },
    ...extra,
  ])
}

export function releaseKey(): Signer {
  return new Signer(ed25519Generate())
}

const DAY = 86_400_000

export function manifestFor(tarball: Uint8Array, version: string, over: Partial<Manifest> = {}): Manifest {
  const now = Date.now()
  return {
    name: 'xlattice-chat',
    version,
    sha512: toHex(sha512(tarball)),
    size: tarball.length,
    published: new Date(now - DAY).toISOString(),
    expires: new Date(now + 30 * DAY).toISOString(),
    ...over,
  }
}

export function signedRelease(
  signer: Signer,
  version: string,
  over: Partial<Manifest> = {},
): { tarball: Uint8Array; signed: SignedManifest; manifest: Manifest } {
  const tarball = fakePackage(version, over.name)
  const manifest = manifestFor(tarball, version, over)
  return { tarball, signed: signManifest(signer, manifest), manifest }
}
