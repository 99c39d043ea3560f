/** In-process libp2p peers with fresh keys, for tests that talk to real processes as clients. */
import '../../lib/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHost, type Host } from '../../gateway/p2p/host.js'

export async function freshHost(): Promise<Host> {
  // A client only: no DHT of its own, so it neither serves nor pulls routing tables.
  return createHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    dht: false,
  })
}

/** Resident memory (kB) and open file descriptors of a process, from /proc. */
export async function procUsage(pid: number): Promise<{ rssKb: number; fds: number }> {
  const { readFile, readdir } = await import('node:fs/promises')
  const statusText = await readFile(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(statusText)?.[1] ?? 0)
  const fds = (await readdir(`/proc/${pid}/fd`)).length
  return { rssKb, fds }
}
