// End-to-end tests in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): two people, one on a desktop and one on a phone, become friends and
// chat; the network drops on one side; a third person on another desktop joins them in a
// group (mentions, "Read by N", removal); a host page on another origin embeds /embed;
// GraphiQL at /graphql, bundled and served by imchat, registers a user and subscribes.
//
// Needs a running imchat server. tests/e2e/browser/test_web_client.py starts one and runs
// this file; by hand:
//   IMCHAT_URL=http://127.0.0.1:8000 HOST_PORT=8766 EVIL_PORT=8767 node e2e/run.mjs
// with IMCHAT_EMBED_ORIGINS=http://localhost:8766 set for the server.

import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { chromium } from 'playwright-core'

const IMCHAT = process.env.IMCHAT_URL ?? 'http://127.0.0.1:8000'
const HOST_PORT = Number(process.env.HOST_PORT ?? 8766)
const EVIL_PORT = Number(process.env.EVIL_PORT ?? 8767)
// localhost and 127.0.0.1 are different origins, so the host pages are cross-origin.
const HOST = `http://localhost:${HOST_PORT}`
const EVIL = `http://127.0.0.1:${EVIL_PORT}`
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? new URL('../../test-artifacts/', import.meta.url).pathname
const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const DESKTOP = { viewport: { width: 1280, height: 800 } }
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
const WAIT = 15_000

const suffix = Math.random().toString(36).slice(2, 8)
const PASSWORD = 'correct horse battery'

let browser
let desktop // Ann, on a 1280×800 desktop
let phone // Bob, on a 390×844 phone
let desktop2 // Carl, on a second desktop
let ann
let bob
let carl
const servers = []

// ---- helpers ----

async function gql(query, variables = {}, token = null) {
  const response = await fetch(`${IMCHAT}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  })
  const body = await response.json()
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

async function shot(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` })
}

async function session(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('imchat.session') ?? 'null'))
}

async function register(page, username, displayName, screenshotName) {
  await page.goto(`${IMCHAT}/`)
  await page.getByTestId('mode-register').click()
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Display name').fill(displayName)
  await page.getByLabel('Password').fill(PASSWORD)
  if (screenshotName) await shot(page, screenshotName)
  await page.getByTestId('auth-submit').click()
  await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ timeout: WAIT })
  const s = await session(page)
  assert.ok(s?.accessToken, 'signed in with a token')
  return { page, username, displayName, token: s.accessToken, id: s.user.id }
}

function messageTexts(page) {
  return page.getByTestId('messages').locator('[data-testid="message"] .imc-text').allTextContents()
}

function countOf(list, text) {
  return list.filter((t) => t === text).length
}

async function sendFromUi(page, text) {
  const composer = page.getByTestId('composer')
  await composer.fill(text)
  await composer.press('Enter')
}

function hostPage(imchatOrigin) {
  // A host site's page: frames /embed, hands it the embed token its backend minted (here:
  // read from the URL fragment), and shows the unread count the embed reports.
  return `<!doctype html><meta charset="utf-8"><title>Host shop</title>
<style>body{font:16px system-ui;margin:0;display:flex;gap:24px;padding:16px;background:#fafafa}
iframe{width:380px;height:600px;border:1px solid #ccc;border-radius:12px;background:#fff}</style>
<main><h1>Host shop</h1><p>Messages: <strong id="count">–</strong></p>
<button id="open">Open chat with Ann</button></main>
<script>
  const IMCHAT = ${JSON.stringify(imchatOrigin)};
  const params = new URLSearchParams(location.hash.slice(1));
  window.received = [];
  addEventListener('message', (event) => {
    if (event.origin !== IMCHAT) return;
    const m = event.data;
    window.received.push(m);
    const chat = document.getElementById('chat').contentWindow;
    if (m.type === 'imchat:ready') chat.postMessage({ type: 'imchat:auth', token: params.get('token') }, IMCHAT);
    if (m.type === 'imchat:unread') document.getElementById('count').textContent = String(m.total);
  });
  document.getElementById('open').onclick = () =>
    document.getElementById('chat').contentWindow.postMessage(
      { type: 'imchat:open', conversationId: params.get('conversation') }, IMCHAT);
  window.openPopup = () => {
    window.popup = window.open(IMCHAT + '/embed', 'imchat');
    setInterval(() => window.popup.postMessage({ type: 'imchat:auth', token: params.get('token') }, IMCHAT), 200);
  };
</script>
<iframe id="chat" src="${imchatOrigin}/embed" title="Chat"></iframe>`
}

