// Mentions in a group's composer: the "@word" being typed, the members it may mean, and
// which people (or @all) a finished text names. Pure functions, pinned by Vitest.

import type { User } from './types'

export const MENTION_ALL = 'all'
const MAX_SUGGESTIONS = 8
const MAX_QUERY = 32

export interface MentionOption {
  /** A user id, or MENTION_ALL. */
  id: string
  /** What goes into the text after the "@". */
  label: string
  /** A second line for the list: the username, or what @all means. */
  hint: string
}

/** The "@query" ending at the caret, if one is being typed: where its "@" is and the query. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const match = new RegExp(`(^|\\s)@([^\\s@]{0,${MAX_QUERY}})$`).exec(before)
  if (!match) return null
  const query = match[2] ?? ''
  return { start: caret - query.length - 1, query }
}

function matches(user: User, query: string): boolean {
  const q = query.toLowerCase()
  if (!q) return true
  if (user.username.toLowerCase().startsWith(q)) return true
  return user.displayName
    .toLowerCase()
    .split(/\s+/)
    .some((word, i, words) => word.startsWith(q) || words.slice(i).join(' ').startsWith(q))
}

/** What to offer for a query: @all first when allowed, then matching members but me. */
export function mentionOptions(
  members: User[],
  meId: string | undefined,
  query: string,
  mayMentionAll: boolean,
): MentionOption[] {
  const options: MentionOption[] = []
  if (mayMentionAll && MENTION_ALL.startsWith(query.toLowerCase())) {
    options.push({ id: MENTION_ALL, label: MENTION_ALL, hint: 'everyone in the group' })
  }
  for (const user of members) {
    if (options.length >= MAX_SUGGESTIONS) break
    if (user.id === meId || !matches(user, query)) continue
    options.push({ id: user.id, label: user.displayName, hint: `@${user.username}` })
  }
  return options
}

/** Replace the "@query" that starts at `start` and ends at the caret with "@label ". */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  label: string,
): { text: string; caret: number } {
  const insert = `@${label} `
  return { text: text.slice(0, start) + insert + text.slice(caret), caret: start + insert.length }
}

const isBoundary = (ch: string | undefined): boolean => ch === undefined || !/[\p{L}\p{N}_]/u.test(ch)

/**
 * Who a text mentions: each member named as "@Display Name" or "@username" (longest names
 * first, so "@Bob Stone" is not also "@Bob"), and "@all" when the sender may use it. Only
 * the text decides: deleting a chosen mention from the draft un-mentions the person.
 */
export function resolveMentions(
  text: string,
  members: User[],
  meId: string | undefined,
  mayMentionAll: boolean,
): { mentions: string[]; mentionAll: boolean } {
  const names: { id: string; name: string }[] = []
  for (const user of members) {
    if (user.id === meId) continue
    names.push({ id: user.id, name: user.displayName }, { id: user.id, name: user.username })
  }
  if (mayMentionAll) names.push({ id: MENTION_ALL, name: MENTION_ALL })
  names.sort((a, b) => b.name.length - a.name.length)

  let rest = text
  const found = new Set<string>()
  for (const { id, name } of names) {
    if (!name) continue
    const needle = `@${name}`.toLowerCase()
    let from = 0
    for (;;) {
      const at = rest.toLowerCase().indexOf(needle, from)
      if (at < 0) break
      const end = at + needle.length
      if ((at === 0 || /\s/.test(rest[at - 1]!)) && isBoundary(rest[end])) {
        found.add(id)
        // Blank the match so a shorter name inside it is not found again.
        rest = rest.slice(0, at) + ' '.repeat(needle.length) + rest.slice(end)
      }
      from = end
    }
  }
  const mentionAll = found.delete(MENTION_ALL)
  return { mentions: [...found], mentionAll }
}
