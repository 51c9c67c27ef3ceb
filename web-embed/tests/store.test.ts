import { describe, expect, it } from 'vitest'
import {
  ackPending,
  addPending,
  applyConversation,
  applyEvent,
  applyHistoryPage,
  createState,
  failPending,
  failedSends,
  markReadLocally,
  replaceConversations,
  sortedConversations,
  totalUnread,
  typingUsers,
  type ChatState,
} from '../src/core/store'
import type { ChatEvent } from '../src/core/types'
import { BOB, ME, conversation, message, messageEvent, updatedEvent } from './fixtures'

function signedIn(): ChatState {
  const state = createState()
  state.me = ME
  return state
}

function loaded(state: ChatState, id: string, seqs: number[]): void {
  applyHistoryPage(
    state,
    id,
    seqs.map((s) => message(s, BOB, id)),
    { hasMoreBefore: false, startCursor: 'c' },
    true,
  )
}

describe('unread math', () => {
  it('counts a message from the other side once per conversation and in the total', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 3, 0), conversation('c2', 5, 2)])
    applyEvent(state, messageEvent(1, message(4, BOB, 'c1')))
    applyEvent(state, messageEvent(2, message(6, BOB, 'c2')))
    expect(state.conversations.c1!.unreadCount).toBe(1)
    expect(state.conversations.c2!.unreadCount).toBe(3)
    expect(totalUnread(state)).toBe(4)
  })

  it('does not count my own messages, and writing clears the conversation', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 3, 2)])
    applyEvent(state, messageEvent(1, message(4, ME)))
    expect(state.conversations.c1!.unreadCount).toBe(0)
    expect(state.conversations.c1!.lastReadSeq).toBe(4)
  })

  it('does not count messages in the conversation being viewed', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 3, 0)])
    state.activeConversationId = 'c1'
    state.viewing = true
    applyEvent(state, messageEvent(1, message(4)))
    expect(state.conversations.c1!.unreadCount).toBe(0)
  })

  it('counts messages in the open conversation while the page is hidden', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 3, 0)])
    state.activeConversationId = 'c1'
    state.viewing = false
    applyEvent(state, messageEvent(1, message(4)))
    expect(totalUnread(state)).toBe(1)
  })

  it('clears the count when read up to the last message', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 7, 3)])
    markReadLocally(state, 'c1', 7)
    expect(state.conversations.c1!.unreadCount).toBe(0)
    expect(totalUnread(state)).toBe(0)
  })

  it('recounts from loaded history when read only part of the way', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 7, 3)])
    loaded(state, 'c1', [1, 2, 3, 4, 5, 6, 7])
    markReadLocally(state, 'c1', 5)
    expect(state.conversations.c1!.unreadCount).toBe(2)
  })

  it('clears on my own read receipt from another device', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 4, 2)])
    applyEvent(state, {
      __typename: 'ReadReceiptEvent',
      eventSeq: 1,
      conversationId: 'c1',
      userId: ME.id,
      upToSeq: 4,
    })
    expect(totalUnread(state)).toBe(0)
  })

  it("records the other side's read position without touching my count", () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 4, 2)])
    applyEvent(state, {
      __typename: 'ReadReceiptEvent',
      eventSeq: 1,
      conversationId: 'c1',
      userId: BOB.id,
      upToSeq: 3,
    })
    expect(state.peerReadSeq.c1).toBe(3)
    expect(totalUnread(state)).toBe(2)
  })

  it('asks for a refetch when a message names an unknown conversation', () => {
    const state = signedIn()
    expect(applyEvent(state, messageEvent(1, message(1, BOB, 'new')))).toBe('refetch-conversations')
  })
})

