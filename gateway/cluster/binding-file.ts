/**
 * `<data>/cluster.json`: the server-signed binding of this node's cluster (mode 0600), kept so
 * a restarted node is still a member. Read back only if it verifies against the registry key.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fromB64u, toB64u } from '../../lib/encoding.js'
import { writeFileAtomic } from '../../lib/fsutil.js'
import { verifyClusterBinding } from '../registry/cluster-binding.js'
import type { ClusterBinding, SignedClusterBinding } from '../registry/registry.pb.js'

export const BINDING_FILE = 'cluster.json'

/** The saved binding, undefined when there is none; throws when one is there but does not verify. */
export async function loadBinding(
  dataDir: string,
  registryKey: Uint8Array,
): Promise<{ signed: SignedClusterBinding; binding: ClusterBinding } | undefined> {
  let text: string
  try {
    text = await readFile(join(dataDir, BINDING_FILE), 'utf8')
  } catch {
    return undefined
  }
  const json = JSON.parse(text) as { binding: string; signature: string }
  const signed = { binding: fromB64u(json.binding), signature: fromB64u(json.signature) }
  return { signed, binding: verifyClusterBinding(signed, [registryKey]) }
}

export async function saveBinding(dataDir: string, signed: SignedClusterBinding): Promise<void> {
  const json = { binding: toB64u(signed.binding), signature: toB64u(signed.signature) }
  await writeFileAtomic(join(dataDir, BINDING_FILE), `${JSON.stringify(json, null, 1)}\n`, 0o600)
}

/** Forgets the binding (this node left its cluster). */
export async function removeBinding(dataDir: string): Promise<void> {
  await rm(join(dataDir, BINDING_FILE), { force: true })
}
