// The GraphQL documents the client sends; field names follow schema.graphql.

const USER = 'id username displayName avatarUrl'
const MESSAGE = `id conversationId seq type content clientId createdAt sender { ${USER} }`
const CONVERSATION = `id kind unreadCount lastReadSeq updatedAt peer { ${USER} } lastMessage { ${MESSAGE} }`
const REQUEST = `id status note createdAt from { ${USER} } to { ${USER} }`

export const REGISTER = `mutation Register($username: String!, $password: String!, $displayName: String) {
  register(username: $username, password: $password, displayName: $displayName) {
    accessToken refreshToken user { ${USER} } } }`

export const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken refreshToken user { ${USER} } } }`

export const REFRESH = `mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken user { ${USER} } } }`

export const ME = `query Me { me { ${USER} } }`

export const CONVERSATIONS = `query Conversations($after: String) {
  conversations(first: 50, after: $after) {
    edges { cursor node { ${CONVERSATION} } }
    pageInfo { hasNextPage endCursor } } }`

export const MESSAGES = `query Messages($conversationId: ID!, $last: Int, $before: String) {
  messages(conversationId: $conversationId, last: $last, before: $before) {
    edges { cursor node { ${MESSAGE} } }
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }`

export const FRIENDS = `query Friends { friends { since conversationId online user { ${USER} } } }`

export const REQUESTS = `query Requests {
  incoming: friendRequests(direction: INCOMING, status: PENDING) { ${REQUEST} }
  outgoing: friendRequests(direction: OUTGOING, status: PENDING) { ${REQUEST} } }`

export const SEARCH_USERS = `query Search($query: String!) { searchUsers(query: $query, first: 20) { ${USER} } }`

export const REQUEST_FRIEND = `mutation RequestFriend($userId: ID!, $note: String) {
  requestFriend(userId: $userId, note: $note) { ${REQUEST} } }`

export const RESPOND = `mutation Respond($requestId: ID!, $accept: Boolean!) {
  respondToRequest(requestId: $requestId, accept: $accept) { ${REQUEST} } }`

export const SEND_MESSAGE = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE} } }`

export const MARK_READ = `mutation MarkRead($conversationId: ID!, $upToSeq: Int) {
  markRead(conversationId: $conversationId, upToSeq: $upToSeq) { ${CONVERSATION} } }`

export const TYPING = `mutation Typing($conversationId: ID!) { typing(conversationId: $conversationId) }`

export const EVENTS = `subscription Events($since: Int) { events(since: $since) {
  __typename
  ... on MessageEvent { eventSeq message { ${MESSAGE} } }
  ... on ReadReceiptEvent { eventSeq conversationId userId upToSeq }
  ... on FriendRequestEvent { eventSeq request { ${REQUEST} } }
  ... on TypingEvent { conversationId userId }
  ... on PresenceEvent { userId online devices }
  ... on ConversationUpdatedEvent { eventSeq totalUnread conversation { ${CONVERSATION} } }
  ... on ResyncRequiredEvent { latestEventSeq } } }`

export const CREATE_EMBED_TOKEN = `mutation EmbedToken($ttlSeconds: Int) {
  createEmbedToken(ttlSeconds: $ttlSeconds) { token expiresAt } }`
