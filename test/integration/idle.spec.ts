/**
 * A registry and a node with nothing to do sleep: their main threads wake for their heartbeats,
 * sweeps and peers, not a hundred times a second (prom-client's event-loop monitor did, at its
 * default 10 ms; bin/common.ts EVENT_LOOP_SAMPLE_MS). Counted from outside, as the kernel counts
 * them: the main thread's voluntary context switches (Linux /proc).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const WINDOW_MS = 3000
/** Wake-ups a second an idle process may have: a 10 ms timer alone makes 100. */
const MAX_PER_SEC = 40

async function wakeups(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/task/${pid}/status`, 'utf8')
  const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(text)
  if (m === null) throw new Error(`no voluntary_ctxt_switches for ${pid}`)
  return Number(m[1])
}

describe('idle processes', function () {
  this.timeout(60_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  before(async function () {
    if (process.platform !== 'linux') this.skip()
    tmp = await tempDir('xl-idle-')
  })
  after(async () => {
    await stopAll()
    await tmp?.remove()
  })

  it('an idle registry and node wake their main threads fewer than 40 times a second', async () => {
    const registry = await startRegistry(join(tmp.path, 'registry'))
    const node = await startNode(join(tmp.path, 'n1'), registry.info.listen[0])
    await eventually('the node registered', async () => (await status(node.info.admin)).nodeId !== null)
    // Past start-up (the memory reducer's first look, the first heartbeat), then counted.
    await new Promise((r) => setTimeout(r, 1000))
    const procs = [
      { name: 'registry', pid: registry.child.pid as number },
      { name: 'node', pid: node.child.pid as number },
    ]
    const before = await Promise.all(procs.map((p) => wakeups(p.pid)))
    await new Promise((r) => setTimeout(r, WINDOW_MS))
    for (const [i, { name, pid }] of procs.entries()) {
      const perSec = ((await wakeups(pid)) - before[i]) / (WINDOW_MS / 1000)
      assert.ok(perSec < MAX_PER_SEC, `${name} woke ${perSec.toFixed(0)} times a second while idle`)
    }
  })
})
