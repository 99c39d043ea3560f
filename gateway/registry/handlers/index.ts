/** The dispatch table of /xlattice/reg/1.0.0: one handler per request type. */
import type { Handler } from '../components.js'
import { RequestType } from '../registry.pb.js'
import { getCluster } from './get-cluster.js'
import { heartbeat } from './heartbeat.js'
import { neighbours } from './neighbours.js'
import { register } from './register.js'
import { registerCluster } from './register-cluster.js'
import { updateCluster } from './update-cluster.js'

export const handlers: Partial<Record<RequestType, Handler>> = {
  [RequestType.REGISTER_NODE]: register,
  [RequestType.HEARTBEAT]: heartbeat,
  [RequestType.GET_NEIGHBOURS]: neighbours,
  [RequestType.REGISTER_CLUSTER]: registerCluster,
  [RequestType.UPDATE_CLUSTER_MEMBERS]: updateCluster,
  [RequestType.GET_CLUSTER]: getCluster,
}
