// Helpers for the CLI and example tests: run `node dist/cli/main.js` for real, wait for printed URLs, mock servers,
// and raw HTTP requests on fresh connections, sealed and opened with the node:crypto reference (reference.mjs).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest, createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openResponse, sealWithNodeCrypto } from './reference.mjs'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const cliPath = join(root, 'dist/cli/main.js')

/** The variables that configure the package from the environment: tests start without them. */
export const CONFIG_VARS = [
  'WA_FLOWS_PRIVATE_KEY',
  'WA_FLOWS_PRIVATE_KEY_FILE',
  'WA_FLOWS_PRIVATE_KEY_PASSPHRASE',
  'WA_FLOWS_APP_SECRET',
  'WA_FLOWS_VERIFY_TOKEN',
  'WA_FLOWS_ACCESS_TOKEN',
]

/** Environment for children: the test's secrets only, never inherited ones. */
export function cleanEnv(extra = {}) {
  const env = { ...process.env, NODE_ENV: 'test' }
  for (const k of [...CONFIG_VARS, 'WA_FLOWS_DEBUG', 'WA_FLOWS_DEV_KEYS', 'PORT', 'HOST']) delete env[k]
  return { ...env, ...extra }
}

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'wa-flows-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Runs the CLI to completion: { code, signal, stdout, stderr }. */
export function runCli(args, { env = cleanEnv(), cwd = root, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`wa-flows ${args.join(' ')} timed out; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * Starts a long-running node process (killed at teardown) and resolves once its stdout matches `ready`
 * (the match is returned). `proc.output()` gives stdout so far, `proc.exited` resolves with { code, signal }.
 */
export function startProcess(t, args, { env = cleanEnv(), cwd = root, ready = /Listening on (http:\/\/\S+)/i, timeoutMs = 15_000 } = {}) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  const waiters = []
  child.stdout.on('data', (d) => {
    stdout += d
    for (const w of [...waiters]) w()
  })
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  const waitFor = (re, ms = timeoutMs) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = stdout.match(re)
        if (!m) return
        waiters.splice(waiters.indexOf(check), 1)
        clearTimeout(timer)
        resolve(m)
      }
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1)
        reject(new Error(`no ${re} in output after ${ms} ms; stdout: ${stdout} stderr: ${stderr}`))
      }, ms)
      waiters.push(check)
      exited.then(() =>
        setTimeout(() => {
          if (waiters.includes(check)) {
            waiters.splice(waiters.indexOf(check), 1)
            clearTimeout(timer)
            reject(new Error(`process exited before ${re}; stdout: ${stdout} stderr: ${stderr}`))
          }
        }, 20),
      )
      check()
    })
  return { child, exited, waitFor, ready: waitFor(ready), output: () => stdout, errors: () => stderr }
}

/** A throwaway HTTP server on 127.0.0.1 recording requests; `respond(req, body)` → { status, json }. */
export async function mockServer(t, respond) {
  const requests = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body }
      requests.push(entry)
      const { status = 200, json } = respond(entry)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
    })
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  t.teardown(() => new Promise((ok) => server.close(ok)))
  return { url: `http://127.0.0.1:${server.address().port}`, requests }
}

/** Encrypts `payload` as WhatsApp does and POSTs it on a new connection; resolves { status, response }. */
export function postEncrypted(url, publicKeyPem, payload) {
  const { aesKey, iv, json: body } = sealWithNodeCrypto(payload, { publicKey: publicKeyPem })
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve({ status: res.statusCode, response: text })
          resolve({ status: 200, response: openResponse(aesKey, iv, text) })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Lines of a text, without the empty last one. */
export const lines = (s) => s.split('\n').filter((l) => l.length > 0)
