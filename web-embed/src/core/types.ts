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
}

export interface Conversation {
  id: string
  kind: 'DIRECT' | 'GROUP'
  peer: User | null
  lastMessage: Message | null
  unreadCount: number
  lastReadSeq: number
  updatedAt: string
}

export interface Friend {
  user: User
  since: string
  conversationId: string
  online?: boolean
}

export type RequestStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED'

export interface FriendRequest {
  id: string
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
