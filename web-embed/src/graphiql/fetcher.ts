// GraphiQL's fetcher for imchat: queries and mutations over HTTP POST to /graphql, and
// subscriptions over WebSocket (graphql-transport-ws) on the same path. The socket's
// connection_init carries the Authorization from the headers pane, as the server expects.
import { Kind, parse, type DocumentNode } from 'graphql'
import { createClient, type FormattedExecutionResult } from 'graphql-ws'

export type FetcherParams = { query: string; operationName?: string | null; variables?: unknown }
export type FetcherOpts = { headers?: Record<string, unknown> }
type Result = FormattedExecutionResult<Record<string, unknown>, unknown>
export type FetcherResult = Promise<Result> | AsyncIterable<Result>

export function endpoints(location: { protocol: string; host: string }) {
  const ws = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return { http: `${location.protocol}//${location.host}/graphql`, ws: `${ws}//${location.host}/graphql` }
}

/** The connection_init payload: the headers pane's Authorization (any case), if set. */
export function connectionParams(headers: Record<string, unknown> = {}): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return { authorization: value }
  }
  return {}
}

/** Whether the operation to run is a subscription. GraphiQL's own documentAST can lag a
 * fast edit by a moment, so this parses the text that is actually being sent. */
export function isSubscription(query: string, operationName?: string | null): boolean {
  let document: DocumentNode
  try {
    document = parse(query)
  } catch {
    return false // let the server report the syntax error
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
  const chosen = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0]
  return chosen?.operation === 'subscription'
}

function stringHeaders(headers: Record<string, unknown> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))
}

async function* subscribe(url: string, params: FetcherParams, headers?: Record<string, unknown>) {
  // One socket per run: it is authorised by the headers as they were when Run was pressed.
  const client = createClient({ url, lazy: true, retryAttempts: 0, connectionParams: connectionParams(headers) })
  try {
    const request = { query: params.query, operationName: params.operationName ?? null, variables: params.variables as Record<string, unknown> | undefined }
    for await (const result of client.iterate(request)) yield result
  } catch (error) {
    if (error instanceof Error) throw error
    // graphql-ws rejects with the socket's CloseEvent, e.g. 4403 for a missing or bad token.
    const close = error as { code?: number; reason?: string }
    throw new Error(`WebSocket closed: ${close.code ?? '?'} ${close.reason ?? ''}`.trim())
  } finally {
    await client.dispose()
  }
}

export function createFetcher(location: { protocol: string; host: string }, fetchImpl: typeof fetch = fetch) {
  const urls = endpoints(location)
  return (params: FetcherParams, opts: FetcherOpts = {}): FetcherResult => {
    if (isSubscription(params.query, params.operationName)) return subscribe(urls.ws, params, opts.headers)
    return (async () => {
      const response = await fetchImpl(urls.http, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...stringHeaders(opts.headers) },
        body: JSON.stringify(params),
      })
      const text = await response.text()
      try {
        return JSON.parse(text) as Result
      } catch {
        throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`)
      }
    })()
  }
}
