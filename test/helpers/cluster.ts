/** Settings and waits shared by the tests that run clusters of real node processes. */
import { DEMO_ENV } from '../../bin/demo/lattice.js'
import type { Started } from '../../lib/child.js'
import { eventually, status } from './procs.js'

/** Short intervals so formation, heartbeats and neighbour lists settle in seconds (the demo's). */
export const CLUSTER_FAST = DEMO_ENV

export interface ClusterView {
  clusterId: string
  name: string
  members: string[]
}

/** Waits until every node reports a cluster; returns each node's view (members sorted). */
export function clustersOf(nodes: Started[], timeoutMs = 45_000): Promise<ClusterView[]> {
  return eventually(
    `${nodes.length} nodes each in a cluster`,
    async () => {
      const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
      if (!all.every((s) => s.cluster?.state === 'member')) return undefined
      return all.map((s) => ({
        clusterId: s.cluster.clusterId,
        name: s.cluster.name,
        members: s.cluster.members.map((m: any) => m.nodeId).sort(),
      }))
    },
    timeoutMs,
  )
}

/** Waits until every node's cluster registry replica has committed a block; returns the cluster ID. */
export function replicasCommitting(nodes: Started[], timeoutMs = 60_000): Promise<string> {
  return eventually(
    'a cluster with its replicas committing blocks',
    async () => {
      const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
      return all.every((s) => (s.cluster?.replica?.height ?? 0) > 0) && (all[0].cluster.clusterId as string)
    },
    timeoutMs,
  )
}
