import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UnsafeTarballError } from '../../../../gateway/update/errors.js'
import { entryProblem, extractTarball, inspectTarball } from '../../../../gateway/update/tarball.js'
import { fakePackage, type RawEntry, rawTarball } from './helpers.js'

const pkgJson = { path: 'package/package.json', data: '{"name":"xlattice-chat","version":"1.0.0"}' }

describe('[0.0.0] release tarball safety', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xl-tar-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const hostile: [string, RawEntry, RegExp][] = [
    ['absolute path', { path: '/etc/evil', data: 'x' }, /absolute path/],
    ['.. traversal', { path: 'package/../../evil', data: 'x' }, /"\.\." in path/],
    ['entry outside package/', { path: 'other/file', data: 'x' }, /outside package/],
    [
      'symlink to an absolute path',
      { path: 'package/l', type: 'SymbolicLink', linkpath: '/etc' },
      /absolute/,
    ],
    [
      'symlink leaving the package',
      { path: 'package/a/l', type: 'SymbolicLink', linkpath: '../../..' },
      /leaving the package/,
    ],
    [
      'hard link outside',
      { path: 'package/h', type: 'Link', linkpath: 'package/../../etc/passwd' },
      /hard link/,
    ],
    [
      'device file',
      { path: 'package/dev', type: 'CharacterDevice' },
      /CharacterDevice entries are not allowed/,
    ],
    ['fifo', { path: 'package/fifo', type: 'FIFO' }, /FIFO entries are not allowed/],
  ]

  for (const [what, entry, message] of hostile) {
    it(`[0.0.0] refuses a tarball with ${what}, writing nothing`, async () => {
      const tgz = rawTarball([pkgJson, entry])
      await assert.rejects(
        inspectTarball(tgz),
        (err: Error) => err instanceof UnsafeTarballError && message.test(err.message),
      )
      // Extraction re-checks every entry even if inspection were skipped.
      await assert.rejects(extractTarball(tgz, dir), UnsafeTarballError)
      const left = await readdir(dir, { recursive: true })
      assert.ok(!left.some((p) => p.includes('evil') || p === 'l' || p === 'dev'), `left: ${left}`)
    })
  }

  it('[0.0.0] accepts links that stay inside the package', async () => {
    const tgz = rawTarball([
      pkgJson,
      { path: 'package/a/target.txt', data: 'hi' },
      { path: 'package/a/b/link', type: 'SymbolicLink', linkpath: '../target.txt' },
      { path: 'package/hard', type: 'Link', linkpath: 'package/a/target.txt' },
    ])
    assert.equal(entryProblem({ path: 'package/x/y', type: 'SymbolicLink', linkpath: '../z' }), undefined)
    await inspectTarball(tgz)
    await extractTarball(tgz, dir)
    assert.equal(await readlink(join(dir, 'a/b/link')), '../target.txt')
    assert.equal(await readFile(join(dir, 'hard'), 'utf8'), 'hi')
  })

  it('[0.0.0] bounds the unpacked size (decompression bombs)', async () => {
    const tgz = rawTarball([pkgJson, { path: 'package/zeros', data: new Uint8Array(1 << 20) }])
    assert.ok(tgz.length < 10_000)
    await assert.rejects(inspectTarball(tgz, { maxUnpackedSize: 1 << 19 }), /unpacks to more than/)
  })

  it('[0.0.0] refuses something that is not a tarball', async () => {
    await assert.rejects(inspectTarball(new TextEncoder().encode('hello')), UnsafeTarballError)
  })

  it('[0.0.0] strips setuid bits and extracts under package/', async () => {
    const tgz = fakePackage('1.0.0', 'xlattice-chat', [{ path: 'package/suid', data: 'x', mode: 0o4755 }])
    await inspectTarball(tgz)
    await mkdir(join(dir, 'out'))
    await extractTarball(tgz, join(dir, 'out'))
    assert.equal((await stat(join(dir, 'out/suid'))).mode & 0o7000, 0)
    assert.equal(JSON.parse(await readFile(join(dir, 'out/package.json'), 'utf8')).version, '1.0.0')
  })
})
