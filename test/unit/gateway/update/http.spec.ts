import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MemoryStore } from '../../../../lib/store/index.js'
import { toB64u } from '../../../../lib/encoding.js'
import { RELEASE_HEADER, releaseAdminRoutes } from '../../../../gateway/update/admin.js'
import { SizeMismatchError } from '../../../../gateway/update/errors.js'
import { startPublicHttp, type PublicHttpServer } from '../../../../gateway/update/http.js'
import {
  envelopeFromSigned,
  signedFromEnvelope,
  verifyManifest,
} from '../../../../gateway/update/manifest.js'
import { ReleaseStore } from '../../../../gateway/update/releases.js'
import { httpSource } from '../../../../gateway/update/source.js'
import { releaseKey, signedRelease } from './helpers.js'

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('[0.0.0] public release HTTP listener', () => {
  const key = releaseKey()
  let releases: ReleaseStore
  let server: PublicHttpServer
  let base: string
  const rel = signedRelease(key, '1.4.0')

  before(async () => {
    releases = new ReleaseStore(new MemoryStore().sublevel('releases'))
    await releases.publish(rel.tarball, rel.signed)
    server = await startPublicHttp({ host: '127.0.0.1', port: 0, releases })
    base = `http://${server.address}`
  })
  after(() => server.close())

  it('[0.0.0] serves latest.json as a verifiable envelope', async () => {
    const res = await fetch(`${base}/releases/latest.json`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/json')
    const signed = signedFromEnvelope(await res.text())
    assert.equal(verifyManifest(signed, [key.publicKey]).version, '1.4.0')
  })

  it('[0.0.0] serves the tarball and the per-version manifest', async () => {
    const res = await fetch(`${base}/releases/1.4.0.tgz`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-length'), String(rel.tarball.length))
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), rel.tarball)
    const json = await (await fetch(`${base}/releases/1.4.0.json`)).json()
    assert.deepEqual(json, envelopeFromSigned(rel.signed))
    const head = await fetch(`${base}/releases/1.4.0.tgz`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-length'), String(rel.tarball.length))
  })

  it('[0.0.0] is read-only and answers 404 for everything else', async () => {
    for (const path of [
      '/',
      '/releases/',
      '/releases/9.9.9.tgz',
      '/releases/../x.tgz',
      '/releases/v1.tgz',
      '/status',
    ]) {
      const res = await fetch(`${base}${path}`)
      assert.equal(res.status, 404, path)
      await res.arrayBuffer()
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/releases/latest.json`, {
        method,
        body: method === 'DELETE' ? undefined : 'x',
      })
      assert.equal(res.status, 405, method)
      assert.equal(res.headers.get('allow'), 'GET, HEAD')
      await res.arrayBuffer()
    }
  })

  it('[0.0.0] httpSource fetches and the body is bounded by the manifest size', async () => {
    const source = httpSource(base)
    const signed = await source.latest()
    assert.ok(signed !== undefined)
    const m = verifyManifest(signed, [key.publicKey])
    assert.deepEqual(await source.tarball(m, 1 << 20), rel.tarball)
    // A manifest claiming fewer bytes than the server sends: the client stops and refuses.
    await assert.rejects(source.tarball({ ...m, size: m.size - 1 }, 1 << 20), SizeMismatchError)
    await assert.rejects(source.tarball(m, m.size - 1), SizeMismatchError)
    assert.deepEqual(await source.rotations(), [])
  })

  it('[0.0.0] httpSource refuses an endless body without a content-length', async () => {
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' })
      const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 1)
      res.on('close', () => clearInterval(timer))
    })
    const url = await listen(endless)
    try {
      await assert.rejects(
        httpSource(url).tarball(rel.manifest, 1 << 20),
        (err: Error) => err instanceof SizeMismatchError && /larger than/.test(err.message),
      )
    } finally {
      endless.closeAllConnections()
      endless.close()
    }
  })
})

describe('[0.0.0] admin release upload', () => {
  const key = releaseKey()
  let releases: ReleaseStore
  let admin: Server
  let base: string

  before(async () => {
    releases = new ReleaseStore(new MemoryStore().sublevel('releases'), { maxSize: 64 * 1024 })
    const routes = releaseAdminRoutes(releases)
    admin = createServer((req, res) => {
      const route = routes[`${req.method} ${req.url}`]
      if (route === undefined) res.writeHead(404).end()
      else void route(req, res)
    })
    base = await listen(admin)
  })
  after(() => {
    admin.closeAllConnections()
    admin.close()
  })

  const upload = (tarball: Uint8Array, envelope: unknown) =>
    fetch(`${base}/releases`, {
      method: 'POST',
      headers: {
        'content-type': 'application/gzip',
        [RELEASE_HEADER]: toB64u(new TextEncoder().encode(JSON.stringify(envelope))),
      },
      body: Buffer.from(tarball),
    })

  it('[0.0.0] stores a signed release (201) and refuses a mismatched tarball (400)', async () => {
    const rel = signedRelease(key, '2.0.0')
    const ok = await upload(rel.tarball, envelopeFromSigned(rel.signed))
    assert.equal(ok.status, 201)
    assert.equal((await ok.json()).version, '2.0.0')
    assert.equal((await releases.latest())?.manifest.version, '2.0.0')

    const other = signedRelease(key, '2.1.0')
    const bad = other.tarball.slice()
    bad[5] ^= 1
    const res = await upload(bad, envelopeFromSigned(other.signed))
    assert.equal(res.status, 400)
    assert.equal((await res.json()).code, 'ERR_HASH_MISMATCH')
  })

  it('[0.0.0] refuses uploads over the size limit (413) and without a manifest (400)', async () => {
    const rel = signedRelease(key, '3.0.0')
    const huge = new Uint8Array(70 * 1024)
    const res = await upload(huge, envelopeFromSigned(rel.signed))
    assert.equal(res.status, 413)
    await res.arrayBuffer()
    const none = await fetch(`${base}/releases`, { method: 'POST', body: Buffer.from(rel.tarball) })
    assert.equal(none.status, 400)
    assert.match((await none.json()).error, /x-xlattice-release/)
  })
})
