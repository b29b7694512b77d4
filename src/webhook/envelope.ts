// Walks a messages-webhook body (`entry[].changes[]`) into the items the webhook dispatches: flow completions,
// other messages, `flows` field events and any other change, each with what its event needs. Pure; no I/O.
import { isPlainObject } from '../util/inspect.js'
import type { WebhookContact } from './types.js'

export type EnvelopeItem =
  | {
      kind: 'completion' | 'message'
      wabaId: string
      message: Record<string, unknown>
      metadata: Record<string, unknown>
      contact: WebhookContact | undefined
    }
  | { kind: 'flows'; wabaId: string; time: number; value: Record<string, unknown> }
  | { kind: 'change'; wabaId: string; time: number | undefined; field: string; value: unknown }

/** Most items taken from one body; Meta batches at most 1000 updates. */
const MAX_ITEMS = 5000

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')
const seconds = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN
  return Number.isFinite(n) ? n : undefined
}
export const unixSeconds = (v: unknown): number => seconds(v) ?? 0

/** An `interactive.nfm_reply` message: the completion of a flow. */
export function isCompletionMessage(m: Record<string, unknown>): boolean {
  const interactive = m.interactive
  return m.type === 'interactive' && isPlainObject(interactive) && interactive.type === 'nfm_reply'
}

function contactFor(value: Record<string, unknown>, from: unknown): WebhookContact | undefined {
  const contacts = Array.isArray(value.contacts) ? value.contacts.filter(isPlainObject) : []
  const c = contacts.find((x) => x.wa_id === from) ?? contacts[0]
  if (!c) return undefined
  const profile = isPlainObject(c.profile) ? c.profile : {}
  return { name: typeof profile.name === 'string' ? profile.name : undefined, waId: typeof c.wa_id === 'string' ? c.wa_id : undefined }
}

/** The items of a parsed body, in order. Anything that is not the documented shape is skipped. */
export function envelopeItems(body: unknown): EnvelopeItem[] {
  const items: EnvelopeItem[] = []
  if (!isPlainObject(body) || !Array.isArray(body.entry)) return items
  for (const entry of body.entry) {
    if (!isPlainObject(entry) || !Array.isArray(entry.changes)) continue
    const wabaId = text(entry.id)
    const time = seconds(entry.time)
    for (const change of entry.changes) {
      if (items.length >= MAX_ITEMS) return items
      if (!isPlainObject(change) || typeof change.field !== 'string') continue
      const { field, value } = change
      if (field === 'flows' && isPlainObject(value)) {
        items.push({ kind: 'flows', wabaId, time: time ?? 0, value })
        continue
      }
      const messages =
        field === 'messages' && isPlainObject(value) && Array.isArray(value.messages) ? value.messages.filter(isPlainObject) : []
      if (messages.length === 0) {
        items.push({ kind: 'change', wabaId, time, field, value })
        continue
      }
      const v = value as Record<string, unknown>
      const metadata = isPlainObject(v.metadata) ? v.metadata : {}
      for (const message of messages.slice(0, MAX_ITEMS - items.length)) {
        items.push({
          kind: isCompletionMessage(message) ? 'completion' : 'message',
          wabaId,
          message,
          metadata,
          contact: contactFor(v, message.from),
        })
      }
    }
  }
  return items
}
