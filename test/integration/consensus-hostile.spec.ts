/**
 * Hostile input at real validators: one of the four validators is this test, in-process, and
 * Byzantine (it holds a real validator key, so its frames reach the consensus core), and an
 * outsider peer joins in. Thousands of random frames, structure-aware mutations of real
 * messages, validly signed equivocations, votes signed for other validators, oversize frames and
 * lying statuses are dropped and counted (`xlattice_bft_dropped_total{reason}`); the three honest
 * validators keep committing, agree, and stay within bounded memory and descriptors.
 */
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes, Signer } from '../../lib/crypto.js'
import { concatBytes, fromB64u, fromHex } from '../../lib/encoding.js'
import { Frame } from '../../gateway/consensus/driver/bft.pb.js'
import { BFT_PROTOCOL, putOp } from '../../gateway/consensus/driver/index.js'
import { consumeFrames } from '../../gateway/consensus/driver/framing.js'
import { drained } from '../../gateway/p2p/drain.js'
import { packFrames } from '../../gateway/p2p/frames.js'
import {
  consensusFrame,
  opsFrame,
  requestFrame,
  responseFrame,
  statusFrame,
} from '../../gateway/consensus/driver/wire.js'
import { encodeVoteSignBytes, indexOfKey, makeValidatorSet, TAG_VOTE } from '../../gateway/consensus/index.js'
import { createHost, type Host } from '../../gateway/p2p/host.js'
import { freshHost, procUsage } from '../helpers/p2p.js'
import { eventually, stopAll, tempDir, xlattice } from '../helpers/procs.js'
import { Cluster, call } from './consensus-cluster.js'

const HONEST = [0, 1, 2]
const BYZANTINE = 3
const rand = (n: number) => Math.floor(Math.random() * n)

async function sendAll(stream: Stream, frames: Uint8Array[]): Promise<void> {
  for (let i = 0; i < frames.length && stream.status === 'open'; i += 64) {
    try {
      if (!stream.send(packFrames(frames.slice(i, i + 64)))) await drained(stream).catch(() => {})
    } catch {
      return // reset by the validator
    }
  }
}

function mutate(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  switch (rand(4)) {
    case 0: // flip a few bytes anywhere (signature, header fields, lengths)
      for (let k = 0; k < 1 + rand(3); k++) out[rand(out.length)] ^= 1 + rand(255)
      return out
    case 1: // truncate
      return out.subarray(0, rand(out.length))
    case 2: // trailing garbage
      return concatBytes(out, randomBytes(1 + rand(16)))
    default: // a field near the front (version, kind, chain id, height)
      out[rand(Math.min(48, out.length))] ^= 1 + rand(255)
      return out
  }
}

