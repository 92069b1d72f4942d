// The gateway: holds the WeChat login with the puppet named in WECHATY_PUPPET and serves it
// to the bot over gRPC. Usage: WECHATY_PUPPET=wechaty-puppet-wechat4u WECHATY_PUPPET_SERVICE_TOKEN=... node serve.js
// The login session is kept in GATEWAY_SESSION (a file, default ../var/gateway-session.memory-card.json;
// one per account), so a restart of the gateway logs in again without a new QR scan while WeChat
// still accepts the session (it expires after some days, or when the phone logs the web session out).
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import { MemoryCard } from 'memory-card'
import qrcodeTerminal from 'qrcode-terminal'
import * as PUPPET from 'wechaty-puppet'
import { fail, gatewayConfig, serve } from './lib.js'

async function loadPuppet (name) {
  let mod
  try {
    mod = await import(name)
  } catch (e) {
    fail(`cannot load the puppet "${name}": ${e.message.split('\n')[0]} (is it in gateway/package.json?)`)
  }
  const isPuppet = (v) => typeof v === 'function' && v.prototype instanceof PUPPET.Puppet
  const Puppet = isPuppet(mod.default) ? mod.default : Object.values(mod).find(isPuppet)
  if (!Puppet) fail(`"${name}" exports no Puppet class`)
  return new Puppet()
}

function watch (puppet) {
  puppet.on('scan', ({ qrcode, status }) => {
    if (!qrcode) return
    console.error(`gateway: scan this QR code with the bot's WeChat (status ${status}):`)
    qrcodeTerminal.generate(qrcode, { small: true }, (art) => console.error(art))
    console.error(`gateway: or open https://wechaty.js.org/qrcode/${encodeURIComponent(qrcode)}`)
  })
  puppet.on('login', ({ contactId }) => console.error(`gateway: logged in as ${contactId}`))
  puppet.on('logout', ({ contactId }) => console.error(`gateway: ${contactId} logged out`))
  let lastError = ''
  puppet.on('error', (e) => {
    let text = e?.message || JSON.stringify(e)
    try { text = JSON.parse(e.gerror).message || e.gerror } catch { if (e?.gerror) text = e.gerror }
    if (text === lastError) return // a puppet that cannot reach WeChat repeats itself every second
    lastError = text
    console.error(`gateway: puppet error: ${text}`)
  })
}

const config = gatewayConfig()
const name = process.env.WECHATY_PUPPET || 'wechaty-puppet-wechat4u'
const puppet = await loadPuppet(name)
const session = path.resolve(process.env.GATEWAY_SESSION || '../var/gateway-session')
// The session file is a WeChat login: readable by this user only (the gateway writes no other file).
process.umask(0o077)
try {
  mkdirSync(path.dirname(session), { recursive: true })
} catch (e) {
  fail(`GATEWAY_SESSION=${process.env.GATEWAY_SESSION || ''}: cannot create ${path.dirname(session)} (${e.code || e.message}); set a writable path`)
}
puppet.setMemory(new MemoryCard({ name: session }))
console.error(`gateway: login session kept in ${session}.memory-card.json`)
watch(puppet)
await serve(puppet, config)
console.error(`gateway: serving ${name} on ${config.host}:${config.port}`)
