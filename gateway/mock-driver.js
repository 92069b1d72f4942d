// The test gateway: a real wechaty-puppet-service server over a mock WeChat world that a test
// drives through JSON lines. Commands on stdin, one object a line:
//   {"op": "say", "from": CONTACT_ID, "room": ROOM_ID | "to": CONTACT_ID, "text": "...", "mentions": [ids]}
//   {"op": "repeat", "id": MESSAGE_ID}        re-emit a message event (a doubled event)
//   {"op": "image", "from": CONTACT_ID, "room": ROOM_ID}   a non-text message
// Events on stdout, one object a line:
//   {"event": "ready", "port": N}
//   {"event": "said", "id": MESSAGE_ID}       answer to "say" and "image"
//   {"event": "bot", "id", "room", "to", "text", "mentionIds"}   every message the bot sends
// The world comes from MOCK_WORLD (JSON): {"bot": {id, name}, "contacts": [{id, name}], "rooms": [{id, topic, members}]}.
// A room may also carry "aliases": {CONTACT_ID: ALIAS}, the names members set in that group (the
// room alias a real puppet reports); members it leaves out have no alias.
import readline from 'node:readline'
import { FileBox } from 'file-box'
import { mock } from 'wechaty-puppet-mock'
import { MentionPuppetMock } from './mock-puppet.js'
import { gatewayConfig, serve } from './lib.js'

const DEFAULT_WORLD = {
  bot: { id: 'gridbot-self', name: '网格小助手' },
  contacts: [{ id: 'resident-1', name: '张阿姨' }, { id: 'worker-water', name: '王水务' }],
  rooms: [{ id: 'grid-room-1@chatroom', topic: '幸福里网格群', members: ['gridbot-self', 'resident-1', 'worker-water'] }],
}
const world = process.env.MOCK_WORLD ? JSON.parse(process.env.MOCK_WORLD) : DEFAULT_WORLD

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

// Idempotent, because the mocker runs its environments again whenever the puppet restarts.
const worldEnvironment = (mocker) => {
  const contact = ({ id, name }) => {
    try { return mocker.ContactMock.load(id) } catch { return mocker.createContact({ id, name }) }
  }
  const bot = contact(world.bot)
  world.contacts.forEach(contact)
  for (const room of world.rooms) {
    try { mocker.RoomMock.load(room.id) } catch {
      mocker.createRoom({ id: room.id, topic: room.topic, memberIdList: room.members, adminIdList: [], ownerId: undefined })
    }
  }
  mocker.login(bot)
  return () => {}
}

const mocker = new mock.Mocker()
mocker.use(worldEnvironment)
const roomAliases = Object.fromEntries(world.rooms.filter((room) => room.aliases).map((room) => [room.id, room.aliases]))
const puppet = new MentionPuppetMock({ mocker, roomAliases })

puppet.on('message', ({ messageId }) => {
  const p = mocker.messagePayload(messageId)
  if (p.talkerId !== world.bot.id) return
  emit({ event: 'bot', id: p.id, room: p.roomId || null, to: p.listenerId || null, text: p.text, mentionIds: p.mentionIdList || [] })
})

function say ({ from, room, to, text, mentions = [] }) {
  const talker = mocker.ContactMock.load(from)
  const conversation = room ? mocker.RoomMock.load(room) : mocker.ContactMock.load(to)
  const before = new Set(mocker.cacheMessagePayload.keys())
  talker.say(text, mentions.map((id) => mocker.ContactMock.load(id))).to(conversation)
  return [...mocker.cacheMessagePayload.keys()].find((id) => !before.has(id))
}

const ops = {
  say: (cmd) => emit({ event: 'said', id: say(cmd) }),
  image: (cmd) => emit({ event: 'said', id: say({ ...cmd, text: FileBox.fromBase64('aGk=', 'photo.jpg') }) }),
  repeat: ({ id }) => { puppet.emit('message', { messageId: id }); emit({ event: 'repeated', id }) },
}

const config = gatewayConfig()
await serve(puppet, config)
// The mocker starts on the next tick after the puppet; wait for the login before saying "ready".
while (!puppet.isLoggedIn) await new Promise((resolve) => setTimeout(resolve, 20))
emit({ event: 'ready', port: config.port })

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return
  try {
    const cmd = JSON.parse(line)
    const op = ops[cmd.op]
    if (!op) throw new Error(`unknown op ${cmd.op}`)
    op(cmd)
  } catch (e) {
    emit({ event: 'error', message: String(e?.message || e) })
  }
}).on('close', () => process.kill(process.pid, 'SIGTERM'))
