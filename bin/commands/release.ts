/**
 * `xlattice release ...`: what a publisher runs (seed row 0.0.0).
 *
 *   release keygen --out FILE                     new Ed25519 release key; prints its public key
 *   release pack [--set-version V] [--out DIR]    npm pack with production dependencies bundled
 *   release publish TARBALL --key FILE (--registry-admin HOST:PORT | --registry-data DIR)
 *   release verify TARBALL --manifest FILE --key PUBKEY
 *   release rotate --old-key FILE --new PUBKEY (--registry-admin HOST:PORT | --registry-data DIR)
 *
 * `register(program)` prints expected errors as one line and exits 1 (bin/common.ts `action`);
 * `register(program, io)` lets them propagate instead, for embedding and tests.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { action, collect } from '../common.js'
import { sha512 } from '../../lib/crypto.js'
import { toB64u, toHex } from '../../lib/encoding.js'
import { writeFileAtomic } from '../../lib/fsutil.js'
import { LevelStore } from '../../lib/store/index.js'
import { RELEASE_HEADER } from '../../gateway/update/admin.js'
import { UpdateError } from '../../gateway/update/errors.js'
import { verifyRelease } from '../../gateway/update/install.js'
import {
  generateReleaseKeyFile,
  loadReleaseKey,
  parsePublicKey,
  type SignedRotation,
  signRotation,
} from '../../gateway/update/keys.js'
import {
  envelopeFromSigned,
  type SignedManifest,
  signedFromEnvelope,
  signManifest,
} from '../../gateway/update/manifest.js'
import { packRelease } from '../../gateway/update/pack.js'
import { ReleaseStore } from '../../gateway/update/releases.js'
import { inspectTarball, readTarballPackageJson } from '../../gateway/update/tarball.js'
import { packageInfo } from '../../gateway/update/version.js'

export interface CliIo {
  out(line: string): void
}

const stdoutIo: CliIo = { out: (line) => process.stdout.write(`${line}\n`) }

/** Where publishing goes: the running registry's admin endpoint, or its data dir when it is stopped. */
interface Target {
  registryAdmin?: string
  registryData?: string
}

function checkTarget(t: Target): void {
  if ((t.registryAdmin === undefined) === (t.registryData === undefined)) {
    throw new UpdateError(
      'ERR_USAGE',
      'give exactly one of --registry-admin HOST:PORT or --registry-data DIR',
    )
  }
}

function adminUrl(hostPort: string, path: string): string {
  return `${/^https?:\/\//.test(hostPort) ? hostPort.replace(/\/+$/, '') : `http://${hostPort}`}${path}`
}

async function postAdmin(
  url: string,
  init: { headers: Record<string, string>; body: Uint8Array },
): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', headers: init.headers, body: Buffer.from(init.body) })
  } catch (err: any) {
    throw new UpdateError(
      'ERR_REGISTRY',
      `cannot reach the registry admin endpoint ${url}: ${err?.cause?.message ?? err.message}`,
    )
  }
  const text = await res.text()
  let body: any
  try {
    body = JSON.parse(text)
  } catch {
    body = { error: text.trim() }
  }
  if (!res.ok)
    throw new UpdateError(body?.code ?? 'ERR_REGISTRY', `registry refused: ${body?.error ?? res.status}`)
  return body
}

/** Opens the registry's store directly; LevelDB's lock makes this fail while the registry runs. */
async function withOfflineStore<T>(dir: string, fn: (releases: ReleaseStore) => Promise<T>): Promise<T> {
  const store = await LevelStore.open(join(dir, 'store'))
  try {
    return await fn(new ReleaseStore(store.sublevel('releases')))
  } finally {
    await store.close()
  }
}

export async function publishTarball(
  tarballPath: string,
  opts: Target & { key: string; expiresDays: number; manifestOut?: string },
): Promise<{ signed: SignedManifest; version: string }> {
  checkTarget(opts)
  if (!(opts.expiresDays > 0)) throw new UpdateError('ERR_USAGE', '--expires-days must be positive')
  const signer = await loadReleaseKey(opts.key)
  const tarball = new Uint8Array(await readFile(tarballPath))
  const pkg = await readTarballPackageJson(tarball)
  await inspectTarball(tarball)
  const now = new Date()
  const signed = signManifest(signer, {
    name: pkg.name,
    version: pkg.version,
    sha512: toHex(sha512(tarball)),
    size: tarball.length,
    published: now.toISOString(),
    expires: new Date(now.getTime() + opts.expiresDays * 86_400_000).toISOString(),
  })
  const envelope = JSON.stringify(envelopeFromSigned(signed), null, 2)
  if (opts.manifestOut !== undefined) await writeFileAtomic(opts.manifestOut, `${envelope}\n`, 0o644)
  if (opts.registryAdmin !== undefined) {
    await postAdmin(adminUrl(opts.registryAdmin, '/releases'), {
      headers: {
        'content-type': 'application/gzip',
        [RELEASE_HEADER]: toB64u(new TextEncoder().encode(envelope)),
      },
      body: tarball,
    })
  } else {
    await withOfflineStore(opts.registryData as string, (releases) => releases.publish(tarball, signed))
  }
  return { signed, version: pkg.version }
}

