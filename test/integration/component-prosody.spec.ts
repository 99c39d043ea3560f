// The component against a private Prosody 0.12: discovery, ping, version, errors, round trips,
// conflict on a second connection (component_conflict_resolve = kick_new), restart. Scenarios in
// component-suite.ts.
import { componentSuite } from './component-suite.js'

componentSuite({ kind: 'prosody', host: 'a.localhost', secondComponent: 'conflict' })
