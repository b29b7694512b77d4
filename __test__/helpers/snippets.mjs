// The fenced blocks of README.md and docs/*.md, and the means to use them as written: shell blocks through the real
// CLI (and bash for curl/openssl lines), JavaScript and TypeScript as scripts (TypeScript through tsx) with a
// preload that sends Graph calls to a local mock, refuses the internet and turns `listen(3000)` into a free port,
// and TypeScript type-checked with `tsc --strict` against the package's sources.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { cliPath, root, startProcess } from './cli.mjs'

/** README.md and every page of docs/. */
export const DOC_PAGES = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
]

/** Fence languages that must be run, type-checked, or marked as not runnable. */
export const CHECKED = {
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  cjs: 'js',
  jsx: 'js',
  ts: 'ts',
  typescript: 'ts',
  mts: 'ts',
  tsx: 'ts',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
  zsh: 'sh',
  console: 'sh',
}

/** The marker that exempts a block: `<!-- snippet: illustration (why) -->` on the line before its fence. */
const MARKER = /^<!--\s*snippet:\s*illustration\b[^>]*-->\s*$/

/** Every fenced block of a page: { page, lang, kind, name, code, illustration, line }. */
export function readBlocks(page) {
  const text = readFileSync(join(root, page), 'utf8')
  const lines = text.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)(.*)$/.exec(lines[i])
    if (!open) continue
    const start = i
    const body = []
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i])
    let before = start - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const lang = open[1]
    blocks.push({
      page,
      lang,
      kind: CHECKED[lang.toLowerCase()],
      name: /\bname=(\S+)/.exec(open[2])?.[1],
      code: body.length ? `${body.join('\n')}\n` : '',
      illustration: before >= 0 && MARKER.test(lines[before]),
      line: start + 1,
    })
  }
  return blocks
}

/** The named blocks of a page, by name. */
export function namedBlocks(page) {
  return Object.fromEntries(
    readBlocks(page)
      .filter((b) => b.name)
      .map((b) => [b.name, b]),
  )
}

