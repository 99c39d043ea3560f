/**
 * The running software's own package: found by walking up from this file to the nearest
 * package.json, which works from the source tree (tsx), from `dist/` and from an installed
 * `versions/<v>/` directory alike.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PackageInfo {
  root: string
  name: string
  version: string
}

let cached: PackageInfo | undefined

export function packageInfo(from: string = fileURLToPath(import.meta.url)): PackageInfo {
  if (cached !== undefined && from === fileURLToPath(import.meta.url)) return cached
  let dir = dirname(from)
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'))
      const info = { root: dir, name: String(pkg.name), version: String(pkg.version) }
      if (from === fileURLToPath(import.meta.url)) cached = info
      return info
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${from}`)
    dir = up
  }
}

/** The version of the code that is running, from its package.json. */
export function currentVersion(): string {
  return packageInfo().version
}

/** The package name of the code that is running: releases for any other name are refused. */
export function packageName(): string {
  return packageInfo().name
}
