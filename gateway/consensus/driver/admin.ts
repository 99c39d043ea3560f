/**
 * Admin routes of a validator (mounted on lib/admin.ts, loopback only):
 *   POST /consensus/submit      body: raw bytes (one op), or JSON {opHex} or {opsHex: [...]};
 *                               answers once committed: {height} / {heights}; 503 when full
 *                               or when this node is not a validator
 *   POST /consensus/membership  {validators: [{publicKey, weight}], approvals?: [{publicKey, signature}]}
 *                               adds this validator's approval; once they reach a quorum the
 *                               change is submitted and answered when committed, else 202
 *                               with the approvals so far (pass them to the next validator)
 *   GET  /consensus/kv?key=HEX  a key of the key-value application
 *   GET  /consensus/block?height=N   a committed block's hash and header, state root after it, certificate
 *   GET  /consensus/changes     the certified membership changes, for light clients
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Route, sendJson } from '../../../lib/admin.js'
import { fromB64u, fromHex, toB64u, toHex } from '../../../lib/encoding.js'
import { encodeCertificate, encodeHeader } from '../codec.js'
import { hasQuorum } from '../quorum.js'
import { encodeValidatorSet, indexOfKey, makeValidatorSet } from '../validators.js'
import { InvalidOperation, MempoolFull } from './errors.js'
import { type Approval, approveMembership, encodeMembershipOp, membershipNextSet } from './membership.js'
import type { RunningValidator } from './validator.js'

const MAX_BODY = 16 * 1024 * 1024
const COMMIT_WAIT_MS = 30_000

class BadRequest extends Error {}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY) throw new BadRequest(`body over ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

async function json(req: IncomingMessage): Promise<any> {
  try {
    return JSON.parse(Buffer.from(await readBody(req)).toString('utf8'))
  } catch (err) {
    if (err instanceof BadRequest) throw err
    throw new BadRequest('body is not JSON')
  }
}

function hex(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw new BadRequest(`${what}: expected hex`)
  try {
    return fromHex(text)
  } catch {
    throw new BadRequest(`${what}: expected hex`)
  }
}

function query(req: IncomingMessage, name: string): string | null {
  return new URL(req.url ?? '/', 'http://admin').searchParams.get(name)
}

/** Waits for commits, mapping refusals to HTTP codes. */
async function committed(res: ServerResponse, pending: Promise<number>[], single: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), COMMIT_WAIT_MS)
  })
  try {
    const r = await Promise.race([Promise.all(pending), timeout])
    if (r === 'timeout') sendJson(res, 504, { error: 'not committed yet (still pending)' })
    else sendJson(res, 200, single ? { height: r[0] } : { heights: r })
  } catch (err) {
    if (err instanceof MempoolFull) sendJson(res, 503, { error: err.message })
    else if (err instanceof InvalidOperation) sendJson(res, 400, { error: err.message })
    else sendJson(res, 503, { error: (err as Error).message })
  } finally {
    clearTimeout(timer)
  }
}

function guarded(route: Route): Route {
  return async (req, res) => {
    try {
      await route(req, res)
    } catch (err) {
      if (err instanceof BadRequest) sendJson(res, 400, { error: err.message })
      else throw err
    }
  }
}

export function validatorAdminRoutes(v: RunningValidator): Record<string, Route> {
  const { driver, app } = v
  const submit = (op: Uint8Array) => {
    const p = driver.submissions.submit(op)
    p.catch(() => {})
    return p
  }
  return {
    'POST /consensus/submit': guarded(async (req, res) => {
      // A follower's operations would never be proposed: validators accept gossip from validators.
      if (driver.core.myIndex < 0) {
        sendJson(res, 503, { error: 'not a validator of the current set; submit to a validator' })
        return
      }
      if (!(req.headers['content-type'] ?? '').includes('json')) {
        await committed(res, [submit(await readBody(req))], true)
        return
      }
      const body = await json(req)
      if (Array.isArray(body?.opsHex)) {
        const ops = body.opsHex.map((h: unknown, i: number) => hex(h, `opsHex[${i}]`))
        await committed(res, ops.map(submit), false)
      } else {
        await committed(res, [submit(hex(body?.opHex, 'opHex'))], true)
      }
    }),

    'POST /consensus/membership': guarded(async (req, res) => {
      const body = await json(req)
      if (!Array.isArray(body?.validators)) throw new BadRequest('validators: expected a list')
      let next: ReturnType<typeof makeValidatorSet>
      try {
        next = makeValidatorSet(
          body.validators.map((x: any) => ({
            publicKey: fromB64u(String(x?.publicKey), 32),
            weight: Number(x?.weight),
          })),
        )
      } catch (err) {
        throw new BadRequest(`validators: ${(err as Error).message}`)
      }
      const current = driver.validators
      let approvals: Approval[]
      try {
        approvals = (Array.isArray(body.approvals) ? body.approvals : []).map((a: any) => ({
          publicKey: fromB64u(String(a?.publicKey), 32),
          signature: fromB64u(String(a?.signature), 64),
        }))
      } catch (err) {
        throw new BadRequest(`approvals: ${(err as Error).message}`)
      }
      if (indexOfKey(current, driver.signer.publicKey) >= 0) {
        approvals.push(approveMembership(driver.signer, v.chainId, current, next))
      }
      const op = encodeMembershipOp(current, next, approvals)
      if (membershipNextSet(v.chainId, current, op, driver.limits) === null) {
        let weight = 0n
        for (const a of approvals)
          weight += current.validators[indexOfKey(current, a.publicKey)]?.weight ?? 0n
        const shown = approvals.map((a) => ({
          publicKey: toB64u(a.publicKey),
          signature: toB64u(a.signature),
        }))
        const status = hasQuorum(weight, current.totalWeight) ? 400 : 202
        sendJson(res, status, { quorum: false, approvals: shown, validatorsHash: toHex(next.hash) })
        return
      }
      await committed(res, [submit(op)], true)
    }),

    'GET /consensus/kv': guarded(async (req, res) => {
      // Commits are acknowledged when decided, a moment before their writes land: wait for them.
      await driver.written()
      const value = await app.get(hex(query(req, 'key'), 'key'))
      if (value === undefined) sendJson(res, 404, { error: 'no such key' })
      else sendJson(res, 200, { valueHex: toHex(value) })
    }),

    'GET /consensus/block': guarded(async (req, res) => {
      const height = Number(query(req, 'height'))
      if (!Number.isSafeInteger(height) || height < 1)
        throw new BadRequest('height: expected an integer >= 1')
      await driver.written()
      const c = await driver.chain.committed(height)
      const root = await app.rootAt(height)
      if (c === undefined || root === undefined) {
        sendJson(res, 404, { error: 'not committed here' })
        return
      }
      sendJson(res, 200, {
        height,
        blockHash: toHex(c.blockHash),
        headerHex: toHex(encodeHeader(c.block.header)),
        stateRoot: toHex(root),
        ops: c.block.operations.length,
        certificateHex: toHex(c.certificate),
      })
    }),

    'GET /consensus/changes': guarded(async (_req, res) => {
      const changes = await driver.chain.changes()
      sendJson(res, 200, {
        genesisValidatorsHex: toHex(encodeValidatorSet(await driver.chain.setAt(1))),
        changes: changes.map((c) => ({
          height: c.header.height,
          headerHex: toHex(encodeHeader(c.header)),
          certificateHex: toHex(encodeCertificate(c.certificate)),
          nextValidatorsHex: toHex(encodeValidatorSet(c.nextValidators)),
        })),
      })
    }),
  }
}
