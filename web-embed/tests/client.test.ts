import { afterEach, describe, expect, it, vi } from 'vitest'
import { ChatClient } from '../src/core/client'
import { totalUnread } from '../src/core/store'
import {
  GraphQLRequestError,
  NetworkError,
  type StreamSink,
  type Transport,
} from '../src/core/transport'
import type { ChatEvent, Conversation, GroupDetails, Message } from '../src/core/types'
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
} from './fixtures'

/** A server in memory: answers the client's operations and lets the test drive the stream. */
class FakeServer implements Transport {
  conversations: Conversation[] = []
  history: Record<string, Message[]> = {}
  offline = false
  sent: { clientId: string; content: string; mentions?: string[]; mentionAll?: boolean }[] = []
  /** null: a server from before `latestEventSeq`. */
  latestEventSeq: number | null = null
  groups: Record<string, GroupDetails | null> = {}
  /** Answers to group(id) waiting for the test to release them. */
  holdGroups = false
  held: (() => void)[] = []
  readCounts: Record<string, number> = {}
  variables: Record<string, unknown>[] = []
  stored = new Map<string, Message>()
  streams: { since: unknown; sink: StreamSink<{ events: ChatEvent }>; open: boolean }[] = []
  calls: string[] = []

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const name = /(query|mutation) (\w+)/.exec(query)?.[2] ?? '?'
    this.calls.push(name)
    this.variables.push(variables)
    if (this.offline) throw new NetworkError()
    switch (name) {
      case 'LatestEventSeq':
        if (this.latestEventSeq === null) {
          throw new GraphQLRequestError('GRAPHQL_VALIDATION_FAILED', 'Cannot query field')
        }
        return { latestEventSeq: this.latestEventSeq } as T
      case 'Group': {
        const answer = { group: this.groups[variables.id as string] ?? null }
        if (this.holdGroups) await new Promise<void>((resolve) => this.held.push(resolve))
        return answer as T
      }
      case 'ReadCounts': {
        const items = this.history[variables.conversationId as string] ?? []
        return {
          messages: { edges: items.map((m) => ({ node: { id: m.id, readCount: this.readCounts[m.id] ?? null } })) },
        } as T
      }
      case 'Me':
        return { me: ME } as T
      case 'Conversations':
        return {
          conversations: {
            edges: this.conversations.map((node) => ({ cursor: node.id, node })),
            pageInfo: { hasNextPage: false, endCursor: null },
          },
        } as T
      case 'Friends':
        return { friends: [] } as T
      case 'Requests':
        return { incoming: [], outgoing: [] } as T
      case 'Messages': {
        const items = this.history[variables.conversationId as string] ?? []
        return {
          messages: {
            edges: items.map((node) => ({ cursor: `s${node.seq}`, node })),
            pageInfo: {
              hasPreviousPage: false,
              hasNextPage: false,
              startCursor: items.length ? `s${items[0]!.seq}` : null,
              endCursor: null,
            },
          },
        } as T
      }
      case 'Send': {
        const input = variables.input as {
          clientId: string
          content: string
          conversationId: string
          mentions?: string[]
          mentionAll?: boolean
        }
        this.sent.push({
          clientId: input.clientId,
          content: input.content,
          mentions: input.mentions,
          mentionAll: input.mentionAll,
        })
        // The server keeps one copy per clientId, as the real one does.
        let stored = this.stored.get(input.clientId)
        if (!stored) {
          stored = { ...message(100 + this.stored.size, ME, input.conversationId), clientId: input.clientId }
          stored.content = input.content
          this.stored.set(input.clientId, stored)
        }
        return { sendMessage: stored } as T
      }
      default:
        return {} as T
    }
  }

  stream<T>(_query: string, variables: Record<string, unknown>, sink: StreamSink<T>) {
    const entry = { since: variables.since, sink: sink as StreamSink<{ events: ChatEvent }>, open: true }
    this.streams.push(entry)
    queueMicrotask(() => entry.sink.connected?.())
    return { close: () => void (entry.open = false) }
  }

  get live() {
    return this.streams[this.streams.length - 1]!
  }

  emit(event: ChatEvent): void {
    this.live.sink.next({ events: event })
  }

  drop(): void {
    this.live.open = false
    this.live.sink.lost({ closeCode: 1006 })
  }
}

function setup() {
  const server = new FakeServer()
  server.conversations = [conversation('c1', 2, 0)]
  server.history.c1 = [message(1), message(2)]
  let n = 0
  const client = new ChatClient({
    transport: server,
    newClientId: () => `cid-${++n}`,
    reconnectDelaysMs: [10],
  })
  return { server, client }
}

afterEach(() => vi.useRealTimers())

