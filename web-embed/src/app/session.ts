// The signed-in session of the full app: tokens in memory, mirrored to localStorage when
// the browser allows it (storage can be blocked; the app then forgets on reload).

import { ref } from 'vue'
import * as ops from '../core/operations'
import { createTransport } from '../core/transport'
import type { AuthPayload, User } from '../core/types'

const KEY = 'imchat.session'

interface Stored {
  accessToken: string
  refreshToken: string
  user: User
}

function load(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Stored) : null
  } catch {
    return null
  }
}

function save(value: Stored | null): void {
  try {
    if (value) localStorage.setItem(KEY, JSON.stringify(value))
    else localStorage.removeItem(KEY)
  } catch {
    // Blocked storage only costs staying signed in across reloads.
  }
}

export function createSession(endpoint: string) {
  const current = ref<Stored | null>(load())
  const anonymous = createTransport({ endpoint, getToken: () => null })
  let refreshing: Promise<boolean> | null = null

  function set(payload: AuthPayload | null): void {
    current.value = payload
      ? { accessToken: payload.accessToken, refreshToken: payload.refreshToken, user: payload.user }
      : null
    save(current.value)
  }

  async function signIn(username: string, password: string): Promise<void> {
    const data = await anonymous.request<{ login: AuthPayload }>(ops.LOGIN, { username, password })
    set(data.login)
  }

  async function signUp(username: string, password: string, displayName: string): Promise<void> {
    const data = await anonymous.request<{ register: AuthPayload }>(ops.REGISTER, {
      username,
      password,
      displayName: displayName.trim() || null,
    })
    set(data.register)
  }

  /** Trade the refresh token for a new pair; concurrent callers share one request. */
  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const token = current.value?.refreshToken
      if (!token) return false
      try {
        const data = await anonymous.request<{ refreshToken: AuthPayload }>(ops.REFRESH, {
          refreshToken: token,
        })
        set(data.refreshToken)
        return true
      } catch {
        set(null)
        return false
      } finally {
        refreshing = null
      }
    })()
    return refreshing
  }

  return { current, signIn, signUp, refresh, signOut: () => set(null) }
}
