/**
 * The node's operator routes on the admin endpoint, used by `xlattice ping`, `xlattice send`
 * and `xlattice nick`: `POST /ping {nodeId}`, `POST /send {nodeId, text, plaintext?, waitMs?}`,
 * `GET /messages` (the last received messages), `POST /nick {nick}` (register, answered once
 * committed), `GET /nick?name=NICK` (the binding and its Merkle proof size) and
 * `GET /cluster/root?height=N` (the registry state root after height N).
 */
import type { IncomingMessage } from 'node:http'
import { type Route, sendJson } from '../../lib/admin.js'
import { XLatticeError } from '../../lib/errors.js'
import type { Replica } from '../cluster/replica.js'
import type { Messaging } from '../messaging/service.js'

const MAX_BODY_BYTES = 128 * 1024
/** How long `POST /send` waits for the receiver's ack by default before answering "queued". */
const DEFAULT_WAIT_MS = 5000

export interface AdminNode {
  messaging: Messaging
  replica?: Replica
  pingNode(nodeId: string): Promise<{ rttMs: number; peerId: string; via: string }>
}

class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BadRequest(`request body over ${MAX_BODY_BYTES} bytes`)
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
      const r = await Promise.race([
        replica.registerNick(body.nick),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref()),
      ])
      if (r === 'timeout') sendJson(res, 504, { error: 'not committed within 30 s (still pending)' })
      else sendJson(res, r.accepted ? 200 : 409, r)
    }),
    'GET /nick': handled(async (req, res) => {
      const name = new URL(req.url ?? '/', 'http://admin').searchParams.get('name')
      if (name === null || name.length === 0 || name.length > 256) throw new BadRequest('name= is required')
      const shown = replicaOf(node).showNick(name)
      sendJson(res, shown.registered ? 200 : 404, shown)
    }),
    'GET /cluster/root': handled(async (req, res) => {
      const height = Number(new URL(req.url ?? '/', 'http://admin').searchParams.get('height'))
      if (!Number.isSafeInteger(height) || height < 0) throw new BadRequest('height= must be a height')
      const root = await replicaOf(node).rootAt(height)
      sendJson(res, root === null ? 404 : 200, { height, root })
    }),
  }
}
