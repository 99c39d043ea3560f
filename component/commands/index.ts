/**
 * The ad-hoc commands D offers, in the order clients list them. One file per command; the
 * handler (handlers/commands.ts) dispatches by node, and disco#items on the commands node lists
 * exactly these (handlers/commands-items.ts).
 */
import type { Command } from './command.js'
import { clusterMembers } from './cluster-members.js'
import { myRegistration } from './my-registration.js'
import { neighbours } from './neighbours.js'
import { register } from './register.js'

export const COMMANDS: readonly Command[] = [register, myRegistration, clusterMembers, neighbours]
