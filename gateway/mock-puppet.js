// PuppetMock keeps nothing of what the bot sends but the text: the stock messageSendText drops
// mentionIdList and returns no message id. This subclass stores the mentions (so tests can assert
// on real @-mentions) and returns the id, as a real puppet does.
// It also knows room aliases (the name a member set in one group), which the stock mock leaves out:
// `new MentionPuppetMock({ mocker, roomAliases: { [roomId]: { [contactId]: alias } } })`.
import { randomUUID } from 'node:crypto'
import * as PUPPET from 'wechaty-puppet'
import { PuppetMock } from 'wechaty-puppet-mock'

export class MentionPuppetMock extends PuppetMock {
  constructor ({ roomAliases = {}, ...options } = {}) {
    super(options)
    this.roomAliases = roomAliases || {}
  }

  // As the parent's, plus roomAlias: the alias from `roomAliases`, or '' (as for a member without one).
  async roomMemberRawPayload (roomId, contactId) {
    const contact = await this.contactPayload(contactId)
    return {
      avatar: contact.avatar,
      id: contactId,
      name: contact.name,
      roomAlias: this.roomAliases[roomId]?.[contactId] || '',
    }
  }

  async messageSendText (conversationId, text, mentionIdList = []) {
    if (!this.isLoggedIn) throw new Error('not logged in')
    const isRoom = conversationId.includes('@')
    const payload = {
      id: randomUUID(),
      talkerId: this.currentUserId,
      timestamp: Date.now(),
      type: PUPPET.types.Message.Text,
      text,
      ...(isRoom
        ? { roomId: conversationId, mentionIdList: [...(mentionIdList || [])] }
        : { listenerId: conversationId }),
    }
    // Loading checks the conversation exists, as a real puppet would refuse an unknown one.
    if (isRoom) this.mocker.RoomMock.load(conversationId)
    else this.mocker.ContactMock.load(conversationId)
    this.mocker.MessageMock.create(payload)
    this.emit('message', { messageId: payload.id })
    return payload.id
  }
}
