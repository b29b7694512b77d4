// Starts a throwaway redis-server for the tests: a free loopback port, no persistence (--save '' --appendonly no),
// its own temporary directory; stop() kills it and removes the directory. Used by scripts/test.mjs (one server
// for the whole ava run, passed on as REDIS_URL) and by __test__/helpers/redis.mjs (when a test file runs alone).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { freePort } from './free-port.mjs'

/** True when a `redis-server` binary is on PATH. */
export function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

/** Resolves { url, stop } once the server accepts connections (10 s at most, else it rejects). */
export async function startRedisServer({ timeoutMs = 10_000 } = {}) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'wa-flows-redis-'))
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ]
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const stop = () =>
    new Promise((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true })
        resolve()
      }
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once('close', done)
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 3000).unref()
    })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  // Ready when the port accepts a PING; bounded by the deadline.
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`redis-server exited at start: ${output.trim().slice(0, 500)}`)
    }
    if (await ping(port)) return { url, port, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server did not answer within ${timeoutMs} ms: ${output.trim().slice(0, 500)}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** One PING over a raw socket: true on +PONG. */
async function ping(port) {
  const { connect } = await import('node:net')
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const finish = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => finish(false))
    socket.on('error', () => finish(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => {
      data += d
      if (data.includes('\r\n')) finish(data.startsWith('+PONG'))
    })
  })
}
