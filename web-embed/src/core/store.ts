// Client state and the pure rules that change it: unread math, the merge of replayed and
// live events, history pages, optimistic sends. No I/O here, so Vitest can pin every rule;
// the Vue layer wraps the same object in reactive() and the rules mutate it in place.

import type {
  ChatEvent,
  ConnectionStatus,
  Conversation,
  Friend,
  FriendRequest,
  GroupDetails,
  GroupMember,
  GroupRole,
  Message,
  MessageList,
  PendingMessage,
  User,
} from './types'

export const TYPING_VISIBLE_MS = 5000

/** Why I can no longer write in a group: removed, left, dissolved, or just no longer in it. */
export type GroupEnd = 'removed' | 'left' | 'dissolved' | 'gone'

/** What the client knows of a group I am (or was) in. */
export interface GroupState {
  id: string
  conversationId: string | null
  name: string
  memberCount: number
  /** My role; null until the group is loaded, and after I am out of it. */
  myRole: GroupRole | null
  /** Loaded when the group's chat is opened. */
  members: GroupMember[] | null
  ended: GroupEnd | null
}

type GroupEventOf = Extract<ChatEvent, { __typename: 'GroupEvent' }>

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
  /** Groups by id: roles, members, and whether I am still in them. */
  groups: Record<string, GroupState>
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
    groups: {},
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

/** A message left unread until read: someone else's, and not a SYSTEM notice. */
export function countsAsUnread(message: Message, meId: string | undefined): boolean {
  return message.type !== 'SYSTEM' && message.sender.id !== meId
}

export function mentionsMe(message: Message, meId: string | undefined): boolean {
  if (message.sender.id === meId || message.type === 'SYSTEM') return false
  return message.mentionAll === true || (meId !== undefined && (message.mentions ?? []).includes(meId))
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
  notePeerRead(state, incoming)
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
    next.unreadMentions = 0
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
    notePeerRead(state, c)
    if (isViewing(state, c.id)) {
      fresh[c.id]!.unreadCount = 0
      fresh[c.id]!.unreadMentions = 0
    }
  }
}

/** A direct conversation's summary says how far the other person has read (also after a reload). */
function notePeerRead(state: ChatState, c: Conversation): void {
  const seq = c.peerLastReadSeq ?? 0
  if (seq > (state.peerReadSeq[c.id] ?? 0)) state.peerReadSeq[c.id] = seq
}

/** Locally mark a conversation read up to a seq (the client also tells the server). */
export function markReadLocally(state: ChatState, conversationId: string, upToSeq: number): void {
  const c = state.conversations[conversationId]
  if (!c) return
  if (upToSeq > c.lastReadSeq) c.lastReadSeq = upToSeq
  if (c.lastReadSeq >= lastSeq(c)) {
    c.unreadCount = 0
    c.unreadMentions = 0
    return
  }
  const counted = countUnreadLoaded(state, c)
  if (counted) {
    c.unreadCount = counted.unread
    c.unreadMentions = counted.mentions
  }
}

/** Unread messages counted from the loaded history, when it covers the whole unread range. */
function countUnreadLoaded(
  state: ChatState,
  c: Conversation,
): { unread: number; mentions: number } | null {
  const list = state.messages[c.id]
  if (!list?.loaded || list.items.length === 0) return null
  if (list.items[0]!.seq > c.lastReadSeq + 1 && list.hasMoreBefore) return null
  const me = state.me?.id
  const unread = list.items.filter((m) => m.seq > c.lastReadSeq && countsAsUnread(m, me))
  return { unread: unread.length, mentions: unread.filter((m) => mentionsMe(m, me)).length }
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
  for (const m of incoming) {
    // A copy from a replay or a page read earlier must not lower a read count seen since.
    const seen = byId.get(m.id)?.readCount
    byId.set(m.id, typeof seen === 'number' && seen > (m.readCount ?? -1) ? { ...m, readCount: seen } : m)
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq)
}

