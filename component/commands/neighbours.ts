/**
 * "Neighbours": the nodes this node keeps in touch with, whether each answers and its round
 * trip, as a result table; or a note when it knows none yet. Single stage.
 * References: XEP-0050 §2.4.1 (simple execution), XEP-0004 §3.3 (boolean), §3.4 (reported and item).
 */
import { buildForm } from '../forms.js'
import { type Command, done, info, warn } from './command.js'
import { MAX_ROWS } from './cluster-members.js'

export const NEIGHBOURS_FORM = 'urn:xlattice:commands:neighbours'

export const neighbours: Command<never> = {
  node: 'neighbours',
  name: 'Neighbours',

  execute({ services }) {
    const all = services.lattice.neighbours()
    if (all.length === 0) return done(info('This node knows no neighbours yet.'))
    const alive = all.filter((n) => n.alive).length
    const notes = [info(`${all.length} neighbours, ${alive} answering.`)]
    if (all.length > MAX_ROWS) notes.push(warn(`Only the first ${MAX_ROWS} are listed.`))
    return {
      status: 'completed',
      notes,
      form: buildForm({
        type: 'result',
        formType: NEIGHBOURS_FORM,
        title: 'Neighbours',
        reported: [
          { var: 'nodeId', type: 'text-single', label: 'Node ID' },
          { var: 'alive', type: 'boolean', label: 'Answering' },
          { var: 'rtt', type: 'text-single', label: 'Round trip (ms)' },
        ],
        items: all.slice(0, MAX_ROWS).map((n) => ({
          nodeId: n.nodeId,
          alive: n.alive,
          rtt: n.rttMs === null ? null : Math.round(n.rttMs),
        })),
      }),
    }
  },
}
