// GraphiQL at /graphql, bundled from npm: nothing is fetched from a CDN. Only this page
// loads it (a Vite entry of its own), so the chat client does not carry React or Monaco.
import 'graphiql/setup-workers/vite'
import 'graphiql/style.css'
import './graphiql.css'
import { GraphiQL, type GraphiQLProps } from 'graphiql'
import { createElement } from 'react'
import { createRoot } from 'react-dom/client'
import { createFetcher } from './fetcher'

const DEFAULT_QUERY = `# Register, then put the accessToken in Headers below:
# {"Authorization": "Bearer <accessToken>"}
# Subscriptions send it when their WebSocket connects.
mutation {
  register(username: "ann", password: "correct horse") {
    accessToken
    user { id }
  }
}
`

const fetcher = createFetcher(window.location) as GraphiQLProps['fetcher']
const root = document.getElementById('graphiql')
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }))
