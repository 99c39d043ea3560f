/**
 * The node's operator routes on the admin endpoint, used by `xlattice ping`, `xlattice send`
 * and `xlattice nick`: `POST /ping {nodeId}`, `POST /send {nodeId, text, plaintext?, waitMs?}`,
 * `GET /messages` (the last received messages), `POST /nick {nick}` (register, answered once
 * committed), `GET /nick?name=NICK` (the binding and its Merkle proof size) and
 * `GET /cluster/root?height=N` (the registry state root after height N).
 *
 * `POST /nicks {requests: [{nick, signingKey, agreementKey, seq?, userSignature}]}` registers
 * up to MAX_NICK_BATCH nicks for keys the client holds (the load path: no user-side work on the
 * member). Keys and the signature are unpadded base64url (32, 32 and 64 bytes), `seq` the
 * user's UserEntry.seq (default 0). The user signs, under `xlattice/cluster/nick/v1`,
 * `chainId || u8 len || nick || signingKey || agreementKey || home || u32 seq` with the
 * canonical nick, where chainId and home (this node's NodeID) are `cluster.replica.chainId`
 * and `cluster.replica.home` of `GET /status`: gateway/cluster/ops.ts signNickRequest makes
 * exactly that. Answered once every request is settled, in request order:
 * `{results: [{nick, accepted, reason, height, userNodeId}]}` (height null: refused before
 * consensus, reason bad-nick, bad-user-signature or mempool-full); 400 for a malformed body,
 * 503 outside a cluster, 504 when not all committed within 30 s.
 *
 * `POST /cluster/replace {dead?, with?}` (NodeIDs, hex) replaces a dead member of this node's
 * cluster now (`xlattice cluster replace`; docs/protocols/cluster.md "Replacing a dead
 * member"): answered once the server recorded the change, `{dead, replacement, height,
 * version}`; 409 with the reason when it cannot be made (the member is reachable, no free
 * node, too few approvals), 503 outside a cluster, 504 after 60 s.
 */
import type { IncomingMessage } from 'node:http'
import { type Route, sendJson } from '../../lib/admin.js'
import { XLatticeError } from '../../lib/errors.js'
import { fromB64u } from '../../lib/encoding.js'
import { type ClusterReplacement, ReplaceRefused } from '../cluster/replace-service.js'
import type { Replica, SignedNickRequest } from '../cluster/replica.js'
import type { Messaging } from '../messaging/service.js'

const MAX_BODY_BYTES = 128 * 1024
/** Requests in one `POST /nicks` (each ~250 bytes of JSON), and the body bound that fits them. */
export const MAX_NICK_BATCH = 1000
const MAX_BATCH_BODY_BYTES = 512 * 1024
const COMMIT_WAIT_MS = 30_000
const REPLACE_WAIT_MS = 60_000
/** How long `POST /send` waits for the receiver's ack by default before answering "queued". */
const DEFAULT_WAIT_MS = 5000

export interface AdminNode {
  messaging: Messaging
  replica?: Replica
  replacement?: Pick<ClusterReplacement, 'replace'>
  pingNode(nodeId: string): Promise<{ rttMs: number; peerId: string; via: string }>
}

class BadRequest extends Error {}

async function readJson(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > max) throw new BadRequest(`request body over ${max} bytes`)
    chunks.push(chunk)
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object')
    return body
  } catch (err) {
    throw new BadRequest(`request body is not a JSON object: ${(err as Error).message}`)
  }
}

function nodeIdOf(body: Record<string, unknown>): string {
  const id = body.nodeId
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id))
    throw new BadRequest('nodeId must be 64 lowercase hex characters')
  return id
}

/** The requests of `POST /nicks`, checked field by field (the first bad one names its index). */
function nickRequestsOf(body: Record<string, unknown>): SignedNickRequest[] {
  const list = body.requests
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NICK_BATCH)
    throw new BadRequest(`requests must be a list of 1 to ${MAX_NICK_BATCH} requests`)
  return list.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new BadRequest(`requests[${i}] must be an object`)
    const r = item as Record<string, unknown>
    const bytes = (field: string, length: number): Uint8Array => {
      try {
        return fromB64u(r[field] as string, length)
      } catch {
        throw new BadRequest(`requests[${i}].${field} must be ${length} bytes of unpadded base64url`)
      }
    }
    if (typeof r.nick !== 'string' || r.nick.length === 0 || r.nick.length > 256)
      throw new BadRequest(`requests[${i}].nick must be a string`)
    const seq = r.seq ?? 0
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff)
      throw new BadRequest(`requests[${i}].seq must be an integer from 0 to 2^32 - 1`)
    return {
      nick: r.nick,
      signingKey: bytes('signingKey', 32),
      agreementKey: bytes('agreementKey', 32),
      seq,
      userSignature: bytes('userSignature', 64),
    }
  })
}

