/**
 * Seed row 0.0.0 end to end: pack the project with a bumped version, publish it to a test
 * registry, update an install directory from it (libp2p and HTTP), run the installed bin.
 *
 * The project's real `xlattice` entry point may not be built yet, so the install-and-run path
 * also uses a tiny fake package (package.json + a bin printing its version); the real packed
 * tarball is checked for its bumped version and bundled node_modules, and installed too.
 */
import '../../lib/polyfill.js'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Command } from 'commander'
import { register as registerRelease } from '../../bin/commands/release.js'
import { register as registerUpdate } from '../../bin/commands/update.js'
import { linkedVersion } from '../../gateway/update/install.js'
import { parseSemver } from '../../gateway/update/semver.js'
import { readTarballPackageJson } from '../../gateway/update/tarball.js'
import { packageInfo } from '../../gateway/update/version.js'
import { fakePackage } from '../unit/gateway/update/helpers.js'
import { eventually, startNode, startRegistry, status, stopAll, xlattice } from '../helpers/procs.js'

const run = promisify(execFile)
const nodeEnv = { ...process.env, XLATTICE_NODE: process.execPath }

/** Runs `xlattice <args>` in-process through the real command definitions; returns stdout lines. */
async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l) }
  const program = new Command('xlattice').exitOverride()
  registerRelease(program, io)
  registerUpdate(program, io)
  await program.parseAsync(args, { from: 'user' })
  return lines
}

function bump(version: string, by: number): string {
  const v = parseSemver(version)!
  return `${v.major}.${v.minor}.${v.patch + BigInt(by)}`
}

