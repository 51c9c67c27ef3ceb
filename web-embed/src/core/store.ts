// Client state and the pure rules that change it: unread math, the merge of replayed and
// live events, history pages, optimistic sends. No I/O here, so Vitest can pin every rule;
// the Vue layer wraps the same object in reactive() and the rules mutate it in place.

import type {
  ChatEvent,
  ConnectionStatus,
  Conversation,
  Friend,
  FriendRequest,
  Message,
  MessageList,
  PendingMessage,
  User,
} from './types'

export const TYPING_VISIBLE_MS = 5000

export interface ChatState {
  me: User | null
  /** The last eventSeq applied; null until the stream has told us one. */
  lastEventSeq: number | null
  conversations: Record<string, Conversation>
  messages: Record<string, MessageList>
  pending: Record<string, PendingMessage[]>
  /** Highest seq each conversation's other member has read (from read receipts). */
  peerReadSeq: Record<string, number>
  /** conversationId → userId → when the typing hint expires (ms since epoch). */
  typing: Record<string, Record<string, number>>
  presence: Record<string, boolean>
  friends: Friend[]
  incoming: FriendRequest[]
  outgoing: FriendRequest[]
  activeConversationId: string | null
  /** Whether the user can see the active conversation (tab visible, chat pane shown). */
  viewing: boolean
  connection: ConnectionStatus
  ready: boolean
}

export function createState(): ChatState {
  return {
    me: null,
    lastEventSeq: null,
    conversations: {},
    messages: {},
    pending: {},
    peerReadSeq: {},
    typing: {},
    presence: {},
    friends: [],
    incoming: [],
    outgoing: [],
    activeConversationId: null,
    viewing: false,
    connection: 'idle',
    ready: false,
  }
}

// ---- unread math ----

export function totalUnread(state: ChatState): number {
  let total = 0
  for (const conversation of Object.values(state.conversations)) total += conversation.unreadCount
  return total
}

export function unreadByConversation(state: ChatState): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of Object.values(state.conversations)) if (c.unreadCount > 0) counts[c.id] = c.unreadCount
  return counts
}

export function isViewing(state: ChatState, conversationId: string): boolean {
  return state.viewing && state.activeConversationId === conversationId
}

const lastSeq = (c: Conversation | undefined): number => c?.lastMessage?.seq ?? 0

/** Newest first; conversations without messages sort by their own update time. */
export function sortedConversations(state: ChatState): Conversation[] {
  return Object.values(state.conversations).sort((a, b) => {
    const at = a.lastMessage?.createdAt ?? a.updatedAt
    const bt = b.lastMessage?.createdAt ?? b.updatedAt
    return bt.localeCompare(at) || b.id.localeCompare(a.id)
  })
}

/**
 * Accept a server summary of a conversation unless ours is newer. A summary carries
 * absolute counts, so it is safe to apply twice; but one read before a later event (a
 * snapshot racing the stream, or a replayed update) must not roll the state back. Newer
 * means: a later last message, or the same one with a later read mark.
 */
export function applyConversation(state: ChatState, incoming: Conversation): boolean {
  const current = state.conversations[incoming.id]
  if (current) {
    const a = lastSeq(incoming)
    const b = lastSeq(current)
    if (a < b || (a === b && incoming.lastReadSeq < current.lastReadSeq)) return false
  }
  const next = { ...incoming }
  if (isViewing(state, incoming.id)) {
    // The open chat is being read right now; the client marks it read on the server.
    next.unreadCount = 0
  }
  state.conversations[incoming.id] = next
  return true
}

/** Replace every summary with a fresh snapshot (first load or resync). */
export function replaceConversations(state: ChatState, list: Conversation[]): void {
  const fresh: Record<string, Conversation> = {}
  for (const c of list) fresh[c.id] = { ...c }
  state.conversations = fresh
  for (const c of list) {
    if (isViewing(state, c.id)) fresh[c.id]!.unreadCount = 0
  }
}

