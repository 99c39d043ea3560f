// Makes sure the XMPP servers the integration tests start are installed:
//   node scripts/ensure-system.mjs [--need pkg[,pkg...]] [--optional pkg[,pkg...]]...
// Required: the prosody, prosodyctl and ejabberdctl commands (Debian packages prosody, ejabberd);
// --need narrows that to some of them (`npm start` needs prosody alone).
// --optional names extra apt packages some tests use (python3-slixmpp, chromium...): installed when
// possible, but a failure there is a warning, not an error.
// As root with apt-get it installs what is missing; otherwise it prints the command and exits 1.
// It never starts, stops or configures a server: the tests run private instances on free ports.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const SERVERS = { prosody: 'prosody', prosodyctl: 'prosody', ejabberdctl: 'ejabberd' } // command -> package
let REQUIRED = SERVERS
let REQUIRED_PACKAGES = ['prosody', 'ejabberd']

function usage(code) {
  console.log('usage: node scripts/ensure-system.mjs [--need pkg[,pkg...]] [--optional pkg[,pkg...]]...')
  process.exit(code)
}

function parseArgs(argv) {
  const optional = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') usage(0)
    if (arg === '--need') {
      const need = (argv[++i] ?? '').split(',').filter(Boolean)
      if (need.length === 0 || need.some((pkg) => !REQUIRED_PACKAGES.includes(pkg))) usage(2)
      REQUIRED_PACKAGES = need
      REQUIRED = Object.fromEntries(Object.entries(SERVERS).filter(([, pkg]) => need.includes(pkg)))
      continue
    }
    let list
    if (arg === '--optional') list = argv[++i]
    else if (arg.startsWith('--optional=')) list = arg.slice('--optional='.length)
    else {
      console.error(`ensure-system: unknown argument ${arg}`)
      usage(2)
    }
    if (!list) usage(2)
    optional.push(...list.split(',').filter(Boolean))
  }
  return { optional: [...new Set(optional)] }
}

// /usr/sbin is often missing from a non-root PATH, and ejabberdctl lives there.
function findCommand(name) {
  const dirs = ['/usr/bin', '/usr/sbin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {}
  }
  return undefined
}

function missingCommands() {
  return Object.keys(REQUIRED).filter((cmd) => !findCommand(cmd))
}

/** Undefined when dpkg cannot tell (not a Debian-like system). */
function isInstalled(pkg) {
  if (!findCommand('dpkg-query')) return undefined
  const r = spawnSync('dpkg-query', ['--status', pkg], { encoding: 'utf8' })
  return r.status === 0 && /^Status: install ok installed$/m.test(r.stdout)
}

let updated = false
/** Runs apt-get with its output streamed to ours; true on success. */
function apt(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (!updated) {
    console.log('ensure-system: apt-get update')
    updated = true
    if (spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status !== 0) return false
  }
  console.log(`ensure-system: apt-get install -y ${packages.join(' ')}`)
  return spawnSync('apt-get', ['install', '-y', ...packages], { stdio: 'inherit', env }).status === 0
}

function main() {
  const { optional } = parseArgs(process.argv.slice(2))
  const missing = missingCommands()
  const missingOptional = optional.filter((pkg) => isInstalled(pkg) === false)
  const unknownOptional = optional.filter((pkg) => isInstalled(pkg) === undefined)
  for (const pkg of unknownOptional) console.warn(`ensure-system: cannot check ${pkg} (no dpkg-query)`)

  if (missing.length === 0 && missingOptional.length === 0) {
    console.log(`ensure-system: ok (${[...Object.keys(REQUIRED), ...optional].join(', ')})`)
    return 0
  }

  const toInstall = [...(missing.length > 0 ? REQUIRED_PACKAGES : []), ...missingOptional]
  const canInstall = process.getuid?.() === 0 && findCommand('apt-get')
  if (!canInstall) {
    if (missing.length > 0) console.error(`ensure-system: missing ${missing.join(', ')}`)
    if (missingOptional.length > 0)
      console.error(`ensure-system: optional packages missing: ${missingOptional.join(', ')}`)
    console.error(`ensure-system: run: sudo apt-get install -y ${toInstall.join(' ')}`)
    return missing.length > 0 ? 1 : 0
  }

  // Required and optional together first (one apt transaction); if that fails, retry the required
  // ones alone so a broken optional package cannot block the servers.
  if (!apt(toInstall) && missing.length > 0 && missingOptional.length > 0) apt(REQUIRED_PACKAGES)

  const stillMissing = missingCommands()
  const optionalLeft = missingOptional.filter((pkg) => isInstalled(pkg) === false)
  if (optionalLeft.length > 0)
    console.warn(`ensure-system: optional packages not installed: ${optionalLeft.join(', ')}`)
  if (stillMissing.length > 0) {
    console.error(`ensure-system: still missing after apt-get: ${stillMissing.join(', ')}`)
    return 1
  }
  console.log('ensure-system: ok')
  return 0
}

process.exit(main())
