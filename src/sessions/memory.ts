// The embedded FlowStore: a bounded in-process map with per-key expiry. Shared by nothing but this process.
import type { FlowClaimResult, FlowStore } from './types.js'

export interface MemoryStoreOptions {
  /** Most keys kept (sessions, message links and webhook marks together; default 10 000). */
  maxEntries?: number
}

interface Entry {
  value: string
  expiresAt: number
}

/** Expired entries looked at per write, from the oldest: bounded work per call. */
const SWEEP = 64
const DONE = 'done'

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number of milliseconds`)
  return value
}

/**
 * A store in this process's memory. At `maxEntries` the least recently written key is dropped first (expired keys
 * go before that), so memory stays bounded whatever callers do; a dropped webhook mark can let a very late
 * redelivery through once. Use `createRedisStore()` when several instances serve the same number.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): FlowStore {
  const max = options.maxEntries ?? 10_000
  if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError('maxEntries must be a positive integer')
  const map = new Map<string, Entry>()

  const live = (key: string): Entry | undefined => {
    const e = map.get(key)
    if (!e) return undefined
    if (e.expiresAt > Date.now()) return e
    map.delete(key)
    return undefined
  }

  const write = (key: string, value: string, ttlMs: number): void => {
    map.delete(key) // re-inserted at the end: the map's order is the order of writes
    const now = Date.now()
    let looked = 0
    for (const [k, e] of map) {
      if (map.size < max && looked >= SWEEP) break
      if (e.expiresAt <= now || map.size >= max) map.delete(k)
      if (++looked >= max + SWEEP) break
    }
    map.set(key, { value, expiresAt: now + positive(ttlMs, 'ttlMs') })
  }

  return {
    async get(key) {
      return live(key)?.value
    },
    async set(key, value, ttlMs) {
      if (typeof value !== 'string') throw new TypeError('value must be a string')
      write(key, value, ttlMs)
    },
    async delete(key) {
      map.delete(key)
    },
    async claim(key, owner, leaseMs): Promise<FlowClaimResult> {
      const e = live(key)
      if (!e) {
        write(key, `claim:${owner}`, leaseMs)
        return 'claimed'
      }
      return e.value === DONE ? 'done' : 'busy'
    },
    async finish(key, owner, ttlMs) {
      const e = live(key)
      if (!e || e.value === `claim:${owner}`) write(key, DONE, ttlMs)
    },
    async release(key, owner) {
      if (live(key)?.value === `claim:${owner}`) map.delete(key)
    },
    async close() {
      map.clear()
    },
  }
}