describe('merge of replayed and live events', () => {
  it('applies an event replayed after reconnect only once', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 3, 0)])
    loaded(state, 'c1', [1, 2, 3])
    const live: ChatEvent[] = [messageEvent(10, message(4)), messageEvent(11, message(5))]
    for (const e of live) applyEvent(state, e)
    // The stream resumed with since=10 but the server also re-sent 11 and then 12.
    const replay: ChatEvent[] = [messageEvent(11, message(5)), messageEvent(12, message(6))]
    const effects = replay.map((e) => applyEvent(state, e))
    expect(effects).toEqual(['duplicate', 'none'])
    expect(state.messages.c1!.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(state.conversations.c1!.unreadCount).toBe(3)
    expect(state.lastEventSeq).toBe(12)
  })

  it('does not count a live message the snapshot already included', () => {
    const state = signedIn()
    // The snapshot was read after message 4 was stored, and its event arrives afterwards.
    replaceConversations(state, [conversation('c1', 4, 1)])
    applyEvent(state, messageEvent(20, message(4)))
    expect(state.conversations.c1!.unreadCount).toBe(1)
  })

  it('ignores a conversation summary older than the state it would replace', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 5, 2)])
    const stale = conversation('c1', 4, 1)
    expect(applyConversation(state, stale)).toBe(false)
    expect(state.conversations.c1!.unreadCount).toBe(2)
  })

  it('keeps a local read mark against a summary sent before it', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 5, 2)])
    markReadLocally(state, 'c1', 5)
    applyEvent(state, updatedEvent(3, conversation('c1', 5, 2)))
    expect(state.conversations.c1!.unreadCount).toBe(0)
    applyEvent(state, updatedEvent(4, conversation('c1', 6, 1, 5)))
    expect(state.conversations.c1!.unreadCount).toBe(1)
  })

  it('keeps live messages that arrived while the newest page was loading', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 2, 0)])
    state.messages.c1 = {
      items: [],
      loaded: false,
      hasMoreBefore: false,
      startCursor: null,
      loadingOlder: false,
    }
    applyEvent(state, messageEvent(1, message(3)))
    loaded(state, 'c1', [1, 2, 3])
    expect(state.messages.c1!.items.map((m) => m.seq)).toEqual([1, 2, 3])
  })

  it('merges an older history page in seq order without duplicates', () => {
    const state = signedIn()
    loaded(state, 'c1', [31, 32, 33])
    applyHistoryPage(
      state,
      'c1',
      [29, 30, 31].map((s) => message(s)),
      { hasMoreBefore: true, startCursor: 'p29' },
      false,
    )
    const list = state.messages.c1!
    expect(list.items.map((m) => m.seq)).toEqual([29, 30, 31, 32, 33])
    expect(list.startCursor).toBe('p29')
    expect(list.hasMoreBefore).toBe(true)
  })

  it('resets the event position on a resync request', () => {
    const state = signedIn()
    state.lastEventSeq = 3
    expect(applyEvent(state, { __typename: 'ResyncRequiredEvent', latestEventSeq: 90 })).toBe('resync')
    expect(state.lastEventSeq).toBe(90)
    expect(applyEvent(state, messageEvent(90, message(1)))).toBe('duplicate')
  })

  it('sorts conversations by their latest message', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('old', 1, 0), conversation('new', 9, 0)])
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['new', 'old'])
    applyEvent(state, messageEvent(1, { ...message(2, BOB, 'old'), createdAt: '2027-01-01T00:00:00Z' }))
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['old', 'new'])
  })
})

describe('optimistic sends', () => {
  const pending = (clientId: string) => ({
    clientId,
    conversationId: 'c1',
    content: 'hello',
    createdAt: '2026-01-01T00:00:00Z',
    status: 'sending' as const,
    error: null,
  })

  it('replaces the pending copy with the stored message on ack', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 1, 0)])
    loaded(state, 'c1', [1])
    addPending(state, pending('x1'))
    ackPending(state, { ...message(2, ME), clientId: 'x1' })
    expect(state.pending.c1).toEqual([])
    expect(state.messages.c1!.items.map((m) => m.seq)).toEqual([1, 2])
  })

  it('settles the pending copy when the live event beats the send response', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 1, 0)])
    loaded(state, 'c1', [1])
    addPending(state, pending('x1'))
    const stored = { ...message(2, ME), clientId: 'x1' }
    applyEvent(state, messageEvent(5, stored))
    ackPending(state, stored)
    expect(state.pending.c1).toEqual([])
    expect(state.messages.c1!.items.filter((m) => m.clientId === 'x1')).toHaveLength(1)
  })

  it('marks a failed send for retry and keeps its clientId', () => {
    const state = signedIn()
    addPending(state, pending('x1'))
    failPending(state, 'x1', 'No connection to the server')
    expect(failedSends(state).map((p) => [p.clientId, p.status])).toEqual([['x1', 'failed']])
  })
})

describe('typing', () => {
  it('shows the other side typing until the hint expires, and not after their message', () => {
    const state = signedIn()
    replaceConversations(state, [conversation('c1', 1, 0)])
    applyEvent(state, { __typename: 'TypingEvent', conversationId: 'c1', userId: BOB.id }, 1000)
    expect(typingUsers(state, 'c1', 2000)).toEqual([BOB.id])
    expect(typingUsers(state, 'c1', 7000)).toEqual([])
    applyEvent(state, { __typename: 'TypingEvent', conversationId: 'c1', userId: BOB.id }, 1000)
    applyEvent(state, messageEvent(1, message(2)))
    expect(typingUsers(state, 'c1', 2000)).toEqual([])
  })
})