/** Fresh read counts of my messages (a refetch of the visible page); exact, so they may fall. */
export function applyReadCounts(
  state: ChatState,
  conversationId: string,
  counts: { id: string; readCount?: number | null }[],
): void {
  const list = state.messages[conversationId]
  if (!list) return
  const byId = new Map(counts.map((c) => [c.id, c.readCount]))
  for (const m of list.items) {
    const n = byId.get(m.id)
    if (typeof n === 'number' && m.readCount !== n) m.readCount = n
  }
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
    } else if (
      countsAsUnread(message, state.me?.id) &&
      message.seq > c.lastReadSeq &&
      !isViewing(state, c.id)
    ) {
      // SYSTEM notices ("Ann added Bob") are news, not unread: the server does not count them.
      c.unreadCount += 1
      if (mentionsMe(message, state.me?.id)) c.unreadMentions = (c.unreadMentions ?? 0) + 1
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
  | 'refetch-group'
  | 'refresh-read-counts'
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
      if (event.userId === state.me?.id) {
        markReadLocally(state, event.conversationId, event.upToSeq)
        return 'none'
      }
      {
        const seen = state.peerReadSeq[event.conversationId] ?? 0
        state.peerReadSeq[event.conversationId] = Math.max(seen, event.upToSeq)
      }
      // In a group, my messages' "Read by N" moves: the client refetches the counts.
      return state.conversations[event.conversationId]?.kind === 'GROUP' ? 'refresh-read-counts' : 'none'
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
    case 'GroupEvent':
      return applyGroupEvent(state, event)
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

// ---- groups ----

export function conversationOfGroup(state: ChatState, groupId: string): Conversation | undefined {
  const known = state.groups[groupId]?.conversationId
  if (known && state.conversations[known]) return state.conversations[known]
  return Object.values(state.conversations).find((c) => c.group?.id === groupId)
}

/** The group id of a conversation, from its summary or a loaded group; null for a direct chat. */
export function groupIdOf(state: ChatState, conversationId: string): string | null {
  const id = state.conversations[conversationId]?.group?.id
  if (id) return id
  return Object.values(state.groups).find((g) => g.conversationId === conversationId)?.id ?? null
}

/** The loaded group of a conversation (no side effects: safe in a computed). */
export function groupOfConversation(state: ChatState, conversationId: string): GroupState | null {
  const id = groupIdOf(state, conversationId)
  return id ? (state.groups[id] ?? null) : null
}

export function ensureGroup(state: ChatState, groupId: string): GroupState {
  if (!state.groups[groupId]) {
    const c = conversationOfGroup(state, groupId)
    state.groups[groupId] = {
      id: groupId,
      conversationId: c?.id ?? null,
      name: c?.group?.name ?? 'Group',
      memberCount: c?.group?.memberCount ?? 0,
      myRole: null,
      members: null,
      ended: null,
    }
  }
  // Read back through the state, so that a reactive state hands out its proxy.
  return state.groups[groupId]!
}

/** A fresh `group(id)`; null means I am not in the group (any more). */
export function applyGroupDetails(
  state: ChatState,
  groupId: string,
  details: GroupDetails | null,
  members: GroupMember[] = details?.members.edges.map((e) => e.node) ?? [],
): void {
  const group = ensureGroup(state, groupId)
  if (!details) {
    group.myRole = null
    group.ended ??= 'gone'
    return
  }
  group.name = details.name
  group.memberCount = details.memberCount
  group.conversationId = details.conversationId
  group.myRole = details.myRole
  group.members = members
  group.ended = details.dissolved ? 'dissolved' : null
  const c = state.conversations[details.conversationId]
  if (c) {
    c.group = { id: details.id, name: details.name, avatarUrl: details.avatarUrl ?? null, memberCount: details.memberCount }
  }
}

/**
 * A membership change. The event names people by id only, so the client applies what it
 * can (who left, who was removed, that the group ended, a new name) and refetches the
 * group when its members are on screen.
 */
export function applyGroupEvent(state: ChatState, event: GroupEventOf): EventEffect {
  const me = state.me?.id
  const aboutMe = me !== undefined && event.userIds.includes(me)
  const conversation = conversationOfGroup(state, event.groupId)
  if (event.group && conversation) conversation.group = { ...event.group }
  const group = state.groups[event.groupId]
  if (group && event.group) {
    group.name = event.group.name
    group.memberCount = event.group.memberCount
  }
  const loaded = group?.members != null
  switch (event.change) {
    case 'MEMBER_LEFT':
    case 'MEMBER_REMOVED': {
      if (aboutMe) {
        const mine = ensureGroup(state, event.groupId)
        mine.ended = event.change === 'MEMBER_LEFT' ? 'left' : 'removed'
        mine.myRole = null
        return 'none'
      }
      if (group?.members) {
        group.members = group.members.filter((m) => !event.userIds.includes(m.user.id))
      }
      return loaded ? 'refetch-group' : 'none'
    }
    case 'DISSOLVED': {
      const mine = ensureGroup(state, event.groupId)
      mine.ended = 'dissolved'
      return 'none'
    }
    case 'CREATED':
    case 'MEMBERS_ADDED':
      if (!conversation) return 'refetch-conversations'
      if (aboutMe && group) return 'refetch-group'
      return loaded ? 'refetch-group' : 'none'
    case 'OWNER_CHANGED':
      if (group?.members) {
        for (const m of group.members) {
          if (event.userIds.includes(m.user.id)) m.role = 'OWNER'
          else if (m.user.id === event.actorId) m.role = 'ADMIN'
        }
      }
      if (group && aboutMe) group.myRole = 'OWNER'
      else if (group && event.actorId === me) group.myRole = 'ADMIN'
      return group ? 'refetch-group' : 'none'
    case 'ROLE_CHANGED':
    case 'UPDATED':
      return group ? 'refetch-group' : 'none'
  }
}

/** What my role lets me do with the group as a whole (the server checks again). */
export interface GroupPermissions {
  send: boolean
  invite: boolean
  leave: boolean
  rename: boolean
  dissolve: boolean
  mentionAll: boolean
}

export function groupPermissions(group: Pick<GroupState, 'myRole' | 'ended'> | null): GroupPermissions {
  const role = group && !group.ended ? group.myRole : null
  const manager = role === 'OWNER' || role === 'ADMIN'
  return {
    send: group !== null && !group.ended,
    invite: role !== null,
    leave: role === 'ADMIN' || role === 'MEMBER',
    rename: manager,
    dissolve: role === 'OWNER',
    mentionAll: manager,
  }
}

/** What my role lets me do to one member: owners act on anyone else, admins remove plain members. */
export interface MemberActions {
  remove: boolean
  makeAdmin: boolean
  makeMember: boolean
  transfer: boolean
}

export function memberActions(
  myRole: GroupRole | null,
  meId: string | undefined,
  member: GroupMember,
): MemberActions {
  const none = { remove: false, makeAdmin: false, makeMember: false, transfer: false }
  if (member.user.id === meId || myRole === null || myRole === 'MEMBER') return none
  if (myRole === 'ADMIN') return { ...none, remove: member.role === 'MEMBER' }
  return {
    remove: member.role !== 'OWNER',
    makeAdmin: member.role === 'MEMBER',
    makeMember: member.role === 'ADMIN',
    transfer: member.role !== 'OWNER',
  }
}
