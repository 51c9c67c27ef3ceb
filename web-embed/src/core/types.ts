// Shapes of the imchat GraphQL API (schema.graphql), as the client selects them.

export interface User {
  id: string
  username: string
  displayName: string
  avatarUrl?: string | null
}

export type MessageType = 'TEXT' | 'IMAGE' | 'FILE' | 'SYSTEM'

export interface Message {
  id: string
  conversationId: string
  seq: number
  sender: User
  type: MessageType
  content: string | null
  clientId: string
  createdAt: string
  /** Ids of the members this message mentions (groups). */
  mentions?: string[]
  mentionAll?: boolean
  /** My own messages: how many other members have read up to it; null for others'. */
  readCount?: number | null
}

/** What anyone may see of a group. */
export interface GroupSummary {
  id: string
  name: string
  avatarUrl?: string | null
  memberCount: number
}

export interface Conversation {
  id: string
  kind: 'DIRECT' | 'GROUP'
  peer: User | null
  group?: GroupSummary | null
  lastMessage: Message | null
  unreadCount: number
  /** Unread messages that mention me (or @all). */
  unreadMentions?: number
  lastReadSeq: number
  /** Direct conversations: how far the other person has read. */
  peerLastReadSeq?: number
  updatedAt: string
}

export type GroupRole = 'OWNER' | 'ADMIN' | 'MEMBER'

export interface GroupMember {
  role: GroupRole
  user: User
}

/** A group I am in, as `group(id)` returns it. */
export interface GroupDetails extends GroupSummary {
  conversationId: string
  myRole: GroupRole
  dissolved: boolean
  members: { edges: { cursor: string; node: GroupMember }[]; hasNextPage: boolean }
}

export type GroupChange =
  | 'CREATED'
  | 'MEMBERS_ADDED'
  | 'MEMBER_LEFT'
  | 'MEMBER_REMOVED'
  | 'ROLE_CHANGED'
  | 'OWNER_CHANGED'
  | 'UPDATED'
  | 'DISSOLVED'

export interface Friend {
  user: User
  since: string
  conversationId: string
  online?: boolean
}

export type RequestStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED'

export interface FriendRequest {
  id: string
  /** FRIEND, or GROUP: an invitation into a group or a request to join one. */
  kind?: 'FRIEND' | 'GROUP'
  /** GROUP kind: an invitation the addressee answers (else a join request). */
  invitation?: boolean
  group?: GroupSummary | null
  status: RequestStatus
  note: string | null
  createdAt: string
  from: User
  to: User
}

export interface PageInfo {
  hasNextPage: boolean
  hasPreviousPage: boolean
  startCursor: string | null
  endCursor: string | null
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[]
  pageInfo: PageInfo
}

export interface AuthPayload {
  accessToken: string
  refreshToken: string
  user: User
}

export type ChatEvent =
  | { __typename: 'MessageEvent'; eventSeq: number; message: Message }
  | {
      __typename: 'ReadReceiptEvent'
      eventSeq: number
      conversationId: string
      userId: string
      upToSeq: number
    }
  | { __typename: 'FriendRequestEvent'; eventSeq: number; request: FriendRequest }
  | { __typename: 'TypingEvent'; conversationId: string; userId: string }
  | { __typename: 'PresenceEvent'; userId: string; online: boolean; devices: string[] }
  | {
      __typename: 'ConversationUpdatedEvent'
      eventSeq: number
      conversation: Conversation
      totalUnread: number
    }
  | {
      __typename: 'GroupEvent'
      eventSeq: number
      groupId: string
      change: GroupChange
      actorId: string
      userIds: string[]
      group?: GroupSummary | null
    }
  | { __typename: 'ResyncRequiredEvent'; latestEventSeq: number }

export type SendStatus = 'sending' | 'failed'

/** A message typed here and not yet confirmed by the server. */
export interface PendingMessage {
  clientId: string
  conversationId: string
  content: string
  createdAt: string
  status: SendStatus
  error: string | null
  mentions?: string[]
  mentionAll?: boolean
}

export interface MessageList {
  /** Confirmed messages, ascending by seq, each id once. */
  items: Message[]
  /** Whether the newest page has been fetched; live messages are kept only after that. */
  loaded: boolean
  hasMoreBefore: boolean
  startCursor: string | null
  loadingOlder: boolean
}

export type ConnectionStatus = 'idle' | 'connecting' | 'online' | 'offline'
