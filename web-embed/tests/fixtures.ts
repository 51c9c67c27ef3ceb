import type { ChatEvent, Conversation, Message, User } from '../src/core/types'

export const ME: User = { id: 'me', username: 'ann', displayName: 'Ann' }
export const BOB: User = { id: 'bob', username: 'bob', displayName: 'Bob' }

export function message(seq: number, from: User = BOB, conversationId = 'c1'): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversationId,
    seq,
    sender: from,
    type: 'TEXT',
    content: `message ${seq}`,
    clientId: `client-${conversationId}-${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
  }
}

export function conversation(id: string, lastSeq: number, unread: number, lastReadSeq = lastSeq - unread): Conversation {
  return {
    id,
    kind: 'DIRECT',
    peer: BOB,
    lastMessage: lastSeq > 0 ? message(lastSeq, BOB, id) : null,
    unreadCount: unread,
    lastReadSeq,
    updatedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, lastSeq)).toISOString(),
  }
}

export function messageEvent(eventSeq: number, m: Message): ChatEvent {
  return { __typename: 'MessageEvent', eventSeq, message: m }
}

export function updatedEvent(eventSeq: number, c: Conversation, totalUnread = c.unreadCount): ChatEvent {
  return { __typename: 'ConversationUpdatedEvent', eventSeq, conversation: c, totalUnread }
}
