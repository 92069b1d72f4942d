// Shared by serve.js (a real puppet) and mock-driver.js (the test gateway): serve one puppet
// over wechaty-puppet-service on a loopback port, with the token as the only credential.
import { PuppetServer } from 'wechaty-puppet-service'

/** Read the gateway settings from the environment; exit with one line when something is missing. */
export function gatewayConfig (env = process.env) {
  const token = env.WECHATY_PUPPET_SERVICE_TOKEN || ''
  const host = env.GATEWAY_HOST || '127.0.0.1'
  const port = Number(env.GATEWAY_PORT || '8788')
  if (!token) fail('WECHATY_PUPPET_SERVICE_TOKEN is empty: set the same token for the gateway and the bot')
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`GATEWAY_PORT=${env.GATEWAY_PORT}: not a TCP port`)
  return { token, host, port }
}

export function fail (message) {
  console.error(`gateway: ${message}`)
  process.exit(1)
}

/** Start the puppet, then serve it; the puppet stays logged in across bot reconnections. */
export async function serve (puppet, { token, host, port }) {
  // The Python client speaks plain HTTP/2 only, so TLS is off; that is why the default host is loopback.
  process.env.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER = 'true'
  await puppet.start()
  const server = new PuppetServer({ endpoint: `${host}:${port}`, puppet, token })
  await server.start()
  let stopping = false
  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    console.error(`gateway: ${signal}, stopping`)
    const hardExit = setTimeout(() => process.exit(0), 3000)
    hardExit.unref()
    try {
      await server.stop()
      await puppet.stop()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  return server
}