describe('consensus: validators under hostile input', function () {
  this.timeout(180_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let cluster: Cluster
  let byzantine: Host
  let outsider: Host
  const captured: Uint8Array[] = []

  before(async () => {
    tmp = await tempDir('xl-bft-hostile-')
    cluster = await Cluster.create(tmp.path, 4, (args, env) => xlattice(args, env), {
      external: 1,
      proposeTimeoutMs: 300,
    })
    const m = cluster.members[BYZANTINE]
    // The Byzantine validator listens where the config says, so the honest ones dial it and
    // send it real messages to mutate.
    byzantine = await createHost({
      privateKey: await generateKeyPairFromSeed('Ed25519', m.seed),
      listen: [`/ip4/127.0.0.1/tcp/${m.port}`],
      dht: false,
    })
    await byzantine.handle(
      BFT_PROTOCOL,
      async (stream) => {
        await consumeFrames(stream, (f) => {
          if (captured.length < 2000) captured.push(f)
        }).catch(() => {})
      },
      { maxInboundStreams: 16 },
    )
    outsider = await freshHost()
  })
  after(async () => {
    await byzantine?.stop()
    await outsider?.stop()
    await stopAll()
    await tmp?.remove()
  })

  it('[bft] drops and counts malformed, oversize and wrongly signed frames; the honest three keep committing', async () => {
    await eventually(
      'the honest validators to commit',
      async () => ((await cluster.status(0)).lastCommit?.height ?? 0) >= 2,
      30_000,
    )
    const status = await cluster.status(0)
    const chainId = fromHex(status.chainId)
    const set = makeValidatorSet(
      cluster.members.map((m) => ({ publicKey: fromB64u(m.publicKey, 32), weight: 1 })),
    )
    const signer = new Signer({
      seed: cluster.members[BYZANTINE].seed,
      publicKey: fromB64u(cluster.members[BYZANTINE].publicKey, 32),
    })
    const me = indexOfKey(set, signer.publicKey)
    const signedVote = (height: number, round: number, index: number, chain = chainId) => {
      const signBytes = encodeVoteSignBytes({
        chainId: chain,
        type: rand(2) === 0 ? 'prevote' : 'precommit',
        height,
        round,
        validatorIndex: index,
        blockHash: rand(4) === 0 ? null : randomBytes(32),
      })
      return concatBytes(signBytes, signer.sign(TAG_VOTE, signBytes))
    }
    await eventually('real consensus messages to mutate', async () => captured.length >= 20, 30_000)
    const samples = captured.flatMap((f) => {
      try {
        return Frame.decode(f).consensus
      } catch {
        return []
      }
    })

    const usage0 = await Promise.all(HONEST.map((i) => procUsage(cluster.members[i].proc!.child.pid!)))

    // Load from an honest client throughout: commits must keep being acknowledged.
    let acked = 0
    let stop = false
    const client = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const r = await call(
            cluster.admin(HONEST[i % 3]),
            'POST',
            '/consensus/submit',
            putOp(new TextEncoder().encode(`h${w}-${i}`), randomBytes(8)),
            'application/octet-stream',
          ).catch(() => null)
          if (r?.status === 200) acked++
        }
      }),
    )

    for (const i of HONEST) {
      const addr = multiaddr(`/ip4/127.0.0.1/tcp/${cluster.members[i].port}/p2p/${cluster.members[i].peerId}`)
      for (let pass = 0; pass < 2; pass++) {
        // Generators, so that signed votes name the height the validator is at when they are sent.
        const frames: ((height: number) => Uint8Array)[] = []
        const add = (n: number, make: (height: number) => Uint8Array) => {
          for (let k = 0; k < n; k++) frames.push(make)
        }
        add(600, () => randomBytes(1 + rand(2000)))
        add(400, () => consensusFrame([randomBytes(1 + rand(400))]))
        add(1200, () => consensusFrame([mutate(samples[rand(samples.length)])]))
        add(300, (h) => consensusFrame([signedVote(h, rand(2), me)])) // equivocation: many values per slot
        add(300, (h) => consensusFrame([signedVote(h, rand(2), (me + 1 + rand(3)) % 4)])) // signed for another validator
        add(100, (h) => consensusFrame([signedVote(h, 0, me, randomBytes(32))])) // another chain
        add(100, (h) => consensusFrame([signedVote(h + 1000 + rand(1e6), 0, me)])) // far future
        add(200, () => opsFrame([randomBytes(1 + rand(300))]))
        add(100, () =>
          requestFrame({ id: rand(1000), fromHeight: rand(5), maxCount: 1e6, maxBytes: 2 ** 31 }),
        )
        add(50, () =>
          responseFrame({
            id: rand(1000),
            blocks: [{ block: randomBytes(300), certificate: randomBytes(100) }],
            height: 1e9,
          }),
        )
        add(1, () => statusFrame({ height: 1e12, round: 0 }))
        frames.sort(() => Math.random() - 0.5)
        const host = pass === 0 ? byzantine : outsider
        // A validator may reset a stream that floods it faster than it reads (its read buffer
        // is bounded): dial again and go on.
        let stream = await host.dialProtocol(addr, BFT_PROTOCOL)
        for (let k = 0; k < frames.length; k += 100) {
          if (stream.status !== 'open') stream = await host.dialProtocol(addr, BFT_PROTOCOL)
          const height = (await cluster.status(i)).height
          await sendAll(
            stream,
            frames.slice(k, k + 100).map((make) => make(height)),
          )
        }
        // Then a frame over the 4 MiB bound: the stream is cut, the validator stays up.
        if (stream.status !== 'open') stream = await host.dialProtocol(addr, BFT_PROTOCOL)
        stream.send(concatBytes(new Uint8Array([0x80, 0x80, 0x80, 0x04]), randomBytes(1024)))
        await new Promise((r) => setTimeout(r, 200))
        stream.abort(new Error('done'))
      }
    }

    const before = acked
    await eventually('commits after the flood', async () => acked >= before + 20, 60_000)
    stop = true
    await client

    const reasons = await Promise.all(
      HONEST.map(async (i) => {
        const text = (await call(cluster.admin(i), 'GET', '/metrics', undefined, 'text/plain')).body as string
        const out: Record<string, number> = {}
        for (const m of text.matchAll(/^xlattice_bft_dropped_total\{reason="(\w+)"\} (\d+)/gm))
          out[m[1]] = Number(m[2])
        return out
      }),
    )
    for (const [n, r] of reasons.entries()) {
      for (const reason of [
        'frameMalformed',
        'frameOversize',
        'malformed',
        'badSignature',
        'wrongChain',
        'notValidator',
        'conflicting',
      ]) {
        assert.ok((r[reason] ?? 0) > 0, `validator ${n} counted no ${reason}: ${JSON.stringify(r)}`)
      }
    }
    const usage1 = await Promise.all(HONEST.map((i) => procUsage(cluster.members[i].proc!.child.pid!)))
    for (const [n, u] of usage1.entries()) {
      assert.ok(
        u.rssKb - usage0[n].rssKb < 200 * 1024,
        `validator ${n} RSS grew ${u.rssKb - usage0[n].rssKb} kB`,
      )
      assert.ok(u.fds < usage0[n].fds + 64, `validator ${n} fds ${usage0[n].fds} -> ${u.fds}`)
      assert.equal(cluster.members[HONEST[n]].proc!.child.exitCode, null, 'still running')
    }

    // The honest three agree.
    const tip = Math.min(
      ...(await Promise.all(HONEST.map(async (i) => (await cluster.status(i)).lastCommit.height))),
    )
    const roots = await Promise.all(
      HONEST.map(
        async (i) => (await call(cluster.admin(i), 'GET', `/consensus/block?height=${tip}`)).body.stateRoot,
      ),
    )
    assert.equal(new Set(roots).size, 1)
    process.stdout.write(
      `      ${acked} ops committed during and after the flood; dropped at validator 0: ${JSON.stringify(reasons[0])}\n`,
    )
  })
})