/** Locally mark a conversation read up to a seq (the client also tells the server). */
export function markReadLocally(state: ChatState, conversationId: string, upToSeq: number): void {
  const c = state.conversations[conversationId]
  if (!c) return
  if (upToSeq > c.lastReadSeq) c.lastReadSeq = upToSeq
  if (c.lastReadSeq >= lastSeq(c)) c.unreadCount = 0
  else c.unreadCount = countUnreadLoaded(state, c) ?? c.unreadCount
}

/** Unread messages counted from the loaded history, when it covers the whole unread range. */
function countUnreadLoaded(state: ChatState, c: Conversation): number | null {
  const list = state.messages[c.id]
  if (!list?.loaded || list.items.length === 0) return null
  if (list.items[0]!.seq > c.lastReadSeq + 1 && list.hasMoreBefore) return null
  const me = state.me?.id
  return list.items.filter((m) => m.seq > c.lastReadSeq && m.sender.id !== me).length
}

// ---- messages and history ----

export function emptyList(): MessageList {
  return { items: [], loaded: false, hasMoreBefore: false, startCursor: null, loadingOlder: false }
}

export function listFor(state: ChatState, conversationId: string): MessageList {
  let list = state.messages[conversationId]
  if (!list) {
    list = emptyList()
    state.messages[conversationId] = list
  }
  return list
}

/** Insert messages into a list kept ascending by seq, each id once. */
export function mergeMessages(items: Message[], incoming: Message[]): Message[] {
  const byId = new Map<string, Message>()
  for (const m of items) byId.set(m.id, m)
  for (const m of incoming) byId.set(m.id, m)
  return [...byId.values()].sort((a, b) => a.seq - b.seq)
}

/**
 * Add a page of history. `newest` is the first page (no cursor): it marks the list loaded
 * and keeps whatever live messages arrived while it was in flight.
 */
export function applyHistoryPage(
  state: ChatState,
  conversationId: string,
  page: Message[],
  older: { hasMoreBefore: boolean; startCursor: string | null },
  newest: boolean,
): void {
  const list = listFor(state, conversationId)
  list.items = mergeMessages(list.items, page)
  // A refetch of the newest page keeps the paging position of older pages already shown.
  if (!newest || list.startCursor === null) {
    if (page.length > 0) list.startCursor = older.startCursor
    list.hasMoreBefore = page.length > 0 && older.hasMoreBefore
  }
  if (newest) list.loaded = true
  settlePendingFrom(state, page)
}

function settlePendingFrom(state: ChatState, messages: Message[]): void {
  for (const m of messages) {
    const pending = state.pending[m.conversationId]
    if (!pending) continue
    const index = pending.findIndex((p) => p.clientId === m.clientId)
    if (index >= 0 && m.sender.id === state.me?.id) pending.splice(index, 1)
  }
}

/**
 * A message from the stream, the send response or a replay. Applying the same message
 * twice changes nothing: the list is keyed by id and the unread count only moves for a
 * message newer than the conversation's last one.
 * Returns false when the conversation is unknown (the caller refetches the list).
 */
export function applyMessage(state: ChatState, message: Message): boolean {
  const list = state.messages[message.conversationId]
  // A list that was never loaded stays empty: its newest page is fetched on open, and a
  // lone live message in it would hide the gap before it.
  if (list?.loaded) list.items = mergeMessages(list.items, [message])
  settlePendingFrom(state, [message])
  const typing = state.typing[message.conversationId]
  if (typing) delete typing[message.sender.id]

  const c = state.conversations[message.conversationId]
  if (!c) return false
  if (message.seq > lastSeq(c)) {
    const mine = message.sender.id === state.me?.id
    c.lastMessage = message
    if (message.createdAt > c.updatedAt) c.updatedAt = message.createdAt
    if (mine) {
      // Writing in a conversation means having read it.
      c.lastReadSeq = Math.max(c.lastReadSeq, message.seq)
      c.unreadCount = 0
    } else if (message.seq > c.lastReadSeq && !isViewing(state, c.id)) {
      c.unreadCount += 1
    }
  }
  return true
}

