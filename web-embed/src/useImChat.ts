// The composable for headless use: reactive chat state and actions, no markup.

import {
  computed,
  getCurrentScope,
  onScopeDispose,
  reactive,
  ref,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
} from 'vue'
import { ChatClient } from './core/client'
import {
  createState,
  groupOfConversation,
  isOnline,
  sortedConversations,
  totalUnread,
  typingUsers,
  unreadByConversation,
  type ChatState,
  type GroupState,
} from './core/store'
import { createTransport, type DeviceType, type Transport } from './core/transport'
import type { Conversation, User } from './core/types'

export interface UseImChatOptions {
  /** The /graphql URL of the imchat server; defaults to the page's own. */
  endpoint?: string
  /** An access token or embed token; null keeps the client stopped. */
  token: MaybeRefOrGetter<string | null | undefined>
  deviceType?: DeviceType
  /** Get a fresh token after the server refused the current one; true when there is one. */
  refreshToken?: () => Promise<boolean>
  /** The token was refused and no fresh one came. */
  onAuthRequired?: () => void
  /** Tests and custom transports. */
  transport?: Transport
}

export interface ImChatHandle {
  state: ChatState
  client: ChatClient
  conversations: ComputedRef<Conversation[]>
  totalUnread: ComputedRef<number>
  unreadByConversation: ComputedRef<Record<string, number>>
  /** Ticks every second while someone is typing, so hints expire on screen. */
  now: Ref<number>
  error: Ref<string | null>
  typingIn(conversationId: string): User[]
  isOnline(userId: string): boolean
  peerOf(conversationId: string): User | null
  /** The group of a group conversation, once loaded (null for direct chats). */
  groupOf(conversationId: string): GroupState | null
}

export function defaultDeviceType(): DeviceType {
  if (typeof matchMedia === 'undefined') return 'pc'
  return matchMedia('(pointer: coarse)').matches || matchMedia('(max-width: 700px)').matches
    ? 'mobile'
    : 'pc'
}

export function useImChat(options: UseImChatOptions): ImChatHandle {
  const state = reactive(createState()) as ChatState
  const error = ref<string | null>(null)
  const transport =
    options.transport ??
    createTransport({
      endpoint: options.endpoint ?? '/graphql',
      getToken: () => toValue(options.token) ?? null,
      onUnauthenticated: options.refreshToken,
      deviceType: options.deviceType ?? defaultDeviceType(),
    })
  const client = new ChatClient({ transport, state, onAuthRequired: options.onAuthRequired })
  const now = ref(Date.now())

  const start = async (): Promise<void> => {
    error.value = null
    try {
      await client.start()
    } catch (e) {
      client.stop()
      error.value = e instanceof Error ? e.message : 'Could not load the chat'
    }
  }

  const stopWatching = watch(
    () => Boolean(toValue(options.token)),
    (signedIn) => {
      if (signedIn) void start()
      else client.stop()
    },
    { immediate: true },
  )

  const onOnline = (): void => client.reconnectNow()
  const onOffline = (): void => client.dropConnection()
  const timer = setInterval(() => {
    const t = Date.now()
    let any = false
    for (const users of Object.values(state.typing)) {
      for (const [userId, until] of Object.entries(users)) {
        if (until <= t) delete users[userId]
        else any = true
      }
    }
    if (any) now.value = t
  }, 1000)
  if (typeof window !== 'undefined') {
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      stopWatching()
      clearInterval(timer)
      client.stop()
      if (typeof window !== 'undefined') {
        window.removeEventListener('online', onOnline)
        window.removeEventListener('offline', onOffline)
      }
    })
  }

  const usersById = computed(() => {
    const map = new Map<string, User>()
    for (const f of state.friends) map.set(f.user.id, f.user)
    for (const c of Object.values(state.conversations)) if (c.peer) map.set(c.peer.id, c.peer)
    for (const g of Object.values(state.groups)) for (const m of g.members ?? []) map.set(m.user.id, m.user)
    return map
  })

  return {
    state,
    client,
    error,
    now,
    conversations: computed(() => sortedConversations(state)),
    totalUnread: computed(() => totalUnread(state)),
    unreadByConversation: computed(() => unreadByConversation(state)),
    typingIn: (conversationId) =>
      typingUsers(state, conversationId, now.value)
        .map((id) => usersById.value.get(id))
        .filter((u): u is User => u !== undefined),
    isOnline: (userId) => isOnline(state, userId),
    peerOf: (conversationId) =>
      state.conversations[conversationId]?.peer ??
      state.friends.find((f) => f.conversationId === conversationId)?.user ??
      null,
    groupOf: (conversationId) => groupOfConversation(state, conversationId),
  }
}
