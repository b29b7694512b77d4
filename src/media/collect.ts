// Finds every media item (an object with `cdn_url` and `encryption_metadata`) anywhere inside a JSON value.
import type { FlowMediaItem } from '../protocol.js'

function isMediaItem(v: Record<string, unknown>): boolean {
  const meta = v.encryption_metadata
  return typeof v.cdn_url === 'string' && meta !== null && typeof meta === 'object' && !Array.isArray(meta)
}

/**
 * Walks `value` depth-first (arrays in order, object properties in insertion order) and returns every media
 * item found, e.g. all PhotoPicker/DocumentPicker uploads of a decrypted request. Items are not searched
 * further; each object is visited once (cycles are safe).
 */
export function collectMediaItems(value: unknown): FlowMediaItem[] {
  const found: FlowMediaItem[] = []
  const seen = new Set<object>()
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object' || seen.has(v)) continue
    seen.add(v)
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i])
      continue
    }
    const obj = v as Record<string, unknown>
    if (isMediaItem(obj)) {
      found.push(obj as unknown as FlowMediaItem)
      continue
    }
    const values = Object.values(obj)
    for (let i = values.length - 1; i >= 0; i--) stack.push(values[i])
  }
  return found
}