describe('ChatClient', () => {
  it('a fresh client subscribes from the latestEventSeq it read before its snapshot', async () => {
    const { server, client } = setup()
    server.latestEventSeq = 41
    await client.start()
    expect(server.calls.indexOf('LatestEventSeq')).toBeLessThan(server.calls.indexOf('Conversations'))
    expect(server.streams).toHaveLength(1)
    expect(server.live.since).toBe(41)
    // The replay starts after 41; an event at 41 is one the snapshot already shows.
    server.emit(messageEvent(41, message(2)))
    server.emit(messageEvent(42, message(3)))
    expect(client.state.conversations.c1!.lastMessage?.seq).toBe(3)
    expect(totalUnread(client.state)).toBe(1)
  })

  it('with latestEventSeq, a first reconnect resumes instead of reloading', async () => {
    vi.useFakeTimers()
    const { server, client } = setup()
    server.latestEventSeq = 7
    await client.start()
    const loads = server.calls.filter((c) => c === 'Conversations').length
    server.drop()
    await vi.advanceTimersByTimeAsync(20)
    expect(server.live.since).toBe(7)
    expect(server.calls.filter((c) => c === 'Conversations')).toHaveLength(loads)
    client.stop()
  })

  it('a client resuming from a known position applies events that arrive during the reload after it', async () => {
    const { server, client } = setup()
    client.state.lastEventSeq = 0
    const started = client.start()
    server.emit(messageEvent(1, message(3)))
    await started
    expect(server.live.since).toBe(0)
    expect(client.state.conversations.c1!.lastMessage?.seq).toBe(3)
    expect(totalUnread(client.state)).toBe(1)
  })

  it('shows a send at once, marks it failed offline, and retries under the same clientId', async () => {
    const { server, client } = setup()
    await client.start()
    await client.openConversation('c1')
    server.offline = true
    const sending = client.send('c1', '  hello  ')
    expect(client.state.pending.c1![0]).toMatchObject({ content: 'hello', status: 'sending' })
    await sending
    expect(client.state.pending.c1![0]).toMatchObject({ status: 'failed', clientId: 'cid-1' })

    server.offline = false
    await client.retry('cid-1')
    expect(client.state.pending.c1).toEqual([])
    expect(server.calls.filter((c) => c === 'Send')).toHaveLength(2)
    expect(server.sent.map((s) => s.clientId)).toEqual(['cid-1'])
    expect(client.state.messages.c1!.items.filter((m) => m.clientId === 'cid-1')).toHaveLength(1)
  })

  it('resumes the stream from the last eventSeq after a drop and loses nothing', async () => {
    vi.useFakeTimers()
    const { server, client } = setup()
    await client.start()
    await client.openConversation('c1')
    server.emit(messageEvent(7, message(3)))
    server.drop()
    expect(client.state.connection).toBe('offline')
    await vi.advanceTimersByTimeAsync(20)
    expect(server.streams).toHaveLength(2)
    expect(server.live.since).toBe(7)
    // The server replays from 7 on; a repeat of 7 at the seam is ignored.
    server.emit(messageEvent(7, message(3)))
    server.emit(messageEvent(8, message(4)))
    expect(client.state.messages.c1!.items.map((m) => m.seq)).toEqual([1, 2, 3, 4])
    client.stop()
  })

  it('retries failed sends by itself once the stream is back', async () => {
    vi.useFakeTimers()
    const { server, client } = setup()
    await client.start()
    await client.openConversation('c1')
    server.offline = true
    server.drop()
    await client.send('c1', 'while offline')
    expect(client.state.pending.c1![0]!.status).toBe('failed')
    server.offline = false
    await vi.advanceTimersByTimeAsync(20)
    expect(client.state.pending.c1).toEqual([])
    expect(client.state.messages.c1!.items.at(-1)!.content).toBe('while offline')
    client.stop()
  })

  it('reloads what is shown after a drop that came before any event', async () => {
    vi.useFakeTimers()
    const { server, client } = setup()
    await client.start()
    await client.openConversation('c1')
    server.history.c1 = [message(1), message(2), message(3)]
    server.conversations = [conversation('c1', 3, 1)]
    server.drop()
    await vi.advanceTimersByTimeAsync(20)
    expect(server.live.since).toBeNull()
    expect(client.state.messages.c1!.items.map((m) => m.seq)).toEqual([1, 2, 3])
    client.stop()
  })

  it('marks the open conversation read on the server when a message arrives in view', async () => {
    vi.useFakeTimers()
    const { server, client } = setup()
    await client.start()
    await client.openConversation('c1')
    client.setViewing(true)
    server.emit(messageEvent(1, message(3, BOB)))
    await vi.advanceTimersByTimeAsync(500)
    expect(server.calls).toContain('MarkRead')
    expect(totalUnread(client.state)).toBe(0)
    client.stop()
  })
})

