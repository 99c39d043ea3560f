import assert from 'node:assert/strict'
import { compareSemver, isNewer, isValidVersion } from '../../../../gateway/update/semver.js'

describe('[0.0.0] semver precedence', () => {
  it('[0.0.0] orders the semver.org §11 example chain', () => {
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '1.10.0',
      '2.0.0',
    ]
    for (let i = 0; i + 1 < chain.length; i++) {
      assert.ok(compareSemver(chain[i], chain[i + 1]) < 0, `${chain[i]} < ${chain[i + 1]}`)
      assert.ok(compareSemver(chain[i + 1], chain[i]) > 0, `${chain[i + 1]} > ${chain[i]}`)
    }
    assert.deepEqual([...chain].reverse().sort(compareSemver), chain)
  })

  it('[0.0.0] ignores build metadata and compares big numbers exactly', () => {
    assert.equal(compareSemver('1.0.0+a', '1.0.0+b'), 0)
    assert.ok(!isNewer('1.0.0+build.2', '1.0.0'))
    assert.ok(isNewer('9007199254740993.0.0', '9007199254740992.0.0'))
  })

  it('[0.0.0] rejects invalid versions', () => {
    for (const v of ['1', '1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '', `1.0.0-${'a'.repeat(80)}`]) {
      assert.equal(isValidVersion(v), false, v)
    }
    assert.throws(() => compareSemver('1.0', '1.0.0'), TypeError)
  })
})
