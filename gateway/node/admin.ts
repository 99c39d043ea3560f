/**
 * The node's operator routes on the admin endpoint, used by `xlattice ping` and
 * `xlattice send`: `POST /ping {nodeId}`, `POST /send {nodeId, text, plaintext?, waitMs?}`
 * and `GET /messages` (the last received messages).
 */
import type { IncomingMessage } from 'node:http'
import { type Route, sendJson } from '../../lib/admin.js'
import { XLatticeError } from '../../lib/errors.js'
import type { Messaging } from '../messaging/service.js'

const MAX_BODY_BYTES = 128 * 1024
/** How long `POST /send` waits for the receiver's ack by default before answering "queued". */
const DEFAULT_WAIT_MS = 5000

export interface AdminNode {
  messaging: Messaging
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
        const code = err.code === 'ERR_MSG_UNREACHABLE' ? 504 : err.code === 'ERR_MSG_OUTBOX_FULL' ? 503 : 400
        sendJson(res, code, { error: err.message, code: err.code })
      } else throw err
    }
  }
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
  }
}
