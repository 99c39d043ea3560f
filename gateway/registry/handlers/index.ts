/** The dispatch table of /xlattice/reg/1.0.0: one handler per request type. */
import type { Handler } from '../components.js'
import { RequestType } from '../registry.pb.js'
import { heartbeat } from './heartbeat.js'
import { neighbours } from './neighbours.js'
import { register } from './register.js'

export const handlers: Partial<Record<RequestType, Handler>> = {
  [RequestType.REGISTER_NODE]: register,
  [RequestType.HEARTBEAT]: heartbeat,
  [RequestType.GET_NEIGHBOURS]: neighbours,
}
