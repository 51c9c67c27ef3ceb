// The chat client: loads state, keeps one event stream open, resumes it with
// `events(since:)` after any drop, and runs the user's actions (send, read, typing, friends,
// groups).

import * as ops from './operations'
import {
  ackPending,
  addPending,
  applyConversation,
  applyEvent,
  applyGroupDetails,
  applyHistoryPage,
  applyReadCounts,
  createState,
  ensureGroup,
  failPending,
  failedSends,
  findPending,
  groupIdOf,
  isViewing,
  listFor,
  markReadLocally,
  replaceConversations,
  setFriends,
  type ChatState,
} from './store'
import {
  GraphQLRequestError,
  NetworkError,
  isUnauthenticatedClose,
  type Stream,
  type Transport,
} from './transport'
import type {
  ChatEvent,
  Connection,
  Conversation,
  Friend,
  FriendRequest,
  GroupDetails,
  GroupMember,
  GroupRole,
  GroupSummary,
  Message,
  PendingMessage,
  User,
} from './types'

export const PAGE_SIZE = 30
const MAX_CONVERSATION_PAGES = 20
const TYPING_THROTTLE_MS = 3000
const MARK_READ_DELAY_MS = 150
const DEFAULT_RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000]
/** Read receipts in a group come in bursts: the first refetch of read counts waits this long… */
const READ_COUNT_DELAY_MS = 250
/** …and later ones come at most this often. */
const READ_COUNT_THROTTLE_MS = 1000
const MAX_MEMBER_PAGES = 20

/** Who a message mentions (groups). */
export interface MentionInput {
  mentions: string[]
  mentionAll: boolean
}

export interface ChatClientOptions {
  transport: Transport
  /** Pass a reactive() object to drive a UI; a plain one works for headless use. */
  state?: ChatState
  newClientId?: () => string
  now?: () => number
  reconnectDelaysMs?: number[]
  /** The server refused the token and no fresh one could be had. */
  onAuthRequired?: () => void
}

