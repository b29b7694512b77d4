#!/usr/bin/env node
// `npm test`: builds (TypeScript, the addon and its `testing` variant when cargo exists), runs the Rust tests for
// both feature sets (openssl, pure-rust), a bounded fuzzing run (scripts/fuzz.mjs, one test per target run) and the
// ava suite (with a private redis-server when one is installed), then prints one line `tests: N passed, N failed`.
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { buildNative, hasCargo, root } from './build-native.mjs'
import { runFuzz } from './fuzz.mjs'
import { hasRedisServer, startRedisServer } from './redis-server.mjs'

const totals = { passed: 0, failed: 0 }
const log = (msg) => process.stdout.write(`\n== ${msg}\n`)

function runSync(cmd, args, env = process.env) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env }).status === 0
}

/** Runs a command, echoing its output, and returns the combined output text. */
function runCapture(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const pipe = (stream, sink) =>
      stream.on('data', (d) => {
        out += d
        sink.write(d)
      })
    pipe(child.stdout, process.stdout)
    pipe(child.stderr, process.stderr)
    child.on('close', (code) => resolve({ code, out }))
  })
}

function fail(what) {
  console.log(`${what} failed\ntests: ${totals.passed} passed, ${totals.failed + 1} failed`)
  process.exit(1)
}

log('build')
if (!runSync(process.execPath, [join(root, 'scripts/build.mjs')])) fail('the build')

if (hasCargo()) {
  log('build the addon with the test-only exports (feature `testing`)')
  if (buildNative({ variant: 'testing' }) !== 0) fail('the testing build')
  for (const features of [[], ['--no-default-features', '--features', 'pure-rust']]) {
    log(`cargo test -p flows-crypto (${features.length ? 'pure-rust' : 'openssl'})`)
    const { code, out } = await runCapture('cargo', ['test', '-p', 'flows-crypto', ...features])
    let counted = false
    for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
      totals.passed += Number(m[1])
      totals.failed += Number(m[2])
      counted = true
    }
    if (code !== 0 && !counted) totals.failed += 1 // build failure
  }
  log('fuzz: each target for a bounded time (scripts/fuzz.mjs)')
  const fuzz = await runFuzz()
  totals.passed += fuzz.passed
  totals.failed += fuzz.failed
} else {
  log('cargo not found: skipping the Rust tests (the WebCrypto backend is tested below)')
}

// The Redis tests (sessions shared between instances) get one server for the whole run: a REDIS_URL given from
// outside is used as is; otherwise redis-server is started here when installed. Without either, those tests fail
// under CI and are skipped (saying how to install it) elsewhere.
let redis
if (!process.env.REDIS_URL && hasRedisServer()) {
  try {
    redis = await startRedisServer()
    log(`redis-server on ${redis.url}`)
  } catch (e) {
    log(`redis-server could not start: ${e.message}`)
  }
} else if (!process.env.REDIS_URL) {
  log('redis-server not found: the Redis tests fail under CI and are skipped otherwise (apt-get install redis-server)')
}
const avaEnv = redis ? { ...process.env, REDIS_URL: redis.url } : process.env

log('ava')
const ava = await runCapture(
  process.execPath,
  [join(root, 'node_modules/ava/entrypoints/cli.mjs'), '--tap', ...process.argv.slice(2)],
  avaEnv,
)
await redis?.stop()
const count = (name) => Number(ava.out.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0)
totals.passed += count('pass')
totals.failed += count('fail')
if (ava.code !== 0 && count('fail') === 0) totals.failed += 1 // ava itself failed (no TAP summary)

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed`)
process.exit(totals.failed === 0 ? 0 : 1)
