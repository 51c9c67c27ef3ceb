// Small display helpers shared by the components.

import type { GroupRole, GroupSummary, Message, User } from '../core/types'

export function initials(user: Pick<User, 'displayName' | 'username'> | null): string {
  const name = (user?.displayName || user?.username || '?').trim()
  const parts = name.split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? parts[0]![0]! + parts[1]![0]! : name.slice(0, 2)
  return letters.toUpperCase()
}

/** A stable hue per user, so an avatar keeps its colour across sessions. */
export function hueOf(id: string): number {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0
  return hash % 360
}

export function shortTime(iso: string, now = new Date()): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const sameDay = date.toDateString() === now.toDateString()
  if (sameDay) return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  const ageDays = (now.getTime() - date.getTime()) / 86_400_000
  if (ageDays < 6) return date.toLocaleDateString([], { weekday: 'short' })
  return date.toLocaleDateString([], { day: 'numeric', month: 'short' })
}

export function fullTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString()
}

/** The last message under a conversation's name; in a group, others' say who wrote them. */
export function preview(message: Message | null, meId: string | undefined, group = false): string {
  if (!message) return 'No messages yet'
  const text =
    message.type === 'TEXT' || message.type === 'SYSTEM'
      ? (message.content ?? '')
      : message.type === 'IMAGE'
        ? 'Photo'
        : 'File'
  if (message.type === 'SYSTEM') return text
  if (message.sender.id === meId) return `You: ${text}`
  return group ? `${message.sender.displayName}: ${text}` : text
}

/** A stand-in "user" so a group gets an avatar with its initials and its own colour. */
export function groupAvatar(group: GroupSummary | null | undefined): User {
  const name = group?.name ?? 'Group'
  return { id: group?.id ?? 'group', username: name, displayName: name }
}

export function roleLabel(role: GroupRole): string {
  return role === 'OWNER' ? 'Owner' : role === 'ADMIN' ? 'Admin' : 'Member'
}

export function badge(count: number): string {
  return count > 99 ? '99+' : String(count)
}