describe('ChatClient in a group', () => {
  function groupSetup() {
    const { server, client } = setup()
    server.latestEventSeq = 0
    server.conversations = [groupConversation('g1', 2, 0)]
    server.history.g1 = [message(1, BOB, 'g1'), { ...message(2, ME, 'g1'), readCount: 0 }]
    server.groups.G1 = groupDetails([
      { user: ME, role: 'OWNER' },
      { user: BOB, role: 'MEMBER' },
      { user: CAROL, role: 'MEMBER' },
    ], 'OWNER')
    return { server, client }
  }
  const receipt = (eventSeq: number, userId: string): ChatEvent => ({
    __typename: 'ReadReceiptEvent',
    eventSeq,
    conversationId: 'g1',
    userId,
    upToSeq: 2,
  })

  it('loads the group with its members when its chat opens', async () => {
    const { server, client } = groupSetup()
    await client.start()
    await client.openConversation('g1')
    await vi.waitFor(() => expect(client.state.groups.G1?.members).toHaveLength(3))
    expect(client.state.groups.G1!.myRole).toBe('OWNER')
    // Read counts cost the server a count per message: asked for in groups only.
    const pages = server.variables.filter((v) => 'withReadCount' in v)
    expect(pages.map((v) => [v.conversationId, v.withReadCount])).toEqual([['g1', true]])
    server.conversations.push(conversation('c1', 2, 0))
    server.history.c1 = [message(1), message(2)]
    await client.loadConversations()
    await client.openConversation('c1')
    expect(server.variables.filter((v) => 'withReadCount' in v).at(-1)!.withReadCount).toBe(false)
  })

  it('refetches read counts of the open chat once per burst of receipts, then at most once a second', async () => {
    vi.useFakeTimers()
    const { server, client } = groupSetup()
    await client.start()
    await client.openConversation('g1')
    server.readCounts['g1-m2'] = 2
    server.emit(receipt(1, BOB.id))
    server.emit(receipt(2, CAROL.id))
    await vi.advanceTimersByTimeAsync(300)
    expect(server.calls.filter((c) => c === 'ReadCounts')).toHaveLength(1)
    expect(client.state.messages.g1!.items[1]!.readCount).toBe(2)
    server.emit(receipt(3, BOB.id))
    server.emit(receipt(4, CAROL.id))
    await vi.advanceTimersByTimeAsync(300)
    expect(server.calls.filter((c) => c === 'ReadCounts')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(server.calls.filter((c) => c === 'ReadCounts')).toHaveLength(2)
    client.stop()
  })

  it('does not refetch read counts for a chat that is not open', async () => {
    vi.useFakeTimers()
    const { server, client } = groupSetup()
    await client.start()
    server.emit(receipt(1, BOB.id))
    await vi.advanceTimersByTimeAsync(2000)
    expect(server.calls).not.toContain('ReadCounts')
    client.stop()
  })

  it('sends the mentions with the message, and again on a retry', async () => {
    const { server, client } = groupSetup()
    await client.start()
    server.offline = true
    await client.send('g1', '@Bob look', { mentions: [BOB.id], mentionAll: false })
    server.offline = false
    await client.retry('cid-1')
    expect(server.sent).toEqual([{ clientId: 'cid-1', content: '@Bob look', mentions: [BOB.id], mentionAll: undefined }])
  })

  it('redoes a group load that a GroupEvent overtook, so a stale answer never reopens the composer', async () => {
    const { server, client } = groupSetup()
    await client.start()
    server.holdGroups = true
    const loading = client.loadGroup('G1')
    await vi.waitFor(() => expect(server.held).toHaveLength(1))
    // While the first answer (still a member) is on its way, I am removed.
    server.groups.G1 = null
    server.emit(groupEvent(1, 'MEMBER_REMOVED', [ME.id]))
    expect(client.state.groups.G1!.ended).toBe('removed')
    server.held.shift()!()
    await vi.waitFor(() => expect(server.held).toHaveLength(1))
    expect(client.state.groups.G1!.ended).toBe('removed')
    server.held.shift()!()
    await loading
    expect(client.state.groups.G1!.ended).toBe('removed')
    expect(client.state.groups.G1!.myRole).toBeNull()
  })

  it('creates a group and shows it at once, before its first notice arrives', async () => {
    const { server, client } = groupSetup()
    server.conversations = []
    await client.start()
    const created = groupDetails([{ user: ME, role: 'OWNER' }, { user: BOB, role: 'MEMBER' }], 'OWNER', {
      id: 'G9',
      name: 'New',
      conversationId: 'g9',
    })
    const request = server.request.bind(server)
    server.request = async <T,>(query: string, variables: Record<string, unknown> = {}): Promise<T> =>
      query.includes('mutation CreateGroup') ? ({ createGroup: created } as T) : request<T>(query, variables)
    expect(await client.createGroup(' New ', [BOB.id])).toBe('g9')
    expect(client.state.conversations.g9!.group!.name).toBe('New')
    expect(client.state.groups.G9!.myRole).toBe('OWNER')
  })
})
