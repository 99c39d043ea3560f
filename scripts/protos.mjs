#!/usr/bin/env node
// Regenerates every `*.proto` under gateway/ and component/ into a committed `*.pb.ts` beside it (protons).
// protons writes `<name>.ts`, which may be a real source file next to the proto (session.proto
// sits beside session.ts), so it writes into a temporary directory and we move the result.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

function* protos(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* protos(path)
    else if (entry.name.endsWith('.proto')) yield path
  }
}

const out = mkdtempSync(join(tmpdir(), 'protons-'))
try {
  for (const proto of [...protos('gateway'), ...protos('component')]) {
    execFileSync('npx', ['protons', '--output', out, proto], { stdio: 'inherit' })
    const generated = join(out, basename(proto).replace(/\.proto$/, '.ts'))
    // Our byte fields come from node:crypto and Buffers (Uint8Array<ArrayBufferLike>); protons
    // types them as Uint8Array<ArrayBuffer>, which TypeScript 5.7+ will not accept. Widen them.
    const text = readFileSync(generated, 'utf8').replaceAll('Uint8Array<ArrayBuffer>', 'Uint8Array')
    writeFileSync(proto.replace(/\.proto$/, '.pb.ts'), text)
    rmSync(generated)
    console.log(`generated ${proto.replace(/\.proto$/, '.pb.ts')}`)
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
