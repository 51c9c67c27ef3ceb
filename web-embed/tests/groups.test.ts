import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  applyGroupDetails,
  applyHistoryPage,
  applyReadCounts,
  createState,
  ensureGroup,
  groupOfConversation,
  groupPermissions,
  markReadLocally,
  memberActions,
  replaceConversations,
  totalUnread,
  type ChatState,
} from '../src/core/store'
import type { GroupMember, GroupRole, Message } from '../src/core/types'
import {
  BOB,
  CAROL,
  ME,
  conversation,
  groupConversation,
  groupDetails,
  groupEvent,
  message,
  messageEvent,
  systemMessage,
} from './fixtures'

function signedIn(): ChatState {
  const state = createState()
  state.me = ME
  return state
}

const member = (user = BOB, role: GroupRole = 'MEMBER'): GroupMember => ({ user, role })
const everyone = (myRole: GroupRole = 'MEMBER') => [member(ME, myRole), member(BOB, 'OWNER'), member(CAROL)]
const mentioning = (seq: number, ids: string[], all = false): Message => ({
  ...message(seq, BOB, 'g1'),
  mentions: ids,
  mentionAll: all,
})

describe('system messages and mentions in the unread math', () => {
  it('does not count a SYSTEM notice as unread, but shows it as the last message', () => {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 2, 0)])
    applyEvent(state, messageEvent(1, systemMessage(3, 'Bob added Carol Stone')))
    expect(state.conversations.g1!.unreadCount).toBe(0)
    expect(state.conversations.g1!.lastMessage?.content).toBe('Bob added Carol Stone')
    applyEvent(state, messageEvent(2, message(4, BOB, 'g1')))
    expect(totalUnread(state)).toBe(1)
  })

  it('leaves SYSTEM notices out when recounting a partly read conversation', () => {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 5, 3)])
    applyHistoryPage(
      state,
      'g1',
      [message(1, BOB, 'g1'), message(2, BOB, 'g1'), systemMessage(3, 'Bob added Carol'), message(4, BOB, 'g1'), message(5, BOB, 'g1')],
      { hasMoreBefore: false, startCursor: '1' },
      true,
    )
    markReadLocally(state, 'g1', 3)
    expect(state.conversations.g1!.unreadCount).toBe(2)
  })

  it('counts a message that mentions me, or @all, in unreadMentions; not one for others', () => {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 1, 0)])
    applyEvent(state, messageEvent(1, mentioning(2, [ME.id])))
    applyEvent(state, messageEvent(2, mentioning(3, [CAROL.id])))
    applyEvent(state, messageEvent(3, mentioning(4, [], true)))
    expect(state.conversations.g1!.unreadCount).toBe(3)
    expect(state.conversations.g1!.unreadMentions).toBe(2)
    markReadLocally(state, 'g1', 4)
    expect(state.conversations.g1!.unreadMentions).toBe(0)
  })

  it('clears mentions of a conversation being viewed when its summary arrives', () => {
    const state = signedIn()
    state.activeConversationId = 'g1'
    state.viewing = true
    replaceConversations(state, [{ ...groupConversation('g1', 3, 2), unreadMentions: 1 }])
    expect(state.conversations.g1!.unreadMentions).toBe(0)
  })

  it("takes a direct chat's peerLastReadSeq from the summary, so \"Read\" survives a reload", () => {
    const state = signedIn()
    replaceConversations(state, [{ ...conversation('c1', 5, 0), peerLastReadSeq: 4 }])
    expect(state.peerReadSeq.c1).toBe(4)
    // A later receipt moves it on; an older summary never moves it back.
    applyEvent(state, { __typename: 'ReadReceiptEvent', eventSeq: 1, conversationId: 'c1', userId: BOB.id, upToSeq: 5 })
    replaceConversations(state, [{ ...conversation('c1', 5, 0), peerLastReadSeq: 3 }])
    expect(state.peerReadSeq.c1).toBe(5)
  })
})

