// Helpers for the CLI and example tests: run `node dist/cli/main.js` for real, wait for printed URLs, mock servers,
// and a minimal WhatsApp-side request encrypter (node:crypto) for raw HTTP requests on fresh connections.
import { spawn } from 'node:child_process'
import { constants, createCipheriv, createDecipheriv, publicEncrypt, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest, createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const cliPath = join(root, 'dist/cli/main.js')

/** Environment for children: the test's secrets only, never inherited ones. */
/** The variables that configure the package from the environment: tests start without them. */
export const CONFIG_VARS = [
  'WA_FLOWS_PRIVATE_KEY',
  'WA_FLOWS_PRIVATE_KEY_FILE',
  'WA_FLOWS_PRIVATE_KEY_PASSPHRASE',
  'WA_FLOWS_APP_SECRET',
  'WA_FLOWS_VERIFY_TOKEN',
  'WA_FLOWS_ACCESS_TOKEN',
]

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
  const aesKey = randomBytes(16)
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-128-gcm', aesKey, iv)
  const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final(), cipher.getAuthTag()])
  const wrapped = publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)
  const body = JSON.stringify({
    encrypted_flow_data: sealed.toString('base64'),
    encrypted_aes_key: wrapped.toString('base64'),
    initial_vector: iv.toString('base64'),
  })
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
          const s = Buffer.from(text, 'base64')
          const d = createDecipheriv(
            'aes-128-gcm',
            aesKey,
            iv.map((b) => ~b),
          )
          d.setAuthTag(s.subarray(-16))
          resolve({ status: 200, response: JSON.parse(Buffer.concat([d.update(s.subarray(0, -16)), d.final()]).toString('utf8')) })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Lines of a text, without the empty last one. */
export const lines = (s) => s.split('\n').filter((l) => l.length > 0)
