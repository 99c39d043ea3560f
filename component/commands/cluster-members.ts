/**
 * "Cluster members": the cluster this node belongs to, as a result table (node ID, peer ID,
 * addresses), or a note while the node has no cluster. Single stage.
 * References: XEP-0050 §2.4.1 (simple execution), XEP-0004 §3.4 (reported and item).
 */
import { buildForm } from '../forms.js'
import { type Command, done, info, warn } from './command.js'

export const CLUSTER_MEMBERS_FORM = 'urn:xlattice:commands:cluster-members'
/** Rows and addresses per row shown; a cluster is small, this only bounds the stanza. */
export const MAX_ROWS = 100
const MAX_ADDRS = 8

export const clusterMembers: Command<never> = {
  node: 'cluster-members',
  name: 'Cluster members',

  execute({ services }) {
    const cluster = services.lattice.cluster()
    if (cluster === undefined) return done(info('This node is not in a cluster yet.'))
    const rows = cluster.members.slice(0, MAX_ROWS)
    const notes = [info(`${cluster.members.length} members in cluster ${cluster.name}.`)]
    if (rows.length < cluster.members.length) notes.push(warn(`Only the first ${MAX_ROWS} are listed.`))
    return {
      status: 'completed',
      notes,
      form: buildForm({
        type: 'result',
        formType: CLUSTER_MEMBERS_FORM,
        title: `Cluster ${cluster.name}`,
        fields: [
          { var: 'cluster', type: 'text-single', label: 'Cluster', value: cluster.name },
          { var: 'cluster-id', type: 'text-single', label: 'Cluster ID', value: cluster.clusterId },
          { var: 'height', type: 'text-single', label: 'Committed height', value: cluster.height },
          {
            var: 'this-node',
            type: 'text-single',
            label: 'This node',
            value: services.lattice.nodeId() ?? null,
          },
        ],
        reported: [
          { var: 'nodeId', type: 'text-single', label: 'Node ID' },
          { var: 'peerId', type: 'text-single', label: 'Peer ID' },
          { var: 'addresses', type: 'text-multi', label: 'Addresses' },
        ],
        items: rows.map((m) => ({
          nodeId: m.nodeId,
          peerId: m.peerId,
          addresses: m.addrs.slice(0, MAX_ADDRS),
        })),
      }),
    }
  },
}