export function newClientId(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  // randomUUID needs a secure context; a LAN address over http is not one.
  const bytes = new Uint8Array(16)
  c.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function describeError(error: unknown): string {
  if (error instanceof GraphQLRequestError || error instanceof NetworkError) return error.message
  return 'Something went wrong'
}

export class ChatClient {
  readonly state: ChatState
  private readonly transport: Transport
  private readonly options: ChatClientOptions
  private stream: Stream | null = null
  private buffering = true
  private buffer: ChatEvent[] = []
  private stopped = true
  private attempts = 0
  private everConnected = false
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private markReadTimer: ReturnType<typeof setTimeout> | undefined
  private readonly typingSentAt: Record<string, number> = {}
  private refetching: Promise<void> | null = null
  private readonly groupLoads = new Map<string, { promise: Promise<void>; stale: boolean }>()
  private readonly readCounts = new Map<
    string,
    { timer: ReturnType<typeof setTimeout>; again: boolean }
  >()

  constructor(options: ChatClientOptions) {
    this.options = options
    this.transport = options.transport
    this.state = options.state ?? createState()
  }

  private get now(): number {
    return (this.options.now ?? Date.now)()
  }

  // ---- life cycle ----

  /**
   * Load the lists and open the stream. A fresh client reads `latestEventSeq` before the
   * snapshot and subscribes with `events(since:)` from there, so nothing between the two is
   * lost and a first reconnect needs no reload. A client that already has a position opens
   * the stream at once; events that arrive during the reload wait for it.
   */
  async start(): Promise<void> {
    if (!this.stopped) return
    this.stopped = false
    this.buffering = true
    this.state.connection = 'connecting'
    if (this.state.lastEventSeq !== null) this.openStream()
    try {
      await this.loadAll()
    } finally {
      this.flush()
    }
    if (!this.stopped && !this.stream) this.openStream()
    this.state.ready = true
    this.maybeMarkRead()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.reconnectTimer)
    clearTimeout(this.markReadTimer)
    for (const { timer } of this.readCounts.values()) clearTimeout(timer)
    this.readCounts.clear()
    this.stream?.close()
    this.stream = null
    this.state.connection = 'idle'
  }

  /** The network went away (browser `offline`): stop trusting the socket at once. */
  dropConnection(): void {
    if (this.stopped || !this.stream) return
    this.stream.close()
    this.stream = null
    this.state.connection = 'offline'
    this.scheduleReconnect(0)
  }

  /** The network is back (browser `online`): reconnect now instead of after the backoff. */
  reconnectNow(): void {
    if (this.stopped || this.stream) return
    clearTimeout(this.reconnectTimer)
    this.openStream()
  }

  private openStream(): void {
    this.state.connection = 'connecting'
    const since = this.state.lastEventSeq
    this.stream = this.transport.stream<{ events: ChatEvent }>(
      ops.EVENTS,
      { since },
      {
        connected: () => {
          this.state.connection = 'online'
          this.attempts = 0
          if (this.everConnected) void this.afterReconnect(since === null)
          this.everConnected = true
        },
        next: (data) => this.receive(data.events),
        lost: ({ closeCode }) => void this.onLost(closeCode),
      },
    )
  }

  private async onLost(closeCode: number | undefined): Promise<void> {
    this.stream = null
    if (this.stopped) return
    this.state.connection = 'offline'
    if (isUnauthenticatedClose(closeCode)) {
      const refreshed = await this.refreshAuth()
      if (!refreshed) {
        this.options.onAuthRequired?.()
        return
      }
    }
    this.scheduleReconnect()
  }

  private async refreshAuth(): Promise<boolean> {
    // The transport knows how to get a fresh token; asking it through a cheap query
    // also tells whether the current one still works.
    try {
      await this.transport.request<{ me: User }>(ops.ME)
      return true
    } catch {
      return false
    }
  }

  private scheduleReconnect(delayMs?: number): void {
    clearTimeout(this.reconnectTimer)
    const delays = this.options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS
    const delay = delayMs ?? delays[Math.min(this.attempts, delays.length - 1)] ?? 1000
    this.attempts += 1
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped && !this.stream) this.openStream()
    }, delay)
  }

  private async afterReconnect(mayHaveMissedEvents: boolean): Promise<void> {
    // With a known eventSeq the stream replays whatever was missed; without one, the
    // only way to be whole again is to reload what is shown.
    if (mayHaveMissedEvents) await this.resync()
    for (const pending of failedSends(this.state)) void this.deliver(pending)
  }

  // ---- events ----

  private receive(event: ChatEvent): void {
    if (this.buffering) this.buffer.push(event)
    else this.handle(event)
  }

  private flush(): void {
    this.buffering = false
    const queued = this.buffer
    this.buffer = []
    for (const event of queued) this.handle(event)
  }

  private handle(event: ChatEvent): void {
    const effect = applyEvent(this.state, event, this.now)
    if (event.__typename === 'GroupEvent') {
      // A load of this group already under way may predate the change: it is redone.
      const loading = this.groupLoads.get(event.groupId)
      if (loading) loading.stale = true
      if (effect === 'refetch-group') void this.loadGroup(event.groupId).catch(() => undefined)
    }
    if (effect === 'refresh-read-counts' && event.__typename === 'ReadReceiptEvent') {
      this.refreshReadCounts(event.conversationId)
    }
    if (effect === 'refetch-conversations') void this.refetchConversations()
    else if (effect === 'refetch-contacts') {
      void this.loadContacts()
      if (event.__typename === 'FriendRequestEvent' && event.request.status === 'ACCEPTED') {
        void this.refetchConversations()
      }
    } else if (effect === 'resync') void this.resync()
    this.maybeMarkRead()
  }

  /** Reload the summaries and the open chat; events wait until the snapshot is in. */
  async resync(): Promise<void> {
    this.buffering = true
    try {
      const active = this.state.activeConversationId
      for (const id of Object.keys(this.state.messages)) {
        if (id !== active) delete this.state.messages[id]
      }
      await Promise.all([
        this.loadConversations(),
        this.loadContacts(),
        active ? this.loadNewest(active) : Promise.resolve(),
      ])
      const groupId = active ? groupIdOf(this.state, active) : null
      if (groupId) await this.loadGroup(groupId).catch(() => undefined)
    } finally {
      this.flush()
    }
    this.maybeMarkRead()
  }

  // ---- loading ----

  private async loadAll(): Promise<void> {
    // The position comes first: whatever happens after it is replayed on subscribing, and
    // applying an event the snapshot already shows changes nothing.
    const position = this.state.lastEventSeq === null ? await this.latestEventSeq() : null
    const me = this.state.me
      ? Promise.resolve()
      : this.transport.request<{ me: User }>(ops.ME).then((data) => {
          this.state.me = data.me
        })
    await Promise.all([me, this.loadConversations(), this.loadContacts()])
    if (position !== null && this.state.lastEventSeq === null) this.state.lastEventSeq = position
  }

  /** The newest eventSeq; null from a server without it (then a first reconnect reloads). */
  private async latestEventSeq(): Promise<number | null> {
    try {
      const data = await this.transport.request<{ latestEventSeq?: number }>(ops.LATEST_EVENT_SEQ)
      return typeof data.latestEventSeq === 'number' ? data.latestEventSeq : null
    } catch {
      return null
    }
  }

  async loadConversations(): Promise<void> {
    const all: Conversation[] = []
    let after: string | null = null
    for (let page = 0; page < MAX_CONVERSATION_PAGES; page++) {
      const data: { conversations: Connection<Conversation> } = await this.transport.request(
        ops.CONVERSATIONS,
        { after },
      )
      all.push(...data.conversations.edges.map((e) => e.node))
      if (!data.conversations.pageInfo.hasNextPage) break
      after = data.conversations.pageInfo.endCursor
    }
    replaceConversations(this.state, all)
  }

  private refetchConversations(): Promise<void> {
    // Several unknown-conversation events in a burst need only one refetch.
    this.refetching ??= (async () => {
      try {
        const data = await this.transport.request<{ conversations: Connection<Conversation> }>(
          ops.CONVERSATIONS,
          { after: null },
        )
        for (const edge of data.conversations.edges) applyConversation(this.state, edge.node)
        await this.loadContacts()
      } catch {
        // The next event or reconnect refetches again.
      } finally {
        this.refetching = null
      }
    })()
    return this.refetching
  }

  async loadContacts(): Promise<void> {
    const [friends, requests] = await Promise.all([
      this.transport.request<{ friends: Friend[] }>(ops.FRIENDS),
      this.transport.request<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }>(
        ops.REQUESTS,
      ),
    ])
    setFriends(this.state, friends.friends)
    this.state.incoming = requests.incoming
    this.state.outgoing = requests.outgoing
  }

  async loadNewest(conversationId: string): Promise<void> {
    const data = await this.transport.request<{ messages: Connection<Message> }>(ops.MESSAGES, {
      conversationId,
      last: PAGE_SIZE,
      withReadCount: this.isGroup(conversationId),
    })
    this.applyPage(conversationId, data.messages, true)
  }

  /** One page further back in history; false when there is none. */
  async loadOlder(conversationId: string): Promise<boolean> {
    const list = listFor(this.state, conversationId)
    if (!list.loaded || !list.hasMoreBefore || list.loadingOlder) return false
    list.loadingOlder = true
    try {
      const data = await this.transport.request<{ messages: Connection<Message> }>(ops.MESSAGES, {
        conversationId,
        last: PAGE_SIZE,
        before: list.startCursor,
        withReadCount: this.isGroup(conversationId),
      })
      this.applyPage(conversationId, data.messages, false)
      return data.messages.edges.length > 0
    } finally {
      list.loadingOlder = false
    }
  }

  private applyPage(conversationId: string, page: Connection<Message>, newest: boolean): void {
    const nodes = page.edges.map((e) => e.node)
    const oldest = nodes.reduce((min, m) => Math.min(min, m.seq), Number.POSITIVE_INFINITY)
    // Some servers leave hasPreviousPage false when paging forward; a full page that does
    // not start at seq 1 says there is more.
    const more = page.pageInfo.hasPreviousPage || (nodes.length >= PAGE_SIZE && oldest > 1)
    applyHistoryPage(
      this.state,
      conversationId,
      nodes,
      { hasMoreBefore: more, startCursor: page.pageInfo.startCursor ?? page.edges[0]?.cursor ?? null },
      newest,
    )
  }

  // ---- the open conversation and reading ----

  async openConversation(conversationId: string | null): Promise<void> {
    this.state.activeConversationId = conversationId
    if (!conversationId) return
    const groupId = groupIdOf(this.state, conversationId)
    if (groupId) void this.loadGroup(groupId).catch(() => undefined)
    const list = listFor(this.state, conversationId)
    if (!list.loaded) await this.loadNewest(conversationId)
    this.maybeMarkRead()
  }

  setViewing(viewing: boolean): void {
    this.state.viewing = viewing
    this.maybeMarkRead()
  }

  private maybeMarkRead(): void {
    const id = this.state.activeConversationId
    if (!id || !isViewing(this.state, id)) return
    const c = this.state.conversations[id]
    const upTo = c?.lastMessage?.seq ?? 0
    if (!c || upTo <= c.lastReadSeq) {
      if (c) c.unreadCount = 0
      return
    }
    markReadLocally(this.state, id, upTo)
    clearTimeout(this.markReadTimer)
    this.markReadTimer = setTimeout(() => {
      this.transport
        .request(ops.MARK_READ, { conversationId: id, upToSeq: upTo })
        .catch(() => undefined)
    }, MARK_READ_DELAY_MS)
  }

  // ---- sending ----

  /** Show the message at once, then send it; a failure leaves it marked for retry. */
  async send(conversationId: string, text: string, mention?: MentionInput): Promise<void> {
    const content = text.trim()
    if (!content) return
    const pending: PendingMessage = {
      clientId: (this.options.newClientId ?? newClientId)(),
      conversationId,
      content,
      createdAt: new Date(this.now).toISOString(),
      status: 'sending',
      error: null,
    }
    if (mention && (mention.mentions.length > 0 || mention.mentionAll)) {
      pending.mentions = [...mention.mentions]
      pending.mentionAll = mention.mentionAll
    }
    addPending(this.state, pending)
    await this.deliver(pending)
  }

  /** Send a failed message again under the same clientId, so the server keeps one copy. */
  async retry(clientId: string): Promise<void> {
    const pending = findPending(this.state, clientId)
    if (pending && pending.status === 'failed') await this.deliver(pending)
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    const live = findPending(this.state, pending.clientId) ?? pending
    live.status = 'sending'
    live.error = null
    try {
      const data = await this.transport.request<{ sendMessage: Message }>(ops.SEND_MESSAGE, {
        input: {
          conversationId: live.conversationId,
          type: 'TEXT',
          content: live.content,
          clientId: live.clientId,
          ...(live.mentions ? { mentions: live.mentions } : {}),
          ...(live.mentionAll ? { mentionAll: true } : {}),
        },
      })
      ackPending(this.state, data.sendMessage)
    } catch (error) {
      failPending(this.state, live.clientId, describeError(error))
    }
  }

  /** Tell the other side we are typing, at most every few seconds. */
  typing(conversationId: string): void {
    const last = this.typingSentAt[conversationId] ?? 0
    if (this.now - last < TYPING_THROTTLE_MS) return
    this.typingSentAt[conversationId] = this.now
    this.transport.request(ops.TYPING, { conversationId }).catch(() => undefined)
  }

  // ---- people ----

  async searchUsers(query: string): Promise<User[]> {
    const q = query.trim()
    if (!q) return []
    const data = await this.transport.request<{ searchUsers: User[] }>(ops.SEARCH_USERS, {
      query: q,
    })
    return data.searchUsers
  }

  async requestFriend(userId: string, note?: string): Promise<FriendRequest> {
    const data = await this.transport.request<{ requestFriend: FriendRequest }>(
      ops.REQUEST_FRIEND,
      { userId, note: note ?? null },
    )
    await this.loadContacts()
    if (data.requestFriend.status === 'ACCEPTED') await this.refetchConversations()
    return data.requestFriend
  }

  async respond(requestId: string, accept: boolean): Promise<void> {
    await this.transport.request(ops.RESPOND, { requestId, accept })
    await this.loadContacts()
    if (accept) await this.refetchConversations()
  }

  // ---- read counts (groups) ----

  private isGroup(conversationId: string): boolean {
    return (
      this.state.conversations[conversationId]?.kind === 'GROUP' ||
      groupIdOf(this.state, conversationId) !== null
    )
  }

  /**
   * Members read the group: refetch how many have read each of my messages on the page in
   * view. Bursts of receipts share one request, and requests come at most once a second.
   */
  refreshReadCounts(conversationId: string): void {
    if (this.state.activeConversationId !== conversationId) return
    const running = this.readCounts.get(conversationId)
    if (running) {
      running.again = true
      return
    }
    const entry = { timer: setTimeout(() => void run(), READ_COUNT_DELAY_MS), again: false }
    this.readCounts.set(conversationId, entry)
    const run = async (): Promise<void> => {
      entry.again = false
      try {
        const data = await this.transport.request<{
          messages: { edges: { node: { id: string; readCount?: number | null } }[] }
        }>(ops.READ_COUNTS, { conversationId, last: PAGE_SIZE })
        applyReadCounts(
          this.state,
          conversationId,
          data.messages.edges.map((e) => e.node),
        )
      } catch {
        // The next receipt asks again.
      }
      // Receipts during the fetch or the pause after it wait for the pause to end.
      entry.timer = setTimeout(() => {
        if (entry.again && !this.stopped && this.state.activeConversationId === conversationId) {
          void run()
        } else if (this.readCounts.get(conversationId) === entry) {
          this.readCounts.delete(conversationId)
        }
      }, READ_COUNT_THROTTLE_MS)
    }
  }

  // ---- groups ----

  /** Load a group and its members; a load overtaken by a change to the group is redone. */
  loadGroup(groupId: string): Promise<void> {
    const running = this.groupLoads.get(groupId)
    if (running) {
      running.stale = true
      return running.promise
    }
    const entry = { stale: false, promise: Promise.resolve() }
    entry.promise = (async () => {
      try {
        for (let attempt = 0; ; attempt++) {
          entry.stale = false
          const found = await this.fetchGroup(groupId)
          if (!entry.stale || attempt >= 3) {
            applyGroupDetails(this.state, groupId, found?.details ?? null, found?.members)
            return
          }
        }
      } finally {
        this.groupLoads.delete(groupId)
      }
    })()
    this.groupLoads.set(groupId, entry)
    return entry.promise
  }

  private async fetchGroup(
    groupId: string,
  ): Promise<{ details: GroupDetails; members: GroupMember[] } | null> {
    let after: string | null = null
    let details: GroupDetails | null = null
    const members: GroupMember[] = []
    for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
      const data: { group: GroupDetails | null } = await this.transport.request(ops.GROUP_DETAILS, {
        id: groupId,
        after,
      })
      if (!data.group) return null
      details ??= data.group
      members.push(...data.group.members.edges.map((e) => e.node))
      if (!data.group.members.hasNextPage) break
      after = data.group.members.edges.at(-1)?.cursor ?? null
      if (after === null) break
    }
    return details ? { details, members } : null
  }

  /** Create a group with some friends in it; resolves to its conversation's id. */
  async createGroup(name: string, memberIds: string[]): Promise<string> {
    const data = await this.transport.request<{ createGroup: GroupDetails }>(ops.CREATE_GROUP, {
      name: name.trim(),
      memberIds,
      after: null,
    })
    const group = data.createGroup
    if (!this.state.conversations[group.conversationId]) {
      // The list shows it once its first notice is delivered; until then, a summary of our own.
      this.state.conversations[group.conversationId] = {
        id: group.conversationId,
        kind: 'GROUP',
        peer: null,
        group: { id: group.id, name: group.name, avatarUrl: group.avatarUrl ?? null, memberCount: group.memberCount },
        lastMessage: null,
        unreadCount: 0,
        unreadMentions: 0,
        lastReadSeq: 0,
        peerLastReadSeq: 0,
        updatedAt: new Date(this.now).toISOString(),
      }
    }
    applyGroupDetails(this.state, group.id, group)
    void this.refetchConversations()
    return group.conversationId
  }

  async inviteToGroup(groupId: string, userIds: string[]): Promise<void> {
    await this.transport.request(ops.INVITE_TO_GROUP, { groupId, userIds })
    await this.loadContacts()
  }

  async removeMember(groupId: string, userId: string): Promise<void> {
    await this.transport.request(ops.REMOVE_MEMBER, { groupId, userId })
    await this.loadGroup(groupId)
  }

  async setMemberRole(groupId: string, userId: string, role: Exclude<GroupRole, 'OWNER'>): Promise<void> {
    await this.transport.request(ops.SET_MEMBER_ROLE, { groupId, userId, role })
    await this.loadGroup(groupId)
  }

  async transferOwnership(groupId: string, userId: string): Promise<void> {
    await this.transport.request(ops.TRANSFER_OWNERSHIP, { groupId, userId })
    await this.loadGroup(groupId)
  }

  async renameGroup(groupId: string, name: string): Promise<void> {
    await this.transport.request(ops.UPDATE_GROUP, { groupId, name: name.trim() })
    await this.loadGroup(groupId)
  }

  async dissolveGroup(groupId: string): Promise<void> {
    await this.transport.request(ops.DISSOLVE_GROUP, { groupId })
    ensureGroup(this.state, groupId).ended = 'dissolved'
  }

  async leaveGroup(groupId: string): Promise<void> {
    await this.transport.request(ops.LEAVE_GROUP, { groupId })
    const group = ensureGroup(this.state, groupId)
    group.ended = 'left'
    group.myRole = null
  }

  async searchGroups(query: string): Promise<GroupSummary[]> {
    const q = query.trim()
    if (!q) return []
    const data = await this.transport.request<{ searchGroups: GroupSummary[] }>(ops.SEARCH_GROUPS, {
      query: q,
    })
    return data.searchGroups
  }

  async requestJoinGroup(groupId: string, note?: string): Promise<FriendRequest> {
    const data = await this.transport.request<{ requestJoinGroup: FriendRequest }>(
      ops.REQUEST_JOIN,
      { groupId, note: note ?? null },
    )
    await this.loadContacts()
    return data.requestJoinGroup
  }
}
