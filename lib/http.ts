/** Binding a node:http server and reporting where it listens, for every HTTP listener we run. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Listening {
  /** `HOST:PORT` actually bound (the port is resolved when 0 was asked for). */
  address: string
  close(): Promise<void>
}

export async function listenHttp(server: Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address() as AddressInfo
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    address: `${shown}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
