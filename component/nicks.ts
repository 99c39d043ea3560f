/**
 * What the component needs to know about nicks. The real directory is the cluster's replicated
 * registry (a later part, reached through gateway/index.ts); until then the component runs with
 * an empty one, and tests pass stubs.
 */

export interface NickRecord {
  /** Lower-case, `[a-z0-9_-]{1,32}`. */
  nick: string
  /** Set when the nick was asked for qualified (`cluster.nick`). */
  cluster?: string
}

export interface NickDirectory {
  /** The binding for a nick (qualified when cluster is given), or undefined when it is free. */
  lookup(nick: string, cluster?: string): Promise<NickRecord | undefined>
}

/** No nick is registered anywhere: disco#info on any nick@D answers item-not-found. */
export const emptyNickDirectory: NickDirectory = {
  lookup: async () => undefined,
}

/** A fixed set of nicks, e.g. `staticNickDirectory(['alice', 'berlin.bob'])`; for tests and demos. */
export function staticNickDirectory(nicks: Iterable<string>): NickDirectory {
  const known = new Set(nicks)
  return {
    lookup: async (nick, cluster) => {
      const key = cluster === undefined ? nick : `${cluster}.${nick}`
      return known.has(key) ? { nick, cluster } : undefined
    },
  }
}
