// The Redis the Redis tests use: REDIS_URL when set (npm test starts one), else a private redis-server started for
// this test file when installed. Without either: under CI the tests fail; elsewhere they are skipped with a message.
import test from 'ava'
import { hasRedisServer, startRedisServer } from '../../scripts/redis-server.mjs'

const HOW = 'install redis-server (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL'

let started
/** Resolves the URL of a Redis to test against (starting one at most once per file). */
export async function redisUrl() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL
  started ??= startRedisServer()
  return (await started).url
}

test.after.always(async () => {
  if (started) await (await started).stop()
})

const available = Boolean(process.env.REDIS_URL) || hasRedisServer()
if (!available && !process.env.CI) console.log(`Redis tests skipped: no Redis available; ${HOW}`)

/** `test` when a Redis is available; a failing test under CI; a skipped test (with the message above) otherwise. */
export const redisTest = available
  ? test
  : process.env.CI
    ? (title) => test(title, (t) => t.fail(`no Redis available under CI: ${HOW}`))
    : test.skip

/** A key prefix unique to one test, so tests sharing one Redis never see each other's keys. */
export const uniquePrefix = () => `wa-flows-test:${process.pid}:${Math.random().toString(36).slice(2)}:`
