// The postMessage protocol between a host page and /embed. Every message is a plain object
// with a `type` starting "imchat:"; the embed acts only on messages from an allowed origin.

/** Host → embed. */
export type HostMessage =
  | { type: 'imchat:auth'; token: string }
  | { type: 'imchat:open'; conversationId: string | null }
  | { type: 'imchat:signout' }

/** Embed → host. */
export type EmbedMessage =
  | { type: 'imchat:ready' }
  | { type: 'imchat:unread'; total: number; conversations: Record<string, number> }
  | { type: 'imchat:auth-required' }

export interface EmbedConfig {
  mode: 'embed'
  embedOrigins: string[]
}

export function readConfig(doc: Document): EmbedConfig {
  const el = doc.getElementById('imchat-config')
  try {
    const parsed = JSON.parse(el?.textContent ?? '{}') as Partial<EmbedConfig>
    const origins = Array.isArray(parsed.embedOrigins)
      ? parsed.embedOrigins.filter((o): o is string => typeof o === 'string')
      : []
    return { mode: 'embed', embedOrigins: origins }
  } catch {
    return { mode: 'embed', embedOrigins: [] }
  }
}

/** The page's own origin is always allowed; others only when the server lists them. */
export function isAllowedOrigin(origin: string, allowed: string[], own: string): boolean {
  return origin === own || allowed.includes(origin)
}

export function parseHostMessage(data: unknown): HostMessage | null {
  if (!data || typeof data !== 'object') return null
  const m = data as Record<string, unknown>
  switch (m.type) {
    case 'imchat:auth':
      return typeof m.token === 'string' && m.token ? { type: 'imchat:auth', token: m.token } : null
    case 'imchat:open':
      return typeof m.conversationId === 'string' || m.conversationId === null
        ? { type: 'imchat:open', conversationId: m.conversationId }
        : null
    case 'imchat:signout':
      return { type: 'imchat:signout' }
    default:
      return null
  }
}