describe('[0.0.0] signed release distribution and update, end to end', function () {
  this.timeout(300_000)
  const running = packageInfo().version
  let dir: string
  let publicKey: string
  let keyFile: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xl-update-it-'))
    keyFile = join(dir, 'release.key')
    ;[publicKey] = await cli('release', 'keygen', '--out', keyFile)
    assert.match(publicKey, /^[A-Za-z0-9_-]{43}$/)
  })
  after(async () => {
    await stopAll()
    await rm(dir, { recursive: true, force: true })
  })

  it('[0.0.0] packs the project with a bumped version and bundled production dependencies, publishes it offline, and a node installs it over libp2p', async () => {
    const version = bump(running, 1)
    const [file] = await cli(
      'release',
      'pack',
      '--set-version',
      version,
      '--out',
      join(dir, 'out'),
      '--no-build',
    )
    const tarball = new Uint8Array(await readFile(file))
    assert.equal((await readTarballPackageJson(tarball)).version, version)
    const listing = (await run('tar', ['tzf', file], { maxBuffer: 64 << 20 })).stdout.split('\n')
    assert.ok(listing.includes('package/node_modules/libp2p/package.json'), 'libp2p is bundled')
    assert.ok(
      listing.includes('package/node_modules/classic-level/package.json'),
      'transitive deps are bundled',
    )
    assert.ok(
      !listing.some((p) => p.startsWith('package/node_modules/typescript/')),
      'devDependencies are not',
    )

    // Offline publish into a stopped registry's data directory, then serve it over libp2p.
    const data = join(dir, 'registry-a')
    await cli('release', 'publish', file, '--key', keyFile, '--registry-data', data)
    // The real XLattice server process serves what was published into its data directory.
    const registry = await startRegistry(data)
    const installDir = join(dir, 'install-a')
    try {
      const addr = registry.info.listen[0]
      const check = await cli(
        'update',
        '--check',
        '--registry',
        addr,
        '--key',
        publicKey,
        '--install-dir',
        installDir,
      )
      assert.match(check[0], new RegExp(`update available: ${version.replaceAll('.', '\\.')}`))
      await cli('update', '--registry', addr, '--key', publicKey, '--install-dir', installDir)
    } finally {
      await registry.stop()
    }
    assert.equal(await linkedVersion(installDir, 'current'), version)
    const installed = JSON.parse(await readFile(join(installDir, 'current', 'package.json'), 'utf8'))
    assert.equal(installed.version, version)
    assert.ok(existsSync(join(installDir, 'current', 'node_modules', 'libp2p', 'package.json')))
    // The real entry point, when the project has been built (`npm run build` before this test in
    // CI), is packed, installed, and must report the new version.
    if (existsSync(join(packageInfo().root, 'dist', 'bin', 'xlattice.js'))) {
      const { stdout } = await run(join(installDir, 'bin', 'xlattice'), ['--version'], { env: nodeEnv })
      assert.equal(stdout.trim(), version)
    }
  })

  describe('[0.0.0] through the admin upload and the public HTTP listener', () => {
    let adminAddr: string
    let registryAddr: string
    let publicUrl: string
    let stopRegistry: () => Promise<void>
    const installDir = () => join(dir, 'install-b')
    const v1 = bump(running, 2)
    const v2 = bump(running, 3)

    before(async () => {
      // A real `xlattice registry` with its admin endpoint and the public release listener.
      const registry = await xlattice([
        'registry',
        '--data',
        join(dir, 'registry-b'),
        '--admin',
        '127.0.0.1:0',
        '--public',
        '127.0.0.1:0',
      ])
      adminAddr = registry.info.admin
      registryAddr = registry.info.listen[0]
      publicUrl = `http://${registry.info.public}`
      stopRegistry = () => registry.stop()
    })
    after(() => stopRegistry())

    it('[0.0.0] publishes via the admin endpoint; curl fetches the latest release and release verify accepts it', async () => {
      const tgz = join(dir, `fake-${v1}.tgz`)
      await writeFile(tgz, fakePackage(v1))
      await cli('release', 'publish', tgz, '--key', keyFile, '--registry-admin', adminAddr)

      const manifestFile = join(dir, 'latest.json')
      const downloaded = join(dir, 'latest.tgz')
      await run('curl', ['-fsS', '-o', manifestFile, `${publicUrl}/releases/latest.json`])
      const latest = JSON.parse(await readFile(manifestFile, 'utf8'))
      const version = JSON.parse(latest.manifest).version
      assert.equal(version, v1)
      await run('curl', ['-fsS', '-o', downloaded, `${publicUrl}/releases/${version}.tgz`])
      const [ok] = await cli('release', 'verify', downloaded, '--manifest', manifestFile, '--key', publicKey)
      assert.match(ok, new RegExp(`^OK xlattice-chat@${v1.replaceAll('.', '\\.')} `))

      // One byte changed: verify refuses, naming the hash.
      const bytes = await readFile(downloaded)
      bytes[bytes.length >> 1] ^= 1
      await writeFile(downloaded, bytes)
      await assert.rejects(
        cli('release', 'verify', downloaded, '--manifest', manifestFile, '--key', publicKey),
        /sha512 does not match/,
      )
    })

    it('[0.0.0] update over HTTP installs it and the installed xlattice --version prints the new version', async () => {
      const [check] = await cli(
        'update',
        '--check',
        '--url',
        publicUrl,
        '--key',
        publicKey,
        '--install-dir',
        installDir(),
      )
      assert.match(check, /update available/)
      await cli('update', '--url', publicUrl, '--key', publicKey, '--install-dir', installDir())
      const { stdout } = await run(join(installDir(), 'bin', 'xlattice'), ['--version'], { env: nodeEnv })
      assert.equal(stdout.trim(), v1)
      const [again] = await cli(
        'update',
        '--url',
        publicUrl,
        '--key',
        publicKey,
        '--install-dir',
        installDir(),
      )
      assert.match(again, /up to date/)
    })

    it('[0.0.0] refuses a release signed by an untrusted key and with no key says updates are off', async () => {
      await assert.rejects(
        cli('update', '--url', publicUrl, '--key', 'A'.repeat(43), '--install-dir', join(dir, 'install-c')),
        /not among the trusted release keys/,
      )
      assert.equal(existsSync(join(dir, 'install-c', 'versions')), false)
      await assert.rejects(
        cli('update', '--url', publicUrl, '--install-dir', join(dir, 'install-c')),
        /updates are off/,
      )
    })

    it('[0.0.0] a second release installs, then update --rollback switches back', async () => {
      const tgz = join(dir, `fake-${v2}.tgz`)
      await writeFile(tgz, fakePackage(v2))
      await cli('release', 'publish', tgz, '--key', keyFile, '--registry-admin', adminAddr)
      await cli('update', '--url', publicUrl, '--key', publicKey, '--install-dir', installDir())
      const version = async () =>
        (await run(join(installDir(), 'bin', 'xlattice'), ['--version'], { env: nodeEnv })).stdout.trim()
      assert.equal(await version(), v2)
      await cli('update', '--rollback', '--install-dir', installDir())
      assert.equal(await version(), v1)
    })

    it('[0.0.0] a running node checks the registry at start and shows the verified result in /status', async () => {
      const trusting = await startNode(join(dir, 'node-trusting'), registryAddr, {
        XLATTICE_UPDATE_KEYS: publicKey,
      })
      const s = await eventually('the update check ran', async () => {
        const st = await status(trusting.info.admin)
        return st.update?.lastCheck !== null && st.update
      })
      assert.equal(s.enabled, true)
      assert.equal(s.latestVersion, v2)
      assert.equal(s.updateAvailable, true)
      assert.equal(s.error, null)
      // Without configured keys the node says updates are off, and why.
      const plain = await startNode(join(dir, 'node-plain'), registryAddr)
      const off = (await status(plain.info.admin)).update
      assert.equal(off.enabled, false)
      assert.match(off.reason, /no release keys configured/)
    })
  })
})
