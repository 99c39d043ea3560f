/** Errors of the cluster registry. Operations never raise these on content: they are committed as rejected. */
import { XLatticeError } from '../../lib/errors.js'

/** A nick that breaks the rule (nick.ts), refused before an operation is built. */
export class InvalidNick extends XLatticeError {
  constructor(nick: string) {
    super(
      'ERR_CLUSTER_INVALID_NICK',
      `invalid nick ${JSON.stringify(nick)}: [a-z0-9_-]{1,32} after lower-casing`,
    )
  }
}

/** The registry's persisted state is missing or unreadable: refuse to run rather than guess. */
export class RegistryCorrupt extends XLatticeError {
  constructor(what: string) {
    super('ERR_CLUSTER_REGISTRY_CORRUPT', `cluster registry store is damaged: ${what}`)
  }
}
