/** The `xlattice` command-line contract: errors are clear and exit non-zero. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BIN, tempDir } from '../helpers/procs.js'

const exec = promisify(execFile)

async function fails(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    await exec(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 15_000 })
  } catch (err: any) {
    assert.notEqual(err.code, 0)
    return String(err.stderr)
  }
  throw new Error(`xlattice ${args.join(' ')} succeeded but should have failed`)
}

describe('xlattice CLI', function () {
  this.timeout(60_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    tmp = await tempDir('xl-cli-')
  })
  after(() => tmp.remove())

  it('--version prints the package version', async () => {
    const { stdout } = await exec(process.execPath, [BIN, '--version'])
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+/)
  })

  it('unknown flags and commands exit non-zero with a message', async () => {
    assert.match(await fails(['start', '--bogus']), /unknown option '--bogus'/)
    assert.match(await fails(['frobnicate']), /unknown command/)
  })

  it('bad values name the flag, the key and what was expected', async () => {
    const err = await fails(['registry', '--data', join(tmp.path, 'r'), '--listen', 'not-a-multiaddr'])
    assert.match(err, /--listen/)
    assert.match(err, /multiaddr/)
    assert.match(await fails(['start', '--data', join(tmp.path, 'n')]), /no XLattice server given/)
    assert.match(
      await fails(['start', '--data', join(tmp.path, 'n'), '--registry', '/ip4/127.0.0.1/tcp/1']),
      /\/p2p\/<peerId>/,
    )
    assert.match(
      await fails(['registry', '--admin', '10.0.0.1:80', '--data', join(tmp.path, 'r')]),
      /loopback/,
    )
    assert.match(
      await fails(['registry', '--data', join(tmp.path, 'r')], { XLATTICE_REGISTRY_NEIGHBOUR_K: 'eight' }),
      /XLATTICE_REGISTRY_NEIGHBOUR_K.*integer/,
    )
  })

  it('[0.0.1] `xlattice id` creates the identity with mode 0600 and prints the documented JSON', async () => {
    const dir = join(tmp.path, 'id')
    const { stdout } = await exec(process.execPath, [BIN, 'id', '--data', dir, '--json'])
    const id = JSON.parse(stdout)
    assert.deepEqual(Object.keys(id).sort(), ['commsPublicKey', 'nodeId', 'peerId', 'sigPublicKey'])
    assert.equal(id.nodeId, null)
    assert.match(id.sigPublicKey, /^[A-Za-z0-9_-]{43}$/)
    assert.equal((await stat(join(dir, 'identity.json'))).mode & 0o777, 0o600)
    const again = JSON.parse((await exec(process.execPath, [BIN, 'id', '--data', dir, '--json'])).stdout)
    assert.deepEqual(again, id)
  })

  it('status of an unreachable admin endpoint is a one-line error', async () => {
    const err = await fails(['status', '--admin', '127.0.0.1:1'])
    assert.match(err, /cannot reach the admin endpoint/)
    assert.equal(err.trim().split('\n').length, 1)
  })
})
