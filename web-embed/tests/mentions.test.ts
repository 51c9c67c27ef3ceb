import { describe, expect, it } from 'vitest'
import { insertMention, mentionOptions, mentionQuery, resolveMentions } from '../src/core/mentions'
import type { User } from '../src/core/types'
import { BOB, CAROL, ME } from './fixtures'

const BOBBY: User = { id: 'bobby', username: 'bobby', displayName: 'Bob Stone' }
const members = [ME, BOB, CAROL, BOBBY]

describe('mention parsing', () => {
  it('finds the @word being typed at the caret, and nothing inside a word or an address', () => {
    expect(mentionQuery('hi @ca', 6)).toEqual({ start: 3, query: 'ca' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('mail ann@example', 16)).toBeNull()
    expect(mentionQuery('hi @carol there', 15)).toBeNull()
    expect(mentionQuery('hi @carol there', 9)).toEqual({ start: 3, query: 'carol' })
  })

  it('offers matching members but me, and @all only to those who may use it', () => {
    expect(mentionOptions(members, ME.id, 'st', false).map((o) => o.id)).toEqual(['carol', 'bobby'])
    expect(mentionOptions(members, ME.id, '', false).map((o) => o.id)).toEqual(['bob', 'carol', 'bobby'])
    expect(mentionOptions(members, ME.id, 'a', true)[0]!.id).toBe('all')
    expect(mentionOptions(members, ME.id, 'a', false).some((o) => o.id === 'all')).toBe(false)
  })

  it('puts the chosen name in place of the query and the caret after it', () => {
    expect(insertMention('hi @ca and', 3, 6, 'Carol Stone')).toEqual({ text: 'hi @Carol Stone  and', caret: 16 })
  })

  it('resolves the people a text names, longest names first, each once', () => {
    const text = '@Bob Stone and @Bob, also @bob again; @carol!'
    const found = resolveMentions(text, members, ME.id, false)
    expect(found.mentions.sort()).toEqual(['bob', 'bobby', 'carol'])
    expect(found.mentionAll).toBe(false)
    expect(resolveMentions('@Bob Stone', members, ME.id, false).mentions).toEqual(['bobby'])
  })

  it('ignores a name glued to more letters, myself, and @all without the right', () => {
    expect(resolveMentions('@Bobcat and @ann', members, ME.id, false)).toEqual({ mentions: [], mentionAll: false })
    expect(resolveMentions('@all look', members, ME.id, false)).toEqual({ mentions: [], mentionAll: false })
    expect(resolveMentions('@all look', members, ME.id, true)).toEqual({ mentions: [], mentionAll: true })
  })

  it('un-mentions someone whose name was deleted from the draft', () => {
    const chosen = insertMention('@ca', 0, 3, 'Carol Stone').text
    expect(resolveMentions(chosen, members, ME.id, false).mentions).toEqual(['carol'])
    expect(resolveMentions(chosen.replace('@Carol Stone', ''), members, ME.id, false).mentions).toEqual([])
  })
})