// ---- optimistic sends ----

export function addPending(state: ChatState, pending: PendingMessage): void {
  const list = state.pending[pending.conversationId] ?? []
  list.push(pending)
  state.pending[pending.conversationId] = list
}

export function findPending(state: ChatState, clientId: string): PendingMessage | undefined {
  for (const list of Object.values(state.pending)) {
    const found = list.find((p) => p.clientId === clientId)
    if (found) return found
  }
  return undefined
}

/** The server stored the message: the pending copy gives way to the real one. */
export function ackPending(state: ChatState, message: Message): void {
  applyMessage(state, message)
  const list = state.pending[message.conversationId]
  if (list) {
    const index = list.findIndex((p) => p.clientId === message.clientId)
    if (index >= 0) list.splice(index, 1)
  }
}

export function failPending(state: ChatState, clientId: string, error: string): void {
  const pending = findPending(state, clientId)
  if (pending) {
    pending.status = 'failed'
    pending.error = error
  }
}

export function failedSends(state: ChatState): PendingMessage[] {
  return Object.values(state.pending).flatMap((list) => list.filter((p) => p.status === 'failed'))
}

// ---- the event stream ----

export type EventEffect =
  | 'none'
  | 'refetch-conversations'
  | 'refetch-contacts'
  | 'resync'
  | 'duplicate'

/**
 * Apply one event from `events(since:)`. Events with an eventSeq are applied once, in
 * order: the replay after a reconnect and the live stream may overlap at the seam, and
 * anything at or below the last applied seq is a duplicate. Returns what the client
 * must still fetch.
 */
export function applyEvent(state: ChatState, event: ChatEvent, now = Date.now()): EventEffect {
  if ('eventSeq' in event) {
    if (state.lastEventSeq !== null && event.eventSeq <= state.lastEventSeq) return 'duplicate'
    state.lastEventSeq = event.eventSeq
  }
  switch (event.__typename) {
    case 'MessageEvent':
      return applyMessage(state, event.message) ? 'none' : 'refetch-conversations'
    case 'ConversationUpdatedEvent':
      applyConversation(state, event.conversation)
      return 'none'
    case 'ReadReceiptEvent':
      if (event.userId === state.me?.id) markReadLocally(state, event.conversationId, event.upToSeq)
      else {
        const seen = state.peerReadSeq[event.conversationId] ?? 0
        state.peerReadSeq[event.conversationId] = Math.max(seen, event.upToSeq)
      }
      return 'none'
    case 'TypingEvent': {
      if (event.userId === state.me?.id) return 'none'
      const typing = state.typing[event.conversationId] ?? {}
      typing[event.userId] = now + TYPING_VISIBLE_MS
      state.typing[event.conversationId] = typing
      return 'none'
    }
    case 'PresenceEvent':
      state.presence[event.userId] = event.online
      return 'none'
    case 'FriendRequestEvent':
      return 'refetch-contacts'
    case 'ResyncRequiredEvent':
      state.lastEventSeq = event.latestEventSeq
      return 'resync'
  }
}

/** Who is typing in a conversation now (expired hints are dropped). */
export function typingUsers(state: ChatState, conversationId: string, now = Date.now()): string[] {
  const typing = state.typing[conversationId]
  if (!typing) return []
  return Object.entries(typing)
    .filter(([, until]) => until > now)
    .map(([userId]) => userId)
}

export function isOnline(state: ChatState, userId: string): boolean {
  if (userId in state.presence) return state.presence[userId] === true
  return state.friends.find((f) => f.user.id === userId)?.online === true
}

export function setFriends(state: ChatState, friends: Friend[]): void {
  state.friends = friends
  // A fresh list is newer than presence seen before it.
  for (const f of friends) if (f.online !== undefined) state.presence[f.user.id] = f.online
}
