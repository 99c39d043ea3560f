// The component against a private ejabberd 23.01: the same scenarios as on Prosody
// (component-suite.ts); ejabberd accepts a second connection for a domain and balances stanzas.
import { componentSuite } from './component-suite.js'

componentSuite({ kind: 'ejabberd', host: 'e.localhost', secondComponent: 'shares' })
