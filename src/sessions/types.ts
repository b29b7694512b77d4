// Public types of flow sessions: the key-value store with TTL and claims (memory, Redis, or yours), the typed
// per-token session API, and the handle handlers get as `ctx.session`.

/** What `claim` found: the key was free (now ours for the lease), held by a live claim, or marked done. */
export type FlowClaimResult = 'claimed' | 'busy' | 'done'

/**
 * Where sessions, message links and webhook de-duplication marks live. Values are strings; every method is atomic
 * on its own. Implement it to use another database; `createMemoryStore()` and `createRedisStore()` are built in.
 */
export interface FlowStore {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  /** Stores `value` for `ttlMs` milliseconds (replacing any value and TTL). */
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /**
   * Takes `key` for `owner` for `leaseMs` when it is free (absent or an expired claim): `claimed`. A live claim of
   * anyone (this owner included) answers `busy`, a key marked by `finish` answers `done`.
   */
  claim(key: string, owner: string, leaseMs: number): Promise<FlowClaimResult>
  /** Marks `key` done for `ttlMs`, unless another owner claimed it meanwhile (then it is left alone). */
  finish(key: string, owner: string, ttlMs: number): Promise<void>
  /** Frees `owner`'s claim (after a failure), so a redelivery can take it at once. */
  release(key: string, owner: string): Promise<void>
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>
}

export interface FlowSessionsOptions {
  /** Default: `createMemoryStore()` (this process only). Use `createRedisStore()` to share between instances. */
  store?: FlowStore
  /** How long a session lives after its last `set`, in ms (default 24 h). Message links live as long. */
  ttlMs?: number
}

/** One flow token's session, as handlers see it (`ctx.session`, the completion's session). */
export interface FlowSession<T> {
  /** The flow token this session belongs to ('' when the request carried none). */
  readonly flowToken: string
  /** The stored value, or undefined when there is none (never created, expired, or ended). */
  get(): Promise<T | undefined>
  /** Stores `value` (JSON) and restarts the TTL. */
  set(value: T): Promise<void>
  /** Ends the session. */
  delete(): Promise<void>
}

/** Typed sessions keyed by flow token, over one store. */
export interface FlowSessions<T = unknown> {
  readonly store: FlowStore
  readonly ttlMs: number
  get(flowToken: string): Promise<T | undefined>
  /** Stores the value as JSON for `ttlMs` (default: the sessions' TTL). */
  set(flowToken: string, value: T, ttlMs?: number): Promise<void>
  delete(flowToken: string): Promise<void>
  /** The session handle of one token. */
  session(flowToken: string): FlowSession<T>
  /** Remembers which flow token a sent flow message (its message id) carries; completions without `flow_token` use it. */
  linkMessage(messageId: string, flowToken: string): Promise<void>
  /** The flow token linked to a sent message id, if any. */
  tokenForMessage(messageId: string): Promise<string | undefined>
  /** Closes the store. */
  close(): Promise<void>
}