/** `work`, or 'timeout' after `ms` (the work goes on). */
async function withinCommitWait<T>(work: Promise<T>, ms = COMMIT_WAIT_MS): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Expected failures (bad input, unreachable node, encryption unavailable) answer 4xx/5xx with a reason. */
function handled(fn: Route): Route {
  return async (req, res) => {
    try {
      await fn(req, res)
    } catch (err) {
      if (err instanceof BadRequest) sendJson(res, 400, { error: err.message })
      else if (err instanceof XLatticeError) {
        const code =
          err.code === 'ERR_MSG_UNREACHABLE'
            ? 504
            : err.code === 'ERR_MSG_OUTBOX_FULL' || err.code === 'ERR_NO_CLUSTER'
              ? 503
              : 400
        sendJson(res, code, { error: err.message, code: err.code })
      } else throw err
    }
  }
}

class NoCluster extends XLatticeError {
  constructor() {
    super('ERR_NO_CLUSTER', 'this node is not in a cluster yet (see xlattice cluster status)')
  }
}

function replicaOf(node: AdminNode): Replica {
  if (node.replica === undefined) throw new NoCluster()
  return node.replica
}

export function nodeAdminRoutes(node: AdminNode): Record<string, Route> {
  return {
    'POST /ping': handled(async (req, res) => {
      const nodeId = nodeIdOf(await readJson(req))
      sendJson(res, 200, { nodeId, ...(await node.pingNode(nodeId)) })
    }),
    'POST /send': handled(async (req, res) => {
      const body = await readJson(req)
      const nodeId = nodeIdOf(body)
      if (typeof body.text !== 'string') throw new BadRequest('text must be a string')
      if (body.plaintext !== undefined && typeof body.plaintext !== 'boolean')
        throw new BadRequest('plaintext must be true or false')
      const waitMs =
        typeof body.waitMs === 'number' ? Math.min(Math.max(body.waitMs, 0), 60_000) : DEFAULT_WAIT_MS
      const sent = await node.messaging.send(nodeId, new TextEncoder().encode(body.text), {
        plaintext: body.plaintext as boolean | undefined,
      })
      let timer: NodeJS.Timeout | undefined
      const acked = await Promise.race([
        sent.acked.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), waitMs)
        }),
      ])
      clearTimeout(timer)
      sendJson(res, 200, {
        nodeId,
        seq: sent.seq.toString(),
        mode: sent.mode,
        plaintext: sent.plaintext,
        acked,
        queued: !acked,
      })
    }),
    'GET /messages': (_req, res) => sendJson(res, 200, { messages: node.messaging.recent() }),
    'POST /nick': handled(async (req, res) => {
      const body = await readJson(req)
      if (typeof body.nick !== 'string' || body.nick.length > 256)
        throw new BadRequest('nick must be a string')
      const replica = replicaOf(node)
      const r = await withinCommitWait(replica.registerNick(body.nick))
      if (r === 'timeout') sendJson(res, 504, { error: 'not committed within 30 s (still pending)' })
      else sendJson(res, r.accepted ? 200 : 409, r)
    }),
    'POST /nicks': handled(async (req, res) => {
      const requests = nickRequestsOf(await readJson(req, MAX_BATCH_BODY_BYTES))
      const results = await withinCommitWait(replicaOf(node).registerNicks(requests))
      if (results === 'timeout')
        sendJson(res, 504, { error: 'not all committed within 30 s (still pending)' })
      else sendJson(res, 200, { results })
    }),
    'GET /nick': handled(async (req, res) => {
      const name = new URL(req.url ?? '/', 'http://admin').searchParams.get('name')
      if (name === null || name.length === 0 || name.length > 256) throw new BadRequest('name= is required')
      const shown = replicaOf(node).showNick(name)
      sendJson(res, shown.registered ? 200 : 404, shown)
    }),
    'POST /cluster/replace': handled(async (req, res) => {
      const body = await readJson(req)
      const id = (field: string): string | undefined => {
        const v = body[field]
        if (v === undefined || v === null) return undefined
        if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))
          throw new BadRequest(`${field} must be a NodeID: 64 lowercase hex characters`)
        return v
      }
      const request = { dead: id('dead'), with: id('with'), manual: true }
      if (node.replacement === undefined || node.replica === undefined) throw new NoCluster()
      try {
        const r = await withinCommitWait(node.replacement.replace(request), REPLACE_WAIT_MS)
        if (r === 'timeout') sendJson(res, 504, { error: 'not done within 60 s (still under way)' })
        else sendJson(res, 200, r)
      } catch (err) {
        // Refused by the rules: 409; failed on the way (the server, the network): 502.
        sendJson(res, err instanceof ReplaceRefused ? 409 : 502, { error: (err as Error).message })
      }
    }),
    'GET /cluster/root': handled(async (req, res) => {
      const height = Number(new URL(req.url ?? '/', 'http://admin').searchParams.get('height'))
      if (!Number.isSafeInteger(height) || height < 0) throw new BadRequest('height= must be a height')
      const root = await replicaOf(node).rootAt(height)
      sendJson(res, root === null ? 404 : 200, { height, root })
    }),
  }
}
