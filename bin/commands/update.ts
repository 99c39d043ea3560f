/**
 * `xlattice update`: check for, install, or roll back a verified release (seed row 0.0.0).
 *
 *   update --check [--registry MULTIADDR | --url http://HOST:PORT] --key PUBKEY...
 *   update         [--registry MULTIADDR | --url http://HOST:PORT] --key PUBKEY... [--install-dir DIR]
 *   update --rollback [--install-dir DIR]
 *
 * Without a trusted release key updates are off, and this says so. `register(program)` prints
 * expected errors as one line and exits 1 (bin/common.ts `action`); `register(program, io)` lets
 * them propagate instead, for embedding and tests.
 */
import { join } from 'node:path'
import type { Command } from 'commander'
import { action, collect } from '../common.js'
import { toB64u } from '../../lib/encoding.js'
import { checkForUpdate, updateNow } from '../../gateway/update/checker.js'
import { UpdateError, UpdatesDisabledError } from '../../gateway/update/errors.js'
import { defaultInstallDir, linkedVersion, rollback } from '../../gateway/update/install.js'
import { parsePublicKey } from '../../gateway/update/keys.js'
import { MAX_TARBALL_SIZE } from '../../gateway/update/releases.js'
import { compareSemver } from '../../gateway/update/semver.js'
import { httpSource, type ReleaseSource } from '../../gateway/update/source.js'
import { packageInfo } from '../../gateway/update/version.js'

export interface CliIo {
  out(line: string): void
}

const stdoutIo: CliIo = { out: (line) => process.stdout.write(`${line}\n`) }

export interface UpdateCliOptions {
  check?: boolean
  rollback?: boolean
  registry?: string
  url?: string
  key?: string[]
  installDir: string
  maxSize: number
  /** Tests and embedders: the version to compare against (default: the running package). */
  currentVersion?: string
}

/** A short-lived dial-only libp2p host with a throwaway key, loaded lazily so `--url` never loads libp2p. */
async function withRegistrySource<T>(address: string, fn: (s: ReleaseSource) => Promise<T>): Promise<T> {
  const [{ createHost }, { generateKeyPair }, { multiaddr }, { libp2pSource }] = await Promise.all([
    import('../../gateway/p2p/host.js'),
    import('@libp2p/crypto/keys'),
    import('@multiformats/multiaddr'),
    import('../../gateway/update/source.js'),
  ])
  let target: ReturnType<typeof multiaddr>
  try {
    target = multiaddr(address)
  } catch {
    throw new UpdateError('ERR_USAGE', `--registry: not a multiaddr: ${address}`)
  }
  const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: [], dht: false })
  try {
    return await fn(libp2pSource(host, target))
  } finally {
    await host.stop()
  }
}

function withSource<T>(opts: UpdateCliOptions, fn: (s: ReleaseSource) => Promise<T>): Promise<T> {
  if ((opts.registry === undefined) === (opts.url === undefined)) {
    throw new UpdateError('ERR_USAGE', 'give exactly one of --registry MULTIADDR or --url http://HOST:PORT')
  }
  return opts.url !== undefined ? fn(httpSource(opts.url)) : withRegistrySource(opts.registry as string, fn)
}

/**
 * The floor for "newer": the running version, or what the install dir already runs if that is
 * higher, so an old binary cannot be used to install an older release over a newer one.
 */
async function floorVersion(opts: UpdateCliOptions): Promise<string> {
  const running = opts.currentVersion ?? packageInfo().version
  const installed = await linkedVersion(opts.installDir, 'current')
  return installed !== undefined && compareSemver(installed, running) > 0 ? installed : running
}

export async function runUpdate(opts: UpdateCliOptions, io: CliIo = stdoutIo): Promise<void> {
  if (opts.rollback === true) {
    const r = await rollback(opts.installDir)
    io.out(`rolled back: current -> ${r.version} (was ${r.previous ?? 'none'}) in ${opts.installDir}`)
    return
  }
  const keys = opts.key ?? []
  if (keys.length === 0) {
    throw new UpdatesDisabledError('no release keys configured (--key PUBKEY): updates are off')
  }
  const base = {
    trustedKeys: keys.map(parsePublicKey),
    currentVersion: await floorVersion(opts),
    name: packageInfo().name,
    installDir: opts.installDir,
    maxSize: opts.maxSize,
  }
  await withSource(opts, async (source) => {
    if (opts.check === true) {
      const c = await checkForUpdate(source, base)
      if (c === undefined) io.out(`no releases published at ${source.description}`)
      else if (!c.updateAvailable)
        io.out(`up to date: ${base.currentVersion} (latest is ${c.manifest.version})`)
      else {
        io.out(
          `update available: ${c.manifest.version} (running ${base.currentVersion}), signed by ` +
            `${toB64u(c.signed.key)}, expires ${c.manifest.expires}`,
        )
      }
      return
    }
    const { check, installed } = await updateNow(source, base)
    if (installed === undefined) {
      io.out(
        check === undefined
          ? `no releases published at ${source.description}`
          : `up to date: ${base.currentVersion}`,
      )
      return
    }
    io.out(`installed ${installed.version} in ${installed.path}; current -> ${installed.version}`)
    io.out(`run it with ${join(opts.installDir, 'bin', 'xlattice')} (restart running nodes)`)
  })
}

export function register(program: Command, io?: CliIo): void {
  const wrap = io === undefined ? action : <A extends unknown[]>(fn: (...a: A) => Promise<void>) => fn
  program
    .command('update')
    .description('check for, install or roll back a verified release')
    .option('--check', 'only report whether a newer verified release exists')
    .option('--rollback', 'switch current back to the previously installed version')
    .option('--registry <multiaddr>', "the registry's libp2p address")
    .option('--url <url>', "the registry's public HTTP listener, e.g. http://registry.example.org:8080")
    .option('--key <pubkey>', 'trusted release public key (repeatable)', collect)
    .option('--install-dir <dir>', 'where versions/ and current live', defaultInstallDir())
    .option('--max-size <bytes>', 'largest tarball accepted', Number, MAX_TARBALL_SIZE)
    .action(wrap((opts: UpdateCliOptions) => runUpdate(opts, io)))
}
