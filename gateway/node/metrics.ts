/** The node's Prometheus gauges, read from the services when scraped. */
import { Gauge, type Registry } from 'prom-client'
import type { Messaging } from '../messaging/service.js'
import type { Neighbours } from './neighbours.js'

export function nodeMetrics(registry: Registry, src: { neighbours: Neighbours; messaging: Messaging }): void {
  new Gauge({
    name: 'xlattice_node_neighbours',
    help: 'Neighbours in the current list',
    registers: [registry],
    collect() {
      this.set(src.neighbours.size)
    },
  })
  new Gauge({
    name: 'xlattice_node_neighbours_alive',
    help: 'Neighbours that answered their last pings',
    registers: [registry],
    collect() {
      this.set(src.neighbours.alive)
    },
  })
  new Gauge({
    name: 'xlattice_node_messages',
    help: 'Node-to-node messages: sent, delivered (acked), received, rejected, queued',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      const s = src.messaging.status()
      const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0)
      for (const event of ['sent', 'delivered', 'received', 'queued'] as const) this.set({ event }, s[event])
      this.set({ event: 'rejected' }, rejected)
    },
  })
}
