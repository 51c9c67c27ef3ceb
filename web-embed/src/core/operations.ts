// The GraphQL documents the client sends; field names follow schema.graphql.

const USER = 'id username displayName avatarUrl'
const GROUP_SUMMARY = 'id name avatarUrl memberCount'
const MESSAGE = `id conversationId seq type content clientId createdAt mentions mentionAll sender { ${USER} }`
const CONVERSATION = `id kind unreadCount unreadMentions lastReadSeq peerLastReadSeq updatedAt
  peer { ${USER} } group { ${GROUP_SUMMARY} } lastMessage { ${MESSAGE} }`
const REQUEST = `id kind invitation status note createdAt from { ${USER} } to { ${USER} } group { ${GROUP_SUMMARY} }`
const GROUP = `${GROUP_SUMMARY} conversationId myRole dissolved
  members(first: 100, after: $after) { hasNextPage edges { cursor node { role user { ${USER} } } } }`

export const REGISTER = `mutation Register($username: String!, $password: String!, $displayName: String) {
  register(username: $username, password: $password, displayName: $displayName) {
    accessToken refreshToken user { ${USER} } } }`

export const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken refreshToken user { ${USER} } } }`

export const REFRESH = `mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken user { ${USER} } } }`

export const ME = `query Me { me { ${USER} } }`

export const LATEST_EVENT_SEQ = `query LatestEventSeq { latestEventSeq }`

export const CONVERSATIONS = `query Conversations($after: String) {
  conversations(first: 50, after: $after) {
    edges { cursor node { ${CONVERSATION} } }
    pageInfo { hasNextPage endCursor } } }`

/** History; in a group, with how many members have read each of my messages (a count each). */
export const MESSAGES = `query Messages($conversationId: ID!, $last: Int, $before: String, $withReadCount: Boolean = false) {
  messages(conversationId: $conversationId, last: $last, before: $before) {
    edges { cursor node { ${MESSAGE} readCount @include(if: $withReadCount) } }
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
  ... on GroupEvent { eventSeq groupId change actorId userIds group { ${GROUP_SUMMARY} } }
  ... on ResyncRequiredEvent { latestEventSeq } } }`

export const CREATE_EMBED_TOKEN = `mutation EmbedToken($ttlSeconds: Int) {
  createEmbedToken(ttlSeconds: $ttlSeconds) { token expiresAt } }`

/** Read counts of my messages on the newest page, refreshed as members read. */
export const READ_COUNTS = `query ReadCounts($conversationId: ID!, $last: Int) {
  messages(conversationId: $conversationId, last: $last) { edges { node { id readCount } } } }`

// ---- groups ----

export const GROUP_DETAILS = `query Group($id: ID!, $after: String) { group(id: $id) { ${GROUP} } }`

export const CREATE_GROUP = `mutation CreateGroup($name: String!, $memberIds: [ID!], $after: String) {
  createGroup(name: $name, memberIds: $memberIds) { ${GROUP} } }`

export const INVITE_TO_GROUP = `mutation Invite($groupId: ID!, $userIds: [ID!]!) {
  inviteToGroup(groupId: $groupId, userIds: $userIds) { ${REQUEST} } }`

export const LEAVE_GROUP = `mutation Leave($groupId: ID!) { leaveGroup(groupId: $groupId) }`

export const REMOVE_MEMBER = `mutation RemoveMember($groupId: ID!, $userId: ID!) {
  removeMember(groupId: $groupId, userId: $userId) }`

export const SET_MEMBER_ROLE = `mutation SetRole($groupId: ID!, $userId: ID!, $role: GroupRole!) {
  setMemberRole(groupId: $groupId, userId: $userId, role: $role) { role } }`

export const TRANSFER_OWNERSHIP = `mutation Transfer($groupId: ID!, $userId: ID!) {
  transferOwnership(groupId: $groupId, userId: $userId) { id } }`

export const UPDATE_GROUP = `mutation UpdateGroup($groupId: ID!, $name: String) {
  updateGroup(groupId: $groupId, name: $name) { id name } }`

export const DISSOLVE_GROUP = `mutation Dissolve($groupId: ID!) { dissolveGroup(groupId: $groupId) }`

export const SEARCH_GROUPS = `query SearchGroups($query: String!) {
  searchGroups(query: $query, first: 20) { ${GROUP_SUMMARY} } }`

export const REQUEST_JOIN = `mutation RequestJoin($groupId: ID!, $note: String) {
  requestJoinGroup(groupId: $groupId, note: $note) { ${REQUEST} } }`
