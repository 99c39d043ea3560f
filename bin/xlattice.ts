#!/usr/bin/env node
/**
 * The `xlattice` command: wires config -> gateway (-> component in later issues).
 */
import '../lib/polyfill.js'
import { Command } from 'commander'
import { packageVersion } from './common.js'
import { register as cluster } from './commands/cluster.js'
import { register as demo } from './commands/demo.js'
import { register as id } from './commands/id.js'
import { register as nick } from './commands/nick.js'
import { register as ping } from './commands/ping.js'
import { register as registry } from './commands/registry.js'
import { register as release } from './commands/release.js'
import { register as send } from './commands/send.js'
import { register as start } from './commands/start.js'
import { register as status } from './commands/status.js'
import { register as update } from './commands/update.js'
import { register as validator } from './commands/validator.js'

const program = new Command()
  .name('xlattice')
  .description('XLattice Chat: peer-to-peer chat for XMPP users over BFT clusters and libp2p')
  .version(packageVersion())
  .showHelpAfterError()

for (const add of [registry, start, id, status, cluster, nick, ping, send, demo, release, update, validator])
  add(program)

await program.parseAsync(process.argv)