describe('read counts in a group', () => {
  it("asks for a refresh when another member's read receipt arrives, not for my own or a direct chat", () => {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 3, 0), conversation('c1', 3, 0)])
    const receipt = (eventSeq: number, conversationId: string, userId: string) =>
      applyEvent(state, { __typename: 'ReadReceiptEvent', eventSeq, conversationId, userId, upToSeq: 3 })
    expect(receipt(1, 'g1', BOB.id)).toBe('refresh-read-counts')
    expect(receipt(2, 'g1', ME.id)).toBe('none')
    expect(receipt(3, 'c1', BOB.id)).toBe('none')
  })

  it('applies refetched counts exactly, and a replayed copy does not lower them', () => {
    const state = signedIn()
    const mine = { ...message(2, ME, 'g1'), readCount: 0 }
    applyHistoryPage(state, 'g1', [message(1, BOB, 'g1'), mine], { hasMoreBefore: false, startCursor: '1' }, true)
    applyReadCounts(state, 'g1', [{ id: mine.id, readCount: 2 }, { id: 'g1-m1', readCount: null }])
    expect(state.messages.g1!.items.map((m) => m.readCount ?? null)).toEqual([null, 2])
    applyEvent(state, messageEvent(9, { ...mine, readCount: 0 }))
    expect(state.messages.g1!.items[1]!.readCount).toBe(2)
    applyReadCounts(state, 'g1', [{ id: mine.id, readCount: 1 }])
    expect(state.messages.g1!.items[1]!.readCount).toBe(1)
  })
})

describe('what a role may do', () => {
  it('lets everyone invite, everyone but the owner leave, managers rename and @all, the owner dissolve', () => {
    const of = (myRole: GroupRole) => groupPermissions({ myRole, ended: null })
    expect(of('OWNER')).toEqual({ send: true, invite: true, leave: false, rename: true, dissolve: true, mentionAll: true })
    expect(of('ADMIN')).toEqual({ send: true, invite: true, leave: true, rename: true, dissolve: false, mentionAll: true })
    expect(of('MEMBER')).toEqual({ send: true, invite: true, leave: true, rename: false, dissolve: false, mentionAll: false })
  })

  it('allows nothing once I am out of the group', () => {
    for (const ended of ['removed', 'left', 'dissolved', 'gone'] as const) {
      expect(Object.values(groupPermissions({ myRole: 'OWNER', ended })).some(Boolean)).toBe(false)
    }
    expect(groupPermissions(null).send).toBe(false)
  })

  it('lets the owner act on anyone else, an admin remove plain members only, a member nothing', () => {
    const admin = member(CAROL, 'ADMIN')
    const plain = member(BOB, 'MEMBER')
    const owner = member(BOB, 'OWNER')
    expect(memberActions('OWNER', ME.id, plain)).toEqual({ remove: true, makeAdmin: true, makeMember: false, transfer: true })
    expect(memberActions('OWNER', ME.id, admin)).toEqual({ remove: true, makeAdmin: false, makeMember: true, transfer: true })
    expect(memberActions('ADMIN', ME.id, plain)).toEqual({ remove: true, makeAdmin: false, makeMember: false, transfer: false })
    expect(memberActions('ADMIN', ME.id, admin).remove).toBe(false)
    expect(memberActions('ADMIN', ME.id, owner).remove).toBe(false)
    expect(Object.values(memberActions('MEMBER', ME.id, plain)).some(Boolean)).toBe(false)
    expect(Object.values(memberActions('OWNER', ME.id, member(ME, 'OWNER'))).some(Boolean)).toBe(false)
  })
})

