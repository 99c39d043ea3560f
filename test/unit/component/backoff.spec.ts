// Reconnect delays (component/backoff.ts): exponential, capped, jittered, never near zero.
import assert from 'node:assert/strict'
import { backoffDelay, jittered } from '../../../component/backoff.js'

describe('component/backoff', () => {
  it('[xmpp] doubles from initialMs up to maxMs, each delay in [step/2, step]', () => {
    const opts = { initialMs: 100, maxMs: 30_000 }
    const steps = [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]
    for (const [failures, step] of steps.entries()) {
      assert.equal(
        backoffDelay(failures, opts, () => 0),
        step / 2,
        `low end after ${failures}`,
      )
      assert.equal(
        backoffDelay(failures, opts, () => 1),
        step,
        `high end after ${failures}`,
      )
    }
    assert.equal(
      backoffDelay(1e6, opts, () => 1),
      30_000,
      'no overflow after many failures',
    )
  })

  it('[xmpp] spreads nodes that lost the same server (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5)))
    assert.ok(delays.size > 30, `${delays.size} distinct delays of 50`)
    for (const d of delays) assert.ok(d >= 4000 && d <= 8000, `${d}`)
    assert.equal(
      jittered(60_000, () => 0),
      30_000,
    )
    assert.equal(
      jittered(60_000, () => 1),
      60_000,
    )
  })
})
