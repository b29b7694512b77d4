// Runs Cloudflare's workerd (the binary of the `workerd` npm package) for a test: writes ES modules and a capnp
// config with text bindings into a temp dir, serves them on 127.0.0.1 at a free port, waits until the port
// accepts connections, and stops the process (and removes the dir) at teardown.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../scripts/free-port.mjs'

const workerd = createRequire(import.meta.url)('workerd')

/** Path of the workerd binary (from @cloudflare/workerd-<platform>), its npm version and compatibility date. */
export const workerdPath = workerd.default
export const workerdVersion = workerd.version
export const compatibilityDate = workerd.compatibilityDate

/** ENOENT for a binary that exists means its ELF interpreter is missing: a glibc build on a musl system. */
const glibcHint = (e) =>
  e?.code === 'ENOENT' && existsSync(workerdPath) ? '; workerd publishes glibc builds only, which do not start on musl (Alpine)' : ''

/** `workerd --version` (e.g. `workerd 2026-11-17`), or throws with the reason it does not run. */
export function workerdBinaryVersion() {
  const r = spawnSync(workerdPath, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) throw new Error(`${workerdPath} --version failed: ${r.error ? `${r.error.message}${glibcHint(r.error)}` : r.stderr}`)
  return r.stdout.trim()
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.end()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

const NAME = /^[A-Za-z0-9_.-]{1,64}$/

function config({ modules, bindings, port }) {
  const mods = Object.keys(modules).map((name) => `(name = ${JSON.stringify(name)}, esModule = embed ${JSON.stringify(name)})`)
  const binds = Object.keys(bindings).map((name, i) => `(name = ${JSON.stringify(name)}, text = embed "binding-${i}.txt")`)
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [${mods.join(', ')}],
  compatibilityDate = "${compatibilityDate}",
  bindings = [${binds.join(', ')}],
);
`
}

/** Stops a child: SIGTERM, then SIGKILL after 3 s; resolves once it has exited (or 2 s after the SIGKILL). */
function stop(child) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
    const giveUp = setTimeout(resolve, 5000)
    child.once('exit', () => {
      clearTimeout(kill)
      clearTimeout(giveUp)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Serves `modules` ({ fileName: source }, the first is the main module) with text `bindings` ({ NAME: value },
 * given to the worker as `env.NAME`). Resolves `{ url, output }` once workerd listens; `output()` is its log so far.
 */
export async function startWorkerd(t, { modules, bindings = {}, timeoutMs = 20_000 }) {
  for (const name of [...Object.keys(modules), ...Object.keys(bindings)]) {
    if (!NAME.test(name)) throw new Error(`unsupported module or binding name: ${name}`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'wa-flows-workerd-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, source] of Object.entries(modules)) writeFileSync(join(dir, name), source)
  for (const [i, value] of Object.values(bindings).entries()) writeFileSync(join(dir, `binding-${i}.txt`), value, { mode: 0o600 })

  // The free port can be taken between the probe and workerd's bind: try another one then.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    writeFileSync(join(dir, 'config.capnp'), config({ modules, bindings, port }))
    const child = spawn(workerdPath, ['serve', join(dir, 'config.capnp'), '--verbose'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => stop(child))
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    let exited
    const exit = new Promise((resolve) => {
      const done = (why) => {
        exited = why
        resolve()
      }
      child.once('error', (e) => done(`could not start (${e.message}${glibcHint(e)})`))
      child.once('exit', (code, signal) => done(`exited with ${signal ?? code}`))
    })

    const deadline = Date.now() + timeoutMs
    while (!exited && Date.now() < deadline) {
      if (await canConnect(port)) return { url: `http://127.0.0.1:${port}/`, output: () => output }
      await Promise.race([exit, new Promise((r) => setTimeout(r, 100))])
    }
    if (!exited) {
      await stop(child)
      throw new Error(`workerd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output}`)
    }
    if (attempt < 3 && /address already in use/i.test(output)) continue
    throw new Error(`workerd ${exited} before listening on 127.0.0.1:${port}:\n${output}`)
  }
}