export async function publishRotation(
  opts: Target & { oldKey: string; newKey: string },
): Promise<SignedRotation> {
  checkTarget(opts)
  const rotation = signRotation(await loadReleaseKey(opts.oldKey), parsePublicKey(opts.newKey))
  const body = { statement: toB64u(rotation.statement), signature: toB64u(rotation.signature) }
  if (opts.registryAdmin !== undefined) {
    await postAdmin(adminUrl(opts.registryAdmin, '/releases/rotations'), {
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode(JSON.stringify(body)),
    })
  } else {
    await withOfflineStore(opts.registryData as string, (releases) => releases.addRotation(rotation))
  }
  return rotation
}

export function register(program: Command, io?: CliIo): void {
  const out = (line: string) => (io ?? stdoutIo).out(line)
  const wrap = io === undefined ? action : <A extends unknown[]>(fn: (...a: A) => Promise<void>) => fn
  const release = program.command('release').description('release keys, packing, publishing and verification')

  release
    .command('keygen')
    .description('create an Ed25519 release key file and print its public key')
    .requiredOption('--out <file>', 'key file to create (never overwritten; keep it offline)')
    .action(
      wrap(async (opts: { out: string }) => {
        out(toB64u(await generateReleaseKeyFile(opts.out)))
      }),
    )

  release
    .command('pack')
    .description('npm pack the project with its production dependencies bundled')
    .option('--set-version <version>', 'version to write into the packed package.json')
    // The root program's --version wins unless it uses enablePositionalOptions().
    .option('--version <version>', 'same as --set-version (when the root allows it)')
    .option('--out <dir>', 'directory for the tarball', '.')
    .option('--project <dir>', 'project directory', packageInfo().root)
    .option('--no-build', 'skip `npm run build`')
    .action(
      wrap(
        async (opts: {
          setVersion?: string
          version?: string
          out: string
          project: string
          build: boolean
        }) => {
          const version = opts.setVersion ?? opts.version
          const r = await packRelease({ project: opts.project, version, outDir: opts.out, build: opts.build })
          out(r.file)
        },
      ),
    )

  release
    .command('publish <tarball>')
    .description('sign a release manifest for a tarball and upload both to a registry')
    .requiredOption('--key <file>', 'release key file')
    .option('--registry-admin <host:port>', "the running registry's admin endpoint")
    .option('--registry-data <dir>', "the registry's data directory (only while it is stopped)")
    .option('--expires-days <days>', 'days until the manifest expires (re-publish before then)', Number, 90)
    .option('--manifest-out <file>', 'also write the signed manifest envelope here')
    .action(
      wrap(
        async (
          tarball: string,
          opts: Target & { key: string; expiresDays: number; manifestOut?: string },
        ) => {
          const { signed, version } = await publishTarball(tarball, opts)
          out(`published ${version} signed by ${toB64u(signed.key)}`)
        },
      ),
    )

  release
    .command('verify <tarball>')
    .description('check a tarball against a signed manifest (e.g. /releases/latest.json) and trusted keys')
    .requiredOption('--manifest <file>', 'manifest envelope JSON')
    .requiredOption('--key <pubkey>', 'trusted release public key (repeatable)', collect)
    .action(
      wrap(async (tarballPath: string, opts: { manifest: string; key: string[] }) => {
        const signed = signedFromEnvelope(await readFile(opts.manifest))
        const tarball = new Uint8Array(await readFile(tarballPath))
        const m = verifyRelease(signed, tarball, { trustedKeys: opts.key.map(parsePublicKey) })
        await inspectTarball(tarball)
        out(`OK ${m.name}@${m.version} sha512 ${m.sha512.slice(0, 16)}... signed by ${toB64u(signed.key)}`)
        out(`expires ${m.expires}`)
      }),
    )

  release
    .command('rotate')
    .description('publish a statement, signed by the old release key, that moves trust to a new key')
    .requiredOption('--old-key <file>', 'the current release key file')
    .requiredOption('--new <pubkey>', 'the new release public key')
    .option('--registry-admin <host:port>', "the running registry's admin endpoint")
    .option('--registry-data <dir>', "the registry's data directory (only while it is stopped)")
    .action(
      wrap(async (opts: Target & { oldKey: string; new: string }) => {
        await publishRotation({ ...opts, newKey: opts.new })
        out(`rotation to ${opts.new} published`)
      }),
    )
}
