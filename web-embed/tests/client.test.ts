import { afterEach, describe, expect, it, vi } from 'vitest'
import { ChatClient } from '../src/core/client'
import { totalUnread } from '../src/core/store'
import { NetworkError, type StreamSink, type Transport } from '../src/core/transport'
import type { ChatEvent, Conversation, Message } from '../src/core/types'
import { BOB, ME, conversation, message, messageEvent } from './fixtures'

/** A server in memory: answers the client's operations and lets the test drive the stream. */
class FakeServer implements Transport {
  conversations: Conversation[] = []
  history: Record<string, Message[]> = {}
  offline = false
  sent: { clientId: string; content: string }[] = []
  stored = new Map<string, Message>()
  streams: { since: unknown; sink: StreamSink<{ events: ChatEvent }>; open: boolean }[] = []
  calls: string[] = []

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const name = /(query|mutation) (\w+)/.exec(query)?.[2] ?? '?'
    this.calls.push(name)
    if (this.offline) throw new NetworkError()
    switch (name) {
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
        const input = variables.input as { clientId: string; content: string; conversationId: string }
        this.sent.push({ clientId: input.clientId, content: input.content })
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
  it('applies events that arrive during the first load after the snapshot', async () => {
    const { server, client } = setup()
    const started = client.start()
    server.emit(messageEvent(1, message(3)))
    await started
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
