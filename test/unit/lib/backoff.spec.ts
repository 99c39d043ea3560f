import assert from 'node:assert/strict'
import { backoffDelay } from '../../../lib/backoff.js'

describe('lib/backoff backoffDelay', () => {
  it('doubles from the base, stays within [ceiling/2, ceiling] and never exceeds the cap', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(10_000, 100 * 2 ** attempt)
      assert.equal(
        backoffDelay(attempt, 100, 10_000, () => 0),
        Math.round(ceiling / 2),
      )
      assert.equal(
        backoffDelay(attempt, 100, 10_000, () => 1),
        ceiling,
      )
    }
  })

  it('spreads retries: jitter makes two clients pick different delays', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 100, 60_000)))
    assert.ok(delays.size > 10)
  })
})
