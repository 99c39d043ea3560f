import '../../../../lib/polyfill.js'
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { randomBytes } from '../../../../lib/crypto.js'
import { MemoryStore } from '../../../../lib/store/index.js'
import { SizeMismatchError, UpdateProtocolError } from '../../../../gateway/update/errors.js'
import { signRotation } from '../../../../gateway/update/keys.js'
import { verifyManifest } from '../../../../gateway/update/manifest.js'
import {
  fetchLatest,
  fetchRotations,
  fetchTarball,
  registerUpdateProtocol,
  UPDATE_PROTOCOL,
  type UpdateProtocolHandle,
} from '../../../../gateway/update/protocol.js'
import { ReleaseStore } from '../../../../gateway/update/releases.js'
import { UpdateRequest, UpdateResponse } from '../../../../gateway/update/update.pb.js'
import { releaseKey, signedRelease } from './helpers.js'

function node(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
}

describe('[0.0.0] /xlattice/update/1.0.0 between two libp2p nodes', () => {
  const key = releaseKey()
  const rel = signedRelease(key, '1.5.0')
  let registry: Libp2p
  let client: Libp2p
  let handle: UpdateProtocolHandle
  let releases: ReleaseStore

  before(async () => {
    ;[registry, client] = await Promise.all([node(), node()])
    releases = new ReleaseStore(new MemoryStore().sublevel('releases'))
    await releases.publish(rel.tarball, rel.signed)
    await releases.addRotation(signRotation(key, releaseKey().publicKey))
    // A small chunk size makes the fake tarball span several requests.
    handle = await registerUpdateProtocol(registry, releases, { maxChunk: 100 })
  })
  after(async () => {
    await handle.stop()
    await Promise.all([registry.stop(), client.stop()])
  })

  const addr = () => registry.getMultiaddrs()

  it('[0.0.0] fetches the latest signed manifest, rotations and the tarball in chunks', async () => {
    const signed = await fetchLatest(client, addr())
    assert.ok(signed !== undefined)
    const m = verifyManifest(signed, [key.publicKey])
    assert.equal(m.version, '1.5.0')
    const tarball = await fetchTarball(client, addr(), m, 1 << 20, { chunkSize: 64 })
    assert.deepEqual(tarball, rel.tarball)
    // Asking for more than the server's maxChunk is clamped, not refused.
    assert.deepEqual(await fetchTarball(client, addr(), m, 1 << 20, { chunkSize: 4096 }), rel.tarball)
    assert.equal((await fetchRotations(client, addr())).length, 1)
  })

  it('[0.0.0] refuses a manifest larger than the caller allows before downloading', async () => {
    const m = verifyManifest(rel.signed, [key.publicKey])
    await assert.rejects(fetchTarball(client, addr(), m, m.size - 1), SizeMismatchError)
  })

  it('[0.0.0] never reads past the manifest size (endless data)', async () => {
    // The manifest claims fewer bytes than the registry has: the client asks only for those.
    const m = verifyManifest(rel.signed, [key.publicKey])
    const short = await fetchTarball(client, addr(), { ...m, size: 150 }, 1 << 20, { chunkSize: 64 })
    assert.equal(short.length, 150)
    assert.deepEqual(short, rel.tarball.subarray(0, 150))
  })

  it('[0.0.0] refuses a registry that sends more than was asked', async () => {
    const liar = await node()
    await liar.handle(UPDATE_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(UpdateResponse.encode({ status: UpdateResponse.Status.OK, data: new Uint8Array(200) }))
      await stream.close()
    })
    try {
      const m = verifyManifest(rel.signed, [key.publicKey])
      await assert.rejects(
        fetchTarball(client, liar.getMultiaddrs(), m, 1 << 20, { chunkSize: 64 }),
        (err: Error) => err instanceof SizeMismatchError && /200 bytes where 64 were asked/.test(err.message),
      )
    } finally {
      await liar.stop()
    }
  })

  it('[0.0.0] answers bad requests with error codes', async () => {
    const stream = await client.dialProtocol(addr(), UPDATE_PROTOCOL)
    const lp = lpStream(stream)
    const ask = async (req: Partial<UpdateRequest>) => {
      await lp.write(UpdateRequest.encode(req))
      return UpdateResponse.decode(await lp.read())
    }
    const T = UpdateRequest.Type
    const S = UpdateResponse.Status
    assert.equal((await ask({ type: T.GET_MANIFEST, version: 'not-semver' })).status, S.BAD_REQUEST)
    assert.equal((await ask({ type: T.GET_MANIFEST, version: '9.9.9' })).status, S.NOT_FOUND)
    assert.equal(
      (await ask({ type: T.GET_CHUNK, version: '1.5.0', offset: 10n ** 12n, length: 10 })).status,
      S.BAD_REQUEST,
    )
    assert.equal(
      (await ask({ type: T.GET_CHUNK, version: '1.5.0', offset: 0n, length: 0 })).status,
      S.BAD_REQUEST,
    )
    const ok = await ask({ type: T.GET_CHUNK, version: '1.5.0', offset: 0n, length: 1_000_000 })
    assert.equal(ok.status, S.OK)
    assert.equal(ok.data.length, 100, 'clamped to maxChunk')
    await stream.close()
  })

  it('[0.0.0] survives hostile input: random bytes, mutated frames; a valid request is still answered', async () => {
    const valid = UpdateRequest.encode({ type: UpdateRequest.Type.GET_LATEST })
    // Random garbage on fresh streams (often a huge or truncated length prefix).
    for (let i = 0; i < 20; i++) {
      const stream: Stream = await client.dialProtocol(addr(), UPDATE_PROTOCOL)
      stream.send(randomBytes(1 + ((i * 37) % 300)))
      await stream.close().catch(() => {})
    }
    // Well-framed but mutated requests on one stream: each gets an answer, the stream lives on.
    const stream = await client.dialProtocol(addr(), UPDATE_PROTOCOL)
    const lp = lpStream(stream)
    for (let i = 0; i < 200; i++) {
      const frame = valid.length > 0 ? valid.slice() : new Uint8Array(2)
      const mutated = new Uint8Array([...frame, ...randomBytes(i % 7)])
      mutated[i % mutated.length] = randomBytes(1)[0]
      await lp.write(mutated)
      const res = UpdateResponse.decode(await lp.read({ signal: AbortSignal.timeout(5000) }))
      assert.ok(Object.values(UpdateResponse.Status).includes(res.status))
    }
    await lp.write(valid)
    const res = UpdateResponse.decode(await lp.read())
    assert.equal(res.status, UpdateResponse.Status.OK)
    await stream.close()
    // And a fresh client session still works end to end.
    const signed = await fetchLatest(client, addr())
    assert.equal(verifyManifest(signed!, [key.publicKey]).version, '1.5.0')
  })

  it('[0.0.0] an oversized request frame is answered once, then the stream ends', async () => {
    const stream = await client.dialProtocol(addr(), UPDATE_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new Uint8Array(10_000))
    const res = UpdateResponse.decode(await lp.read())
    assert.equal(res.status, UpdateResponse.Status.BAD_REQUEST)
    assert.match(res.error, /too large/)
    await stream.close().catch(() => {})
  })

  it('[0.0.0] an empty registry reports no release; a peer without the protocol is a clear error', async () => {
    const empty = await node()
    const h = await registerUpdateProtocol(empty, new ReleaseStore(new MemoryStore()))
    try {
      assert.equal(await fetchLatest(client, empty.getMultiaddrs()), undefined)
      await assert.rejects(
        fetchTarball(client, empty.getMultiaddrs(), verifyManifest(rel.signed, [key.publicKey]), 1 << 20),
        /no such release/,
      )
      await h.stop()
      await assert.rejects(
        fetchLatest(client, empty.getMultiaddrs()),
        (err: Error) =>
          err instanceof UpdateProtocolError && err.message.includes(`cannot open ${UPDATE_PROTOCOL}`),
      )
    } finally {
      await empty.stop()
    }
  })
})
