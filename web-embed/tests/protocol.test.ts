import { describe, expect, it } from 'vitest'
import { isAllowedOrigin, parseHostMessage } from '../src/embed/protocol'

describe('embed postMessage protocol', () => {
  const allowed = ['https://host.example']
  const own = 'https://chat.example'

  it('accepts messages only from a listed origin or the page itself', () => {
    expect(isAllowedOrigin('https://host.example', allowed, own)).toBe(true)
    expect(isAllowedOrigin(own, allowed, own)).toBe(true)
    expect(isAllowedOrigin('https://evil.example', allowed, own)).toBe(false)
    expect(isAllowedOrigin('https://host.example.evil.example', allowed, own)).toBe(false)
    expect(isAllowedOrigin('null', allowed, own)).toBe(false)
  })

  it('parses the host messages and drops anything else', () => {
    expect(parseHostMessage({ type: 'imchat:auth', token: 't' })).toEqual({ type: 'imchat:auth', token: 't' })
    expect(parseHostMessage({ type: 'imchat:auth', token: 42 })).toBeNull()
    expect(parseHostMessage({ type: 'imchat:open', conversationId: 'c1' })).toEqual({
      type: 'imchat:open',
      conversationId: 'c1',
    })
    expect(parseHostMessage('imchat:auth')).toBeNull()
    expect(parseHostMessage({ type: 'other' })).toBeNull()
  })
})
