import type { ChatEvent, Conversation, GroupChange, GroupDetails, GroupMember, Message, User } from '../src/core/types'

export const ME: User = { id: 'me', username: 'ann', displayName: 'Ann' }
export const BOB: User = { id: 'bob', username: 'bob', displayName: 'Bob' }
export const CAROL: User = { id: 'carol', username: 'carol', displayName: 'Carol Stone' }

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

/** A group conversation "g1" of group "G1" (Ann, Bob, Carol). */
export function groupConversation(id = 'g1', lastSeq = 1, unread = 0, groupId = 'G1'): Conversation {
  return {
    ...conversation(id, lastSeq, unread),
    kind: 'GROUP',
    peer: null,
    group: { id: groupId, name: 'Hikers', memberCount: 3 },
    unreadMentions: 0,
  }
}

export function systemMessage(seq: number, text: string, conversationId = 'g1', from: User = BOB): Message {
  return { ...message(seq, from, conversationId), type: 'SYSTEM', content: text, clientId: `system:${seq}` }
}

export function groupEvent(
  eventSeq: number,
  change: GroupChange,
  userIds: string[],
  actorId = BOB.id,
  groupId = 'G1',
): ChatEvent {
  return { __typename: 'GroupEvent', eventSeq, groupId, change, actorId, userIds }
}

export function groupDetails(
  members: GroupMember[],
  myRole: GroupMember['role'] = 'MEMBER',
  extra: Partial<GroupDetails> = {},
): GroupDetails {
  return {
    id: 'G1',
    name: 'Hikers',
    memberCount: members.length,
    conversationId: 'g1',
    myRole,
    dissolved: false,
    members: { hasNextPage: false, edges: members.map((node) => ({ cursor: node.user.id, node })) },
    ...extra,
  }
}
