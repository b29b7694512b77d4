// createRedisStore: the FlowStore on Redis, shared by every instance and surviving restarts. Uses the official
// `redis` client (an optional peer dependency, imported only here, only when a store is created from a URL); each
// operation is one atomic command or Lua script. Node entry only.
import { FlowStoreError } from '../errors.js'
import { redact } from '../util/redact.js'
import type { FlowClaimResult, FlowStore } from './types.js'

/** The part of a node-redis client (v4–v6) the store uses. */
export interface RedisClientLike {
  sendCommand(args: string[]): Promise<unknown>
  isOpen?: boolean
  connect?(): Promise<unknown>
}

export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host:port[/db]` (or `rediss://`): the store creates, connects and closes its own client. */
  url?: string
  /** An existing node-redis client instead of `url`; connected when needed, never closed by the store. */
  client?: RedisClientLike
  /** Prefix of every key (default `wa-flows:`), to share one database between applications or tests. */
  prefix?: string
  /** Time allowed to connect, in ms (default 5000). */
  connectTimeoutMs?: number
}

const CLAIM = `local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'claim:' .. ARGV[1], 'PX', ARGV[2])
  return 'claimed'
end
if v == 'done' then return 'done' end
return 'busy'`

const FINISH = `local v = redis.call('GET', KEYS[1])
if (not v) or v == 'claim:' .. ARGV[1] then redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) end
return 1`

const RELEASE = `if redis.call('GET', KEYS[1]) == 'claim:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`

function ms(value: number, name: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number of milliseconds`)
  return String(Math.ceil(value))
}

/** The URL's password and user, to keep them out of error messages. */
function credentials(url: string): string[] {
  try {
    const u = new URL(url)
    return [decodeURIComponent(u.password), decodeURIComponent(u.username)].filter(Boolean)
  } catch {
    return []
  }
}

/** The optional `redis` peer dependency, untyped here: its types are not imported. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type RedisModule = { createClient(options: object): any }

async function importRedis(): Promise<RedisModule> {
  // A variable specifier: bundlers leave it alone, and the package loads only when a Redis store is really used.
  const specifier = 'redis'
  try {
    return (await import(specifier)) as RedisModule
  } catch (e) {
    throw new FlowStoreError('createRedisStore({ url }) needs the `redis` package (an optional peer dependency): npm install redis', {
      cause: e,
    })
  }
}

export function createRedisStore(options: RedisStoreOptions): FlowStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('createRedisStore takes { url } or { client }')
  const { url, client: given } = options
  if ((url === undefined) === (given === undefined)) throw new TypeError('give exactly one of url or client')
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url)))
    throw new TypeError('url must be a redis:// or rediss:// URL')
  if (given !== undefined && typeof given?.sendCommand !== 'function')
    throw new TypeError('client must be a node-redis client (with sendCommand)')
  const prefix = options.prefix ?? 'wa-flows:'
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000
  if (!Number.isSafeInteger(connectTimeoutMs) || connectTimeoutMs <= 0) throw new TypeError('connectTimeoutMs must be a positive integer')
  const secrets = url ? credentials(url) : []

  let connecting: Promise<RedisClientLike> | undefined
  // biome-ignore lint/suspicious/noExplicitAny: the client of the optional `redis` peer, untyped here
  let own: any
  let closed = false

  async function open(): Promise<RedisClientLike> {
    if (given) {
      if (given.isOpen === false && typeof given.connect === 'function') await given.connect()
      return given
    }
    const { createClient } = await importRedis()
    let connectedOnce = false
    const client = createClient({
      url,
      // Fail fast while Redis is unreachable instead of queueing commands until it is back.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        // Before the first connection a failure ends the attempt (the next operation tries again); afterwards the
        // client reconnects with a growing delay.
        reconnectStrategy: (retries: number, cause: Error) => (connectedOnce ? Math.min(50 * 2 ** Math.min(retries, 6), 2000) : cause),
      },
    })
    // Without a listener an 'error' event would end the process; failures surface through the commands instead.
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (e) {
      try {
        client.destroy()
      } catch {
        // already closed
      }
      throw e
    }
    connectedOnce = true
    own = client
    return client
  }

  async function command(args: string[]): Promise<unknown> {
    if (closed) throw new FlowStoreError('the Redis store is closed')
    try {
      const client = await (connecting ??= open().catch((e: unknown) => {
        connecting = undefined
        throw e
      }))
      return await client.sendCommand(args)
    } catch (e) {
      if (e instanceof FlowStoreError) throw e
      const reason = e instanceof Error ? e.message : String(e)
      throw new FlowStoreError(redact(`the Redis store failed: ${reason}`, secrets), { cause: e })
    }
  }

  const key = (k: string) => prefix + k
  const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))

  return {
    async get(k) {
      return text(await command(['GET', key(k)]))
    },
    async set(k, value, ttlMs) {
      if (typeof value !== 'string') throw new TypeError('value must be a string')
      await command(['SET', key(k), value, 'PX', ms(ttlMs, 'ttlMs')])
    },
    async delete(k) {
      await command(['DEL', key(k)])
    },
    async claim(k, owner, leaseMs): Promise<FlowClaimResult> {
      const r = text(await command(['EVAL', CLAIM, '1', key(k), owner, ms(leaseMs, 'leaseMs')]))
      if (r === 'claimed' || r === 'busy' || r === 'done') return r
      throw new FlowStoreError('the Redis claim script answered something unexpected')
    },
    async finish(k, owner, ttlMs) {
      await command(['EVAL', FINISH, '1', key(k), owner, ms(ttlMs, 'ttlMs')])
    },
    async release(k, owner) {
      await command(['EVAL', RELEASE, '1', key(k), owner])
    },
    async close() {
      closed = true
      const pending = connecting
      connecting = undefined
      if (!pending || given) return
      await pending.catch(() => undefined)
      if (!own) return
      const client = own
      own = undefined
      try {
        await (typeof client.close === 'function' ? client.close() : client.quit())
      } catch {
        client.destroy?.()
      }
    },
  }
}
