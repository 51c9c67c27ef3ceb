import { describe, expect, it } from 'vitest'
import { connectionParams, createFetcher, endpoints, isSubscription } from '../src/graphiql/fetcher'

describe('GraphiQL fetcher', () => {
  it('talks to /graphql on the page origin, over ws or wss to match', () => {
    expect(endpoints({ protocol: 'http:', host: '127.0.0.1:8000' })).toEqual({
      http: 'http://127.0.0.1:8000/graphql',
      ws: 'ws://127.0.0.1:8000/graphql',
    })
    expect(endpoints({ protocol: 'https:', host: 'chat.example' }).ws).toBe('wss://chat.example/graphql')
  })

  it("authorises the socket with the headers pane's Authorization, in any case", () => {
    expect(connectionParams({ Authorization: 'Bearer t' })).toEqual({ authorization: 'Bearer t' })
    expect(connectionParams({ authorization: 'Bearer t', 'x-other': '1' })).toEqual({ authorization: 'Bearer t' })
    expect(connectionParams({})).toEqual({})
  })

  it('sends subscriptions, and only subscriptions, over the socket', () => {
    expect(isSubscription('subscription { events { __typename } }')).toBe(true)
    expect(isSubscription('mutation { register(username: "a", password: "b") { accessToken } }')).toBe(false)
    expect(isSubscription('query A { me { id } } subscription B { events { __typename } }', 'B')).toBe(true)
    expect(isSubscription('query A { me { id } } subscription B { events { __typename } }', 'A')).toBe(false)
    expect(isSubscription('subscription {')).toBe(false)
  })

  it('posts queries with the headers from the pane', async () => {
    const calls: [string, RequestInit][] = []
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push([url, init])
      return new Response(JSON.stringify({ data: { me: null } }))
    }) as typeof fetch
    const fetcher = createFetcher({ protocol: 'http:', host: 'imchat.test' }, fakeFetch)
    const result = await fetcher({ query: '{ me { id } }' }, { headers: { Authorization: 'Bearer t' } })
    expect(result).toEqual({ data: { me: null } })
    const [url, init] = calls[0]!
    expect(url).toBe('http://imchat.test/graphql')
    expect(init.method).toBe('POST')
    expect(init.headers).toMatchObject({ Authorization: 'Bearer t', 'content-type': 'application/json' })
  })
})
