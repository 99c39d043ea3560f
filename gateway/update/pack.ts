/**
 * `xlattice release pack`: an `npm pack` tarball of the project with its production
 * dependencies bundled, so installing a release fetches no code that was not verified.
 *
 * The project directory is never modified (others may be editing package.json): a staged copy
 * gets the package files, a package.json with the new version and `bundleDependencies`, and a
 * node_modules holding only the production dependency closure (`npm ls --omit=dev`). npm pack
 * runs there with scripts disabled.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { exists } from '../../lib/fsutil.js'
import { UpdateError } from './errors.js'
import { isValidVersion } from './semver.js'

const run = promisify(execFile)
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const ALWAYS_INCLUDED = ['README.md', 'README', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md']

export interface PackOptions {
  /** Project directory (with package.json and an installed node_modules). */
  project: string
  /** Version to write into the packed package.json; default: the project's. */
  version?: string
  /** Where the .tgz goes; default the current directory. */
  outDir?: string
  /** Run `npm run build` in the project first. */
  build?: boolean
}

export interface PackResult {
  file: string
  name: string
  version: string
  bundled: string[]
}

/** Top-level package directories (relative to node_modules) of the production dependency closure. */
async function productionPackages(project: string): Promise<string[]> {
  let stdout: string
  try {
    ;({ stdout } = await run(NPM, ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
    }))
  } catch (err: any) {
    // npm ls exits non-zero on tree problems (extraneous packages...) but still lists the tree.
    if (typeof err.stdout !== 'string' || err.stdout === '') throw err
    stdout = err.stdout
  }
  const top = new Set<string>()
  const modules = join(project, 'node_modules') + sep
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(modules)) continue
    const parts = relative(join(project, 'node_modules'), line).split(sep)
    // Copying each top-level package copies its nested node_modules with it.
    top.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0])
  }
  return [...top].sort()
}

export async function packRelease(opts: PackOptions): Promise<PackResult> {
  const project = resolve(opts.project)
  const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'))
  const version = opts.version ?? pkg.version
  if (!isValidVersion(version)) throw new UpdateError('ERR_PACK', `not a semantic version: ${version}`)
  if (opts.build === true) await run(NPM, ['run', 'build'], { cwd: project, maxBuffer: 64 * 1024 * 1024 })

  const stage = await mkdtemp(join(tmpdir(), 'xlattice-pack-'))
  try {
    const files: string[] = Array.isArray(pkg.files) ? pkg.files : []
    for (const f of [...files, ...ALWAYS_INCLUDED]) {
      if (f.includes('*') || f.startsWith('/') || f.split('/').includes('..')) continue
      if (await exists(join(project, f))) await cp(join(project, f), join(stage, f), { recursive: true })
    }
    const deps = Object.keys(pkg.dependencies ?? {})
    const bundled = await productionPackages(project)
    await mkdir(join(stage, 'node_modules'), { recursive: true })
    for (const name of bundled) {
      await cp(join(project, 'node_modules', name), join(stage, 'node_modules', name), { recursive: true })
    }
    const staged = { ...pkg, version, bundleDependencies: deps }
    delete staged.bundledDependencies
    await writeFile(join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`)

    const outDir = resolve(opts.outDir ?? '.')
    await mkdir(outDir, { recursive: true })
    const { stdout } = await run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], {
      cwd: stage,
      maxBuffer: 256 * 1024 * 1024,
    })
    const [info] = JSON.parse(stdout) as { filename: string; name: string; version: string }[]
    return { file: join(outDir, info.filename), name: info.name, version: info.version, bundled }
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
}