describe('GroupEvents', () => {
  function inGroup(myRole: GroupRole = 'MEMBER'): ChatState {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 1, 0)])
    applyGroupDetails(state, 'G1', groupDetails(everyone(myRole), myRole))
    return state
  }

  it('ends the group for me when I am removed, and says so', () => {
    const state = inGroup()
    expect(applyEvent(state, groupEvent(1, 'MEMBER_REMOVED', [ME.id]))).toBe('none')
    const group = groupOfConversation(state, 'g1')!
    expect(group.ended).toBe('removed')
    expect(groupPermissions(group).send).toBe(false)
  })

  it('knows I was removed even from a group it had not loaded', () => {
    const state = signedIn()
    replaceConversations(state, [groupConversation('g1', 1, 0)])
    applyEvent(state, groupEvent(1, 'MEMBER_REMOVED', [ME.id]))
    expect(groupOfConversation(state, 'g1')?.ended).toBe('removed')
  })

  it('drops someone else who left from the loaded members and refetches', () => {
    const state = inGroup()
    expect(applyEvent(state, groupEvent(1, 'MEMBER_LEFT', [CAROL.id], CAROL.id))).toBe('refetch-group')
    expect(state.groups.G1!.members!.map((m) => m.user.id)).toEqual([ME.id, BOB.id])
    expect(state.groups.G1!.ended).toBeNull()
  })

  it('ends the group for everyone when it is dissolved', () => {
    const state = inGroup()
    applyEvent(state, groupEvent(1, 'DISSOLVED', []))
    expect(state.groups.G1!.ended).toBe('dissolved')
  })

  it('asks for the conversation list when added to a group it does not know', () => {
    const state = signedIn()
    expect(applyEvent(state, groupEvent(1, 'MEMBERS_ADDED', [ME.id], BOB.id, 'G2'))).toBe('refetch-conversations')
    expect(applyEvent(state, groupEvent(2, 'CREATED', [BOB.id, ME.id], BOB.id, 'G3'))).toBe('refetch-conversations')
  })

  it('moves ownership at once and refetches to confirm roles', () => {
    const state = inGroup('MEMBER')
    expect(applyEvent(state, groupEvent(1, 'OWNER_CHANGED', [ME.id], BOB.id))).toBe('refetch-group')
    expect(state.groups.G1!.myRole).toBe('OWNER')
    expect(state.groups.G1!.members!.find((m) => m.user.id === BOB.id)!.role).toBe('ADMIN')
  })

  it('refetches a loaded group on a role change or rename, and takes the new name from the event', () => {
    const state = inGroup()
    expect(applyEvent(state, groupEvent(1, 'ROLE_CHANGED', [CAROL.id]))).toBe('refetch-group')
    const renamed = { ...groupEvent(2, 'UPDATED', []), group: { id: 'G1', name: 'Climbers', memberCount: 3 } }
    applyEvent(state, renamed as never)
    expect(state.groups.G1!.name).toBe('Climbers')
    expect(state.conversations.g1!.group!.name).toBe('Climbers')
  })

  it('is applied once: a replayed GroupEvent is a duplicate', () => {
    const state = inGroup()
    applyEvent(state, groupEvent(5, 'MEMBER_REMOVED', [CAROL.id]))
    expect(applyEvent(state, groupEvent(5, 'MEMBER_REMOVED', [CAROL.id]))).toBe('duplicate')
  })

  it('marks a group whose load comes back empty as no longer mine, keeping a known reason', () => {
    const state = inGroup()
    applyGroupDetails(state, 'G1', null)
    expect(state.groups.G1!.ended).toBe('gone')
    const other = signedIn()
    ensureGroup(other, 'G1').ended = 'left'
    applyGroupDetails(other, 'G1', null)
    expect(other.groups.G1!.ended).toBe('left')
  })

  it('takes a dissolved flag from a fresh load', () => {
    const state = signedIn()
    applyGroupDetails(state, 'G1', groupDetails(everyone(), 'MEMBER', { dissolved: true }))
    expect(state.groups.G1!.ended).toBe('dissolved')
  })
})
