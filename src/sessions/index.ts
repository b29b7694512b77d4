// The sessions module as both entries export it: typed sessions over a store, and the in-memory store. The Redis
// store (src/sessions/redis.ts) is exported by the Node entry only.
export { createFlowSessions } from './sessions.js'
export { createMemoryStore } from './memory.js'
export type { MemoryStoreOptions } from './memory.js'
export type * from './types.js'