function serveHost(port) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(hostPage(IMCHAT))
  })
  servers.push(server)
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
}

// ---- the suite ----

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  await serveHost(HOST_PORT)
  await serveHost(EVIL_PORT)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  desktop = await browser.newContext(DESKTOP)
  phone = await browser.newContext(PHONE)
  desktop2 = await browser.newContext(DESKTOP)
})

after(async () => {
  await browser?.close()
  for (const s of servers) s.close()
})

describe('imchat web client', { concurrency: false }, () => {
  test('two people register, one on a desktop and one on a phone', async () => {
    ann = await register(await desktop.newPage(), `ann_${suffix}`, 'Ann Desk', 'desktop-sign-up')
    bob = await register(await phone.newPage(), `bob_${suffix}`, 'Bob Phone', 'phone-sign-up')
    await shot(ann.page, 'desktop-empty')
  })

  test('a friend request is sent, arrives live and is accepted', async () => {
    await ann.page.getByTestId('tab-contacts').click()
    await ann.page.getByTestId('search-input').fill(`bob_${suffix}`)
    await ann.page.getByTestId('search-button').click()
    await ann.page.getByTestId('add-friend').click()
    await ann.page.getByText('Waiting for an answer').waitFor({ timeout: WAIT })

    await bob.page.getByTestId('requests-badge').waitFor({ timeout: WAIT })
    await bob.page.getByTestId('tab-contacts').click()
    await bob.page.getByTestId('incoming-request').waitFor()
    await shot(bob.page, 'phone-friend-request')
    await bob.page.getByTestId('accept').click()
    await bob.page.getByTestId('friend').filter({ hasText: 'Ann Desk' }).waitFor({ timeout: WAIT })

    // Ann's side learns of the acceptance without a reload.
    await ann.page.getByTestId('friend').filter({ hasText: 'Bob Phone' }).waitFor({ timeout: WAIT })
    await ann.page.locator('.imc-dot-on').first().waitFor({ timeout: WAIT })
    await shot(ann.page, 'desktop-contacts')
  })

  test('messages arrive live and the unread badge counts up, then clears on open', async () => {
    await ann.page.getByTestId('friend').filter({ hasText: 'Bob Phone' }).click()
    await bob.page.getByTestId('tab-chats').click()
    for (const text of ['Hi Bob!', 'Are you there?', '<b>not bold</b>']) await sendFromUi(ann.page, text)

    const badge = bob.page.getByTestId('total-unread')
    await badge.filter({ hasText: /^3$/ }).waitFor({ timeout: WAIT })
    await bob.page.getByTestId('conversation-unread').filter({ hasText: /^3$/ }).waitFor()
    await shot(bob.page, 'phone-conversations-unread')

    await bob.page.locator('.imc-row').filter({ hasText: 'Ann Desk' }).click()
    await bob.page.getByTestId('message').filter({ hasText: 'Are you there?' }).waitFor({ timeout: WAIT })
    await badge.waitFor({ state: 'detached', timeout: WAIT })
    // Text stays text: markup in a message is shown, never parsed.
    assert.equal(await bob.page.locator('.imc-bubbles b').count(), 0)
    await bob.page.getByTestId('message').filter({ hasText: '<b>not bold</b>' }).waitFor()

    // Ann sees that Bob read them, and that he is typing.
    await ann.page.getByTestId('read-receipt').waitFor({ timeout: WAIT })
    await bob.page.getByTestId('composer').pressSequentially('Hel', { delay: 30 })
    await ann.page.getByTestId('typing').waitFor({ timeout: WAIT })
    await bob.page.getByTestId('composer').press('Enter')
    await ann.page.getByTestId('message').filter({ hasText: 'Hel' }).waitFor({ timeout: WAIT })
    await shot(ann.page, 'desktop-chat')
    await shot(bob.page, 'phone-chat')

    // On the phone, back returns to the list; the list is touch-sized.
    await bob.page.getByTestId('back').click()
    const row = await bob.page.locator('.imc-row').first().boundingBox()
    assert.ok(row && row.height >= 44, `list rows are touch-sized (got ${row?.height})`)
  })

  test('a network cut on the phone loses no message and doubles none', async () => {
    await bob.page.locator('.imc-row').filter({ hasText: 'Ann Desk' }).click()
    await phone.setOffline(true)
    await bob.page.locator('[data-testid="connection"][data-state="offline"]').waitFor({ state: 'attached', timeout: WAIT })

    const whileAway = ['one while away', 'two while away', 'three while away']
    for (const text of whileAway) await sendFromUi(ann.page, text)
    for (const text of whileAway) {
      await ann.page.getByTestId('message').filter({ hasText: text }).waitFor({ timeout: WAIT })
    }
    await sendFromUi(bob.page, 'sent from the tunnel')
    await bob.page.getByTestId('retry').waitFor({ timeout: WAIT })
    await shot(bob.page, 'phone-offline-retry')

    await phone.setOffline(false)
    await bob.page.locator('[data-testid="connection"][data-state="online"]').waitFor({ state: 'attached', timeout: WAIT })
    for (const text of whileAway) {
      await bob.page.getByTestId('message').filter({ hasText: text }).waitFor({ timeout: WAIT })
    }
    // The failed send goes out again by itself once the stream is back, under its clientId.
    await bob.page.getByTestId('pending-message').waitFor({ state: 'detached', timeout: WAIT })
    await ann.page.getByTestId('message').filter({ hasText: 'sent from the tunnel' }).waitFor({ timeout: WAIT })

    await ann.page.waitForTimeout(500)
    const onPhone = await messageTexts(bob.page)
    const onDesktop = await messageTexts(ann.page)
    for (const text of [...whileAway, 'sent from the tunnel', 'Hi Bob!']) {
      assert.equal(countOf(onPhone, text), 1, `phone shows "${text}" once: ${JSON.stringify(onPhone)}`)
      assert.equal(countOf(onDesktop, text), 1, `desktop shows "${text}" once`)
    }
    const seqs = await bob.page.getByTestId('message').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)))
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'messages in seq order')
    assert.equal(new Set(seqs).size, seqs.length, 'no seq twice')
  })

  test('scrolling up loads earlier history', async () => {
    const { friends } = await gql('{ friends { conversationId user { id } } }', {}, ann.token)
    const conversationId = friends[0].conversationId
    for (let i = 1; i <= 40; i++) {
      await gql(
        'mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
        { input: { conversationId, content: `history ${i}`, clientId: `hist-${suffix}-${i}` } },
        ann.token,
      )
    }
    const page = await desktop.newPage()
    await page.goto(`${IMCHAT}/`)
    await page.locator('.imc-row').filter({ hasText: 'Bob Phone' }).click()
    await page.getByTestId('message').filter({ hasText: /^history 40/ }).waitFor({ timeout: WAIT })
    // A fresh page has seen no read receipt: "Read" comes from Conversation.peerLastReadSeq.
    await page.getByTestId('read-receipt').waitFor({ timeout: WAIT })
    const first = await page.getByTestId('message').count()
    assert.ok(first <= 30, `only the newest page at first (got ${first})`)
    for (let i = 0; i < 5 && !(await page.getByText('Start of the conversation').count()); i++) {
      await page.getByTestId('messages').evaluate((el) => {
        el.scrollTop = 0
      })
      await page.waitForTimeout(400)
    }
    await page.getByTestId('message').filter({ hasText: 'Hi Bob!' }).waitFor({ timeout: WAIT })
    await page.close()
  })

  test('three people form a group, mention each other, see "Read by 2", and one is removed', async () => {
    // Carl signs up and befriends Ann through the API (the UI path is covered above).
    const registered = await gql(
      'mutation($u: String!, $p: String!, $d: String) { register(username: $u, password: $p, displayName: $d) { accessToken refreshToken user { id username displayName } } }',
      { u: `carl_${suffix}`, p: PASSWORD, d: 'Carl Desk' },
    )
    const carlAuth = registered.register
    const { requestFriend } = await gql(
      'mutation($id: ID!) { requestFriend(userId: $id) { id } }',
      { id: ann.id },
      carlAuth.accessToken,
    )
    await gql('mutation($id: ID!) { respondToRequest(requestId: $id, accept: true) { id } }', { id: requestFriend.id }, ann.token)
    const carlPage = await desktop2.newPage()
    await carlPage.goto(`${IMCHAT}/`)
    await carlPage.evaluate((s) => localStorage.setItem('imchat.session', JSON.stringify(s)), carlAuth)
    await carlPage.reload()
    await carlPage.locator('[data-testid="connection"][data-state="online"]').waitFor({ timeout: WAIT })
    carl = { page: carlPage, id: carlAuth.user.id, token: carlAuth.accessToken }

    // Bob's phone goes back to the list; Ann creates the group with both friends.
    await bob.page.getByTestId('back').click()
    await ann.page.getByTestId('tab-chats').click()
    await ann.page.getByTestId('new-group').click()
    await ann.page.getByTestId('group-name').fill('Hike club')
    await ann.page.getByTestId('group-pick').filter({ hasText: 'Bob Phone' }).locator('input').check()
    await ann.page.getByTestId('group-pick').filter({ hasText: 'Carl Desk' }).locator('input').check({ timeout: WAIT })
    await ann.page.getByTestId('create-group').click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'Hike club' }).waitFor({ timeout: WAIT })
    await ann.page.getByTestId('system-message').filter({ hasText: 'created the group' }).waitFor({ timeout: WAIT })

    // The "created" notice reaches everyone as a centred notice, not as unread.
    const bobRow = bob.page.locator('.imc-row[data-kind="GROUP"]').filter({ hasText: 'Hike club' })
    await bobRow.waitFor({ timeout: WAIT })
    assert.equal(await bobRow.getByTestId('conversation-unread').count(), 0, 'a SYSTEM notice is not unread')
    await carl.page.locator('.imc-row[data-kind="GROUP"]').filter({ hasText: 'Hike club' }).click({ timeout: WAIT })
    await carl.page.getByTestId('system-message').first().waitFor({ timeout: WAIT })

    // Ann mentions Bob by picking him from the @ list; Carl writes too.
    await sendFromUi(ann.page, 'Hello everyone')
    const composer = ann.page.getByTestId('composer')
    await composer.pressSequentially('@Bo')
    await ann.page.getByTestId('mention-option').filter({ hasText: 'Bob Phone' }).waitFor({ timeout: WAIT })
    await composer.press('Enter')
    await composer.pressSequentially('see you at 8')
    assert.equal(await composer.inputValue(), '@Bob Phone see you at 8')
    await composer.press('Enter')
    await sendFromUi(carl.page, 'Count me in')

    // Carl, a plain member, is offered inviting and leaving, and no owner's actions.
    await carl.page.getByTestId('members-toggle').click()
    await carl.page.getByTestId('member').nth(2).waitFor({ timeout: WAIT })
    await carl.page.getByTestId('leave-group').waitFor()
    for (const action of ['remove-member', 'make-admin', 'transfer', 'dissolve-group', 'rename-input']) {
      assert.equal(await carl.page.getByTestId(action).count(), 0, `a member is not offered ${action}`)
    }
    await carl.page.getByTestId('members-close').click()

    // The phone shows the group's unread count and an @ badge for the mention.
    await bobRow.getByTestId('conversation-unread').filter({ hasText: /^3$/ }).waitFor({ timeout: WAIT })
    await bobRow.getByTestId('conversation-mention').waitFor({ timeout: WAIT })
    await shot(bob.page, 'phone-group-unread')

    await bobRow.click()
    await bob.page.getByTestId('message').filter({ hasText: 'Count me in' }).waitFor({ timeout: WAIT })
    await bob.page.getByTestId('sender').filter({ hasText: 'Carl Desk' }).waitFor()
    await bob.page.locator('.imc-mentioned').filter({ hasText: 'see you at 8' }).waitFor()
    await bobRow.getByTestId('conversation-mention').waitFor({ state: 'detached', timeout: WAIT })

    // Both others have read Ann's message: her bubble says so.
    const annMention = ann.page.getByTestId('message').filter({ hasText: 'see you at 8' })
    await annMention.getByTestId('read-count').filter({ hasText: 'Read by 2' }).waitFor({ timeout: WAIT })
    await sendFromUi(bob.page, 'On my way, bringing snacks')
    await ann.page.getByTestId('message').filter({ hasText: 'On my way' }).waitFor({ timeout: WAIT })
    await shot(bob.page, 'phone-group-chat')

    // The owner opens the members panel and removes Carl; his composer becomes a notice.
    await ann.page.getByTestId('members-toggle').click()
    const carlMember = ann.page.getByTestId('member').filter({ hasText: 'Carl Desk' })
    await carlMember.waitFor({ timeout: WAIT })
    assert.equal(await ann.page.getByTestId('leave-group').count(), 0, 'the owner cannot leave')
    await ann.page.getByTestId('dissolve-group').waitFor()
    await shot(ann.page, 'desktop-group-chat')
    await carlMember.getByTestId('remove-member').click()
    await ann.page.getByTestId('confirm').click()
    await carl.page.getByTestId('composer-closed').filter({ hasText: 'removed' }).waitFor({ timeout: WAIT })
    assert.equal(await carl.page.getByTestId('composer').count(), 0, 'no composer once removed')
    await carlMember.waitFor({ state: 'detached', timeout: WAIT })
    await ann.page.getByTestId('system-message').filter({ hasText: 'removed Carl Desk' }).waitFor({ timeout: WAIT })
    await shot(carl.page, 'desktop-group-removed')

    // Ann goes back to her direct chat for the tests that follow.
    await ann.page.getByTestId('members-close').click()
    await ann.page.locator('.imc-row[data-kind="DIRECT"]').filter({ hasText: 'Bob Phone' }).click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'Bob Phone' }).waitFor()
    await carl.page.close()
  })

  test('a host page on an allowed origin embeds /embed and receives the unread count', async () => {
    const { createEmbedToken } = await gql(
      'mutation { createEmbedToken(ttlSeconds: 300) { token expiresAt } }',
      {},
      bob.token,
    )
    const { friends } = await gql('{ friends { conversationId } }', {}, bob.token)
    await bob.page.close()
    const hostContext = await browser.newContext(DESKTOP)
    const host = await hostContext.newPage()
    await host.goto(`${HOST}/#token=${createEmbedToken.token}&conversation=${friends[0].conversationId}`)
    await host.waitForFunction(() => window.received.some((m) => m.type === 'imchat:unread'), null, { timeout: WAIT })
    const before = Number(await host.locator('#count').textContent())

    await sendFromUi(ann.page, 'ping for the widget')
    await host.locator('#count').filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor({ timeout: WAIT })
    await shot(host, 'desktop-embed-host')

    await host.locator('#open').click()
    const frame = host.frameLocator('#chat')
    await frame.getByTestId('message').filter({ hasText: 'ping for the widget' }).waitFor({ timeout: WAIT })
    await host.locator('#count').filter({ hasText: /^0$/ }).waitFor({ timeout: WAIT })
    await shot(host, 'desktop-embed-chat')
    await hostContext.close()
  })

  test('a page from an origin not allowed is refused', async () => {
    const { createEmbedToken } = await gql('mutation { createEmbedToken { token } }', {}, ann.token)
    const evilContext = await browser.newContext(DESKTOP)
    const evil = await evilContext.newPage()
    const blocked = []
    evil.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) blocked.push(m.text())
    })
    await evil.goto(`${EVIL}/#token=${createEmbedToken.token}`)
    await evil.waitForTimeout(2000)
    // CSP frame-ancestors: the browser does not render /embed inside this page.
    assert.deepEqual(await evil.evaluate(() => window.received), [])
    assert.ok(blocked.length > 0, 'Chromium reports the frame-ancestors refusal')

    // Opened as a popup (where frame-ancestors cannot help), the embed ignores the token
    // because the message's origin is not on the list.
    const [popup] = await Promise.all([evilContext.waitForEvent('page'), evil.evaluate(() => window.openPopup())])
    await popup.getByTestId('embed-waiting').waitFor({ timeout: WAIT })
    await popup.waitForTimeout(1500)
    assert.equal(await popup.getByTestId('embed-waiting').count(), 1, 'still waiting: the token was ignored')
    assert.deepEqual(await evil.evaluate(() => window.received), [])
    await evilContext.close()
  })

  test('phone and desktop layouts stay inside 360 px and show one pane on the phone', async () => {
    const narrow = await browser.newContext({ ...PHONE, viewport: { width: 360, height: 740 } })
    const page = await narrow.newPage()
    await page.goto(`${IMCHAT}/`)
    await page.getByTestId('auth-submit').waitFor()
    const { login } = await gql(
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken user { id username displayName } } }',
      { u: ann.username, p: PASSWORD },
    )
    await page.evaluate((s) => localStorage.setItem('imchat.session', JSON.stringify(s)), login)
    await page.reload()
    await page.locator('.imc-row').first().waitFor({ timeout: WAIT })
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= 360, `no horizontal overflow at 360 px (scrollWidth ${width})`)
    await page.locator('.imc-row').first().click()
    await page.getByTestId('composer').waitFor()
    assert.equal(await page.locator('.imc-side').isVisible(), false, 'list hidden while chatting')
    await shot(page, 'phone-360-chat')

    // Keyboard only: Tab reaches the composer and Enter sends.
    await page.getByTestId('back').focus()
    await page.keyboard.press('Enter')
    await page.locator('.imc-row').first().focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('composer').focus()
    await page.keyboard.type('typed with the keyboard')
    await page.keyboard.press('Enter')
    await page.getByTestId('message').filter({ hasText: 'typed with the keyboard' }).waitFor({ timeout: WAIT })
    await narrow.close()
  })

  test('GraphiQL at /graphql comes from imchat itself: register, then subscribe with a token', async () => {
    const context = await browser.newContext(DESKTOP)
    const page = await context.newPage()
    const origins = new Set()
    page.on('request', (r) => origins.add(new URL(r.url()).origin))
    page.on('websocket', (ws) => origins.add(new URL(ws.url()).origin.replace(/^ws/, 'http')))
    await page.goto(`${IMCHAT}/graphql`)
    const editor = page.locator('.graphiql-query-editor .monaco-editor')
    const response = page.locator('.graphiql-response')
    const responseText = async () => (await response.innerText()).replace(/\u00a0/g, ' ').replace(/\s+/g, ' ')
    async function run(operation, { prettify = false } = {}) {
      await editor.click()
      await page.keyboard.press('ControlOrMeta+A')
      await page.keyboard.press('Delete')
      // insertText, as pasting does: Monaco's auto-closing brackets would double typed ones.
      await page.keyboard.insertText(operation)
      if (prettify) {
        await page.getByRole('button', { name: /^Prettify query/ }).click()
        await editor.locator('.view-line').nth(1).waitFor({ timeout: WAIT })
        await editor.click() // the caret moves to the last line, "}", and the view scrolls home
      }
      await page.locator('.graphiql-execute-button').click()
    }
    await editor.waitFor({ timeout: WAIT })

    const username = `graphiql_${suffix}`
    await run(`mutation { register(username: "${username}", password: "${PASSWORD}") { user { id username } } }`, {
      prettify: true,
    })
    await page.waitForFunction(() => /"id"/.test(document.querySelector('.graphiql-response')?.textContent ?? ''), null, { timeout: WAIT })
    const { login } = await gql(
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken user { id } } }',
      { u: username, p: PASSWORD },
    )
    assert.match(await responseText(), new RegExp(`"id": "${login.user.id}"`))
    await shot(page, 'graphiql')
    copyFileSync(`${ARTIFACTS}/graphiql.png`, `${SCREENSHOTS}/graphiql.png`)

    // The Authorization in the headers pane also authorises the subscription's WebSocket.
    await page.getByRole('button', { name: 'Headers' }).click()
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor').click()
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${login.accessToken}` }))
    const acked = new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no connection_ack on the WebSocket')), WAIT).unref()
      page.on('websocket', (ws) =>
        ws.on('framereceived', (frame) => String(frame.payload).includes('connection_ack') && resolve()),
      )
    })
    await run('subscription { events { __typename } }')
    await acked
    await page.waitForTimeout(500) // the subscribe message follows the ack
    const sender = await gql(
      'mutation($u: String!, $p: String!) { register(username: $u, password: $p) { accessToken } }',
      { u: `graphiql_friend_${suffix}`, p: PASSWORD },
    )
    await gql(
      'mutation($id: ID!) { requestFriend(userId: $id, note: "hi from the API") { id } }',
      { id: login.user.id },
      sender.register.accessToken,
    )
    await page.waitForFunction(
      () => /FriendRequestEvent/.test(document.querySelector('.graphiql-response')?.textContent ?? ''),
      null,
      { timeout: WAIT },
    )
    await shot(page, 'graphiql-subscription')
    assert.deepEqual([...origins], [new URL(IMCHAT).origin], 'GraphiQL loads nothing from another origin')
    await context.close()
  })
})