/** A fresh directory inside the package (so `import 'whatsapp-flows'` resolves to it, and tsx too), removed at teardown. */
export function snippetDir(t) {
  const dir = join(root, '.cache', 'doc-snippets', `${process.pid}-${Math.random().toString(36).slice(2)}`)
  mkdirSync(dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes `files` ({ relative path: text }) under `dir`. */
export function writeFiles(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
}

export const PRELOAD = `// Test preload for the docs' snippets: Graph calls go to the local mock, nothing else leaves the machine, and a
// server told to listen on 3000 takes a free port and says which on stdout.
import { Server } from 'node:http'

const real = globalThis.fetch
globalThis.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input)
  if (url.startsWith('https://graph.facebook.com/')) return real(process.env.GRAPH_MOCK + url.slice('https://graph.facebook.com'.length), init)
  if (/^https?:\\/\\/(127\\.0\\.0\\.1|localhost)[:/]/.test(url)) return real(input, init)
  return Promise.reject(new Error('tests do not reach the internet: ' + url))
}

const listen = Server.prototype.listen
Server.prototype.listen = function (...args) {
  if (args[0] === 3000) args[0] = 0
  else if (typeof args[0] === 'object' && args[0] !== null && args[0].port === 3000) args[0] = { ...args[0], port: 0 }
  this.once('listening', () => process.stdout.write('snippet listening on http://127.0.0.1:' + this.address().port + '/\\n'))
  return listen.apply(this, args)
}
`

/** Writes the preload into `dir` and returns the node arguments that load it (and tsx for TypeScript). */
export function nodeArgs(dir, { typescript = false } = {}) {
  writeFileSync(join(dir, 'preload.mjs'), PRELOAD)
  return [...(typescript ? ['--import', 'tsx'] : []), '--import', join(dir, 'preload.mjs')]
}

/** Runs a command to completion (30 s at most): { code, stdout, stderr }. */
export function run(cmd, args, { cwd, env, timeoutMs = 30_000, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    if (input !== undefined) child.stdin.end(input)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Ready line of a server started from a snippet: the CLI's, or the preload's for `listen(3000)`. */
export const LISTENING = /(?:Listening|snippet listening) on (http:\/\/\S+)/

/**
 * The steps of a shell block: `export NAME=value`, `read -rs NAME && export NAME` (the value comes from the test),
 * `npx wa-flows …` (the real CLI), `npm …`, and any other line for bash. Comments and blank lines are dropped;
 * a trailing backslash joins lines.
 */
export function shellSteps(code) {
  const joined = code.replace(/\\\n\s*/g, ' ')
  const steps = []
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/\s+#\s.*$/, '').trim()
    if (!line || line.startsWith('#')) continue
    let m
    if ((m = /^export (\w+)=(\S+)$/.exec(line))) steps.push({ export: m[1], value: m[2] })
    else if ((m = /^read -rs (\w+) && export (\w+)$/.exec(line)) && m[1] === m[2]) steps.push({ read: m[1] })
    else if ((m = /^(?:npx )?wa-flows (.*?)\s*(&)?$/.exec(line))) {
      if (/["'`$]/.test(m[1])) throw new Error(`a wa-flows line the test cannot split: ${line}`)
      const args = m[1].split(/\s+/)
      steps.push({ cli: args, background: args[0] === 'serve' || m[2] === '&' })
    } else if (line.startsWith('npm ')) steps.push({ npm: line })
    else steps.push({ shell: line })
  }
  return steps
}

/**
 * Runs the steps of a shell block in `dir`: `secrets` answers `read`, `graph` is the mock's URL. A `serve` starts
 * in the background on a free port (stopped at teardown); the URLs `http://127.0.0.1:3000` of later lines point to
 * it, and Graph's URL in bash lines to the mock. Resolves { results, servers, env }.
 */
export async function runShellBlock(t, code, { dir, env, secrets = {}, graph, substitutions = [] }) {
  const environment = { ...env }
  const results = []
  const servers = []
  let origin
  const local = (text) => {
    let out = origin ? text.replaceAll('http://127.0.0.1:3000', origin) : text
    if (graph) out = out.replaceAll('https://graph.facebook.com', graph)
    for (const [from, to] of substitutions) out = out.replaceAll(from, to)
    return out
  }
  for (const step of shellSteps(code)) {
    if (step.export) environment[step.export] = step.value
    else if (step.read) {
      if (secrets[step.read] === undefined) throw new Error(`the test gives no value for ${step.read}`)
      environment[step.read] = secrets[step.read]
    } else if (step.cli) {
      const args = step.cli.map((a) => local(a))
      if (step.background) {
        const port = args.indexOf('--port')
        if (port === -1) args.push('--port', '0')
        else args[port + 1] = '0'
        const server = startProcess(t, [...nodeArgs(dir), cliPath, ...args], { cwd: dir, env: environment, timeoutMs: 30_000 })
        const [, url] = await server.ready
        origin = new URL(url).origin
        servers.push(server)
        results.push({ step, server })
      } else {
        results.push({ step, ...(await run(process.execPath, [...nodeArgs(dir), cliPath, ...args], { cwd: dir, env: environment })) })
      }
    } else if (step.npm) {
      throw new Error(`npm lines are run by the test that owns them: ${step.npm}`)
    } else {
      results.push({ step, ...(await run('bash', ['-o', 'pipefail', '-c', local(step.shell)], { cwd: dir, env: environment })) })
    }
  }
  return { results, servers, env: environment }
}

/**
 * A console session (```console): each `$ command` line and the output printed under it, as
 * [{ command, expected }]. The tests run the command (`npx wa-flows` through the real CLI) and compare its output.
 */
export function transcript(code) {
  const entries = []
  for (const line of code.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) entries.push({ command: line.slice(2), expected: '' })
    else if (entries.length === 0) throw new Error(`a console block starts with its command: ${line}`)
    else entries.at(-1).expected += `${line}\n`
  }
  return entries
}

/**
 * Type-checks `files` ({ relative path: TypeScript }) with `tsc --strict --noEmit` against the package's sources
 * (`whatsapp-flows` mapped to src/index.ts). Resolves { status, output }.
 */
export function typecheck(dir, files) {
  writeFiles(dir, files)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [join(root, 'node_modules/@types')],
        baseUrl: '.',
        paths: { 'whatsapp-flows': [join(root, 'src/index.ts')] },
      },
      files: Object.keys(files),
    }),
  )
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
  })
  return { status: r.status, output: r.stdout + r.stderr }
}
