// GraphQL over HTTP (queries and mutations) and over graphql-transport-ws (the event
// stream). Mutations go over HTTP so that a send while the socket is down fails at once
// and can be retried, instead of waiting in a socket queue.

import { createClient, type Client } from 'graphql-ws'

export type DeviceType = 'pc' | 'mobile'

export interface TransportOptions {
  /** The /graphql URL; relative URLs resolve against the page. */
  endpoint: string
  /** The current access token (null when signed out). */
  getToken: () => string | null
  /**
   * Called once per failed call or refused socket when the server says the token is no
   * good; resolves true when a fresh token is available and the call should be retried.
   */
  onUnauthenticated?: () => Promise<boolean>
  deviceType?: DeviceType
  fetchImpl?: typeof fetch
}

/** A failure the server explained: `code` is its `extensions.code`. */
export class GraphQLRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'GraphQLRequestError'
  }
}

/** The request never got an answer (offline, server down, connection cut). */
export class NetworkError extends Error {
  constructor(message = 'No connection to the server') {
    super(message)
    this.name = 'NetworkError'
  }
}

export interface StreamSink<T> {
  next(value: T): void
  /** The stream ended or failed; `closeCode` is the socket's close code when it closed. */
  lost(reason: { closeCode?: number; error?: unknown }): void
  connected?(): void
}

export interface Stream {
  close(): void
}

export interface Transport {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>
  stream<T>(query: string, variables: Record<string, unknown>, sink: StreamSink<T>): Stream
}

export function resolveEndpoint(endpoint: string): { http: string; ws: string } {
  const base = typeof location !== 'undefined' ? location.href : 'http://localhost/'
  const url = new URL(endpoint, base)
  const ws = new URL(url.href)
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return { http: url.href, ws: ws.href }
}

const PING_INTERVAL_MS = 10_000
const PONG_TIMEOUT_MS = 5_000
const CLOSE_UNAUTHENTICATED = 4403

export function createTransport(options: TransportOptions): Transport {
  const urls = resolveEndpoint(options.endpoint)
  const doFetch = options.fetchImpl ?? ((...args: Parameters<typeof fetch>) => fetch(...args))

  async function once<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const token = options.getToken()
    if (token) headers.authorization = `Bearer ${token}`
    let response: Response
    try {
      response = await doFetch(urls.http, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      })
    } catch {
      throw new NetworkError()
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] }
    try {
      body = await response.json()
    } catch {
      throw new NetworkError(`The server answered ${response.status}`)
    }
    const error = body.errors?.[0]
    if (error) throw new GraphQLRequestError(error.extensions?.code ?? 'INTERNAL', error.message)
    if (body.data === undefined) throw new NetworkError(`The server answered ${response.status}`)
    return body.data
  }

  async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    try {
      return await once<T>(query, variables)
    } catch (error) {
      if (
        error instanceof GraphQLRequestError &&
        error.code === 'UNAUTHENTICATED' &&
        options.getToken() &&
        options.onUnauthenticated &&
        (await options.onUnauthenticated())
      ) {
        return once<T>(query, variables)
      }
      throw error
    }
  }

  function stream<T>(
    query: string,
    variables: Record<string, unknown>,
    sink: StreamSink<T>,
  ): Stream {
    let pongTimer: ReturnType<typeof setTimeout> | undefined
    let socket: WebSocket | null = null
    let ended = false
    const end = (reason: { closeCode?: number; error?: unknown }): void => {
      if (ended) return
      ended = true
      clearTimeout(pongTimer)
      client.dispose()
      sink.lost(reason)
    }
    // One client per stream and no automatic retries: the caller reconnects with the
    // `since` it has reached, which graphql-ws's own retry could not know.
    const client: Client = createClient({
      url: urls.ws,
      lazy: false,
      retryAttempts: 0,
      keepAlive: PING_INTERVAL_MS,
      connectionParams: () => {
        const token = options.getToken()
        return {
          authorization: token ? `Bearer ${token}` : '',
          deviceType: options.deviceType ?? 'pc',
        }
      },
      onNonLazyError: (error) => end({ error, closeCode: closeCodeOf(error) }),
      on: {
        opened: (s) => {
          socket = s as WebSocket
        },
        connected: () => sink.connected?.(),
        // A socket can stay "open" through a dead network for minutes; a ping without
        // its pong within the timeout means the link is gone.
        ping: (received) => {
          if (!received) {
            pongTimer = setTimeout(() => {
              socket?.close(4408, 'Pong timeout')
            }, PONG_TIMEOUT_MS)
          }
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer)
        },
        closed: (event) => end({ closeCode: closeCodeOf(event) }),
      },
    })
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) {
            const first = result.errors[0] as { message: string; extensions?: { code?: string } }
            end({
              error: new GraphQLRequestError(first.extensions?.code ?? 'INTERNAL', first.message),
            })
            return
          }
          if (result.data) sink.next(result.data as T)
        },
        error: (error) => end({ error, closeCode: closeCodeOf(error) }),
        complete: () => end({}),
      },
    )
    return {
      close: () => {
        if (ended) return
        ended = true
        clearTimeout(pongTimer)
        void client.dispose()
      },
    }
  }

  return { request, stream }
}

function closeCodeOf(value: unknown): number | undefined {
  if (value && typeof value === 'object' && 'code' in value) {
    const code = (value as { code: unknown }).code
    if (typeof code === 'number') return code
  }
  return undefined
}

export function isUnauthenticatedClose(code: number | undefined): boolean {
  return code === CLOSE_UNAUTHENTICATED
}
