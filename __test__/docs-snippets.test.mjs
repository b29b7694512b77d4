// README.md and docs/*.md, run (one test at a time: each starts servers and tsx, and two cores are shared with the
// suite's timing tests): every fenced js/ts/sh block of every page is named (```lang name=file) and used by
// a test — here, or in lifecycle.test.mjs / install.test.mjs for theirs — or marked `<!-- snippet: illustration -->`
// on the line before it. JavaScript runs as written against local servers, TypeScript is type-checked with
// `tsc --strict` (and run through tsx where it is a program), shell blocks run through the real CLI (curl and
// openssl lines through bash). Graph calls go to a local mock; Redis is a real one. Links are checked too: the
// README's work from the registry page (absolute), the docs' from the tarball (relative, inside docs/).
import test from 'ava'
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { createFlowClient } from '../dist/index.js'
import { cleanEnv, cliPath, root, startProcess } from './helpers/cli.mjs'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'
import { redisTest, redisUrl } from './helpers/redis.mjs'
import {
  DOC_PAGES,
  LISTENING,
  namedBlocks,
  nodeArgs,
  readBlocks,
  run,
  runShellBlock,
  snippetDir,
  transcript,
  typecheck,
  writeFiles,
} from './helpers/snippets.mjs'

/** The named blocks each page has, and who uses them: this file, or another test file (which must name them). */
const USED = {
  'README.md': { here: ['usage.ts', 'core.ts'], elsewhere: { 'local-tarballs.sh': 'install.test.mjs' } },
  'docs/cli.md': {
    here: [
      'curl-upload.sh',
      'key-status.sh',
      'key-status.txt',
      'flow.mjs',
      'booking-steps.json',
      'steps.sh',
      'start-simulate.sh',
      'serve-booking.sh',
    ],
  },
  'docs/endpoint.md': {
    here: [
      'endpoint.mjs',
      'handle.ts',
      'node-http.mjs',
      'slow-clients.mjs',
      'express.mjs',
      'fastify.mjs',
      'fetch-api.mjs',
      'client.mjs',
      'typed-flow.ts',
    ],
  },
  'docs/flow-json.md': {
    here: [
      'emit-ts.sh',
      'typed-handlers.ts',
      'runtime-check.mjs',
      'validate.ts',
      'validate.console',
      'flow.test.mjs',
      'simulate-flow.console',
    ],
  },
  'docs/lifecycle.md': {
    here: [],
    elsewhere: Object.fromEntries(
      ['setup.sh', 'flow.json', 'flow.mjs', 'serve.sh', 'wiring.ts', 'send.mjs', 'simulate.mjs', 'typed.ts'].map((n) => [
        n,
        'lifecycle.test.mjs',
      ]),
    ),
  },
  'docs/fuzzing.md': { here: [] },
  'docs/media.md': { here: [] },
  'docs/metrics.md': { here: ['metrics.sh', 'scrape.txt', 'metrics-server.ts'] },
  'docs/packaging.md': { here: [] },
  'docs/typescript.md': { here: ['env-defaults.ts', 'env-narrowing.ts', 'typed-endpoint.ts', 'flow.ts', 'serve-ts.sh'] },
}

const block = (page, name) => namedBlocks(page)[name].code
const REPO = 'https://github.com/whatsapp-flows/whatsapp-flows'

/** A key pair in `<dir>/keys` (PKCS#8 and SPKI PEM), as `wa-flows keygen --out keys` writes it. */
function keys(dir, sub = 'keys') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' })
  mkdirSync(join(dir, sub), { recursive: true })
  writeFileSync(join(dir, sub, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(join(dir, sub, 'public.pem'), publicPem)
  return { publicPem, privatePath: join(dir, sub, 'private.pem'), publicPath: join(dir, sub, 'public.pem') }
}

/** Starts a snippet program (JavaScript, or TypeScript through tsx) that listens; resolves { server, url }. */
async function serveSnippet(t, dir, file, env) {
  const server = startProcess(t, [...nodeArgs(dir, { typescript: file.endsWith('.ts') }), file], {
    cwd: dir,
    env,
    ready: LISTENING,
    timeoutMs: 30_000,
  })
  const [, url] = await server.ready
  return { server, url }
}

test.serial('every js/ts/sh block of the README and the docs is run or type-checked by a test, or marked as an illustration', (t) => {
  t.deepEqual(Object.keys(USED).sort(), [...DOC_PAGES].sort(), 'every page is registered here')
  for (const page of DOC_PAGES) {
    const blocks = readBlocks(page)
    for (const b of blocks) {
      if (!b.kind) continue
      t.true(
        Boolean(b.name) !== b.illustration,
        `${page}:${b.line}: a ${b.lang} block is either named (and used) or marked <!-- snippet: illustration -->, not ${b.name ? 'both' : 'neither'}`,
      )
    }
    const named = blocks.filter((b) => b.name).map((b) => b.name)
    const { here, elsewhere = {} } = USED[page]
    t.deepEqual([...named].sort(), [...here, ...Object.keys(elsewhere)].sort(), `${page}: the named blocks and the ones the tests use`)
    for (const [name, file] of Object.entries(elsewhere))
      t.true(readFileSync(join(root, '__test__', file), 'utf8').includes(`'${name}'`), `${file} uses ${page} ${name}`)
    // A marker must sit right before a block: a stray one would exempt nothing (or the wrong block).
    const markers = (readFileSync(join(root, page), 'utf8').match(/<!--\s*snippet:/g) ?? []).length
    t.is(markers, blocks.filter((b) => b.illustration).length, `${page}: every snippet marker precedes a block`)
  }
})

test.serial("links: the README's are absolute (they work on the registry page), the docs' stay inside docs/ or are absolute", (t) => {
  const anchors = (text) =>
    new Set(
      [...text.matchAll(/^#+ (.*)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    )
  for (const page of DOC_PAGES) {
    const text = readFileSync(join(root, page), 'utf8')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:\/\//.test(target)) {
        if (target.startsWith(`${REPO}/blob/main/`) || target.startsWith(`${REPO}/tree/main/`)) {
          const file = target.replace(/^.*?\/(blob|tree)\/main\//, '').split('#')[0]
          t.true(existsSync(join(root, file)), `${page}: ${target} names a file of the repository`)
        }
        continue
      }
      if (page === 'README.md') {
        t.true(target.startsWith('#'), `README.md: ${target} must be absolute (${REPO}/blob/main/…) to work on the registry page`)
        t.true(anchors(text).has(target.slice(1)), `README.md: anchor ${target}`)
        continue
      }
      const [file, anchor] = target.split('#')
      if (file) {
        t.false(file.includes('..'), `${page}: ${target} leaves docs/, which is all the tarball ships`)
        t.true(existsSync(join(root, 'docs', file)), `${page}: ${target} exists`)
      }
      if (anchor)
        t.true(anchors(readFileSync(join(root, file ? join('docs', file) : page), 'utf8')).has(anchor), `${page}: anchor ${target}`)
    }
  }
})

test.serial('every TypeScript block type-checks with tsc --strict against the package types', (t) => {
  const files = {
    'readme/usage.ts': block('README.md', 'usage.ts'),
    'readme/core.ts': block('README.md', 'core.ts'),
    'endpoint/handle.ts': block('docs/endpoint.md', 'handle.ts'),
    'endpoint/typed-flow.ts': block('docs/endpoint.md', 'typed-flow.ts'),
    'metrics/metrics-server.ts': block('docs/metrics.md', 'metrics-server.ts'),
    'flow-json/validate.ts': block('docs/flow-json.md', 'validate.ts'),
    ...Object.fromEntries(
      ['env-defaults.ts', 'env-narrowing.ts', 'typed-endpoint.ts', 'flow.ts'].map((n) => [
        `typescript/${n}`,
        block('docs/typescript.md', n),
      ]),
    ),
  }
  const r = typecheck(snippetDir(t), files)
  t.is(r.status, 0, r.output)
})

redisTest('README usage: it runs as written, and its flow finishes: sent, INIT, SLOTS, SUCCESS, the completion', async (t) => {
  const dir = snippetDir(t)
  const { publicPem, privatePath } = keys(dir)
  const graph = await mockGraph(t, (req) => (req.path.endsWith('/messages') ? sentAnswer('wamid.README') : undefined))
  const secrets = { WA_FLOWS_APP_SECRET: 'readme-secret', WA_FLOWS_VERIFY_TOKEN: 'readme-verify', WA_FLOWS_ACCESS_TOKEN: 'EAAG-readme' }
  const env = cleanEnv({ ...secrets, WA_FLOWS_PRIVATE_KEY_FILE: privatePath, GRAPH_MOCK: graph.url, REDIS_URL: await redisUrl() })
  writeFiles(dir, { 'usage.ts': block('README.md', 'usage.ts') })
  const { server, url } = await serveSnippet(t, dir, 'usage.ts', env)
  const [, flowToken] = server.output().match(/^sent wamid\.README with flow_token (ft_\S+)$/m)
  t.is(graph.requests[0].headers.authorization, 'Bearer EAAG-readme')

  const origin = new URL(url).origin
  const client = createFlowClient({
    url: `${origin}/`,
    webhook: `${origin}/webhook`,
    publicKey: publicPem,
    appSecret: secrets.WA_FLOWS_APP_SECRET,
    flowToken,
  })
  const init = await client.init()
  t.deepEqual([init.status, init.response], [200, { screen: 'SLOTS', data: { slots: ['09:00', '10:00'], customer: 'C-42' } }])
  const done = await client.dataExchange('SLOTS', { slot: '09:00' })
  t.is(done.response.screen, 'SUCCESS')
  t.is((await client.complete()).status, 200)
  await server.waitFor(/^booked 09:00 for C-42$/m)
  // A token nobody sent (no session): requireSession answers 427 before any handler.
  const stranger = createFlowClient({ url: `${origin}/`, publicKey: publicPem, appSecret: secrets.WA_FLOWS_APP_SECRET })
  t.deepEqual(await stranger.init().then((r) => [r.status, r.response]), [
    427,
    { error_msg: 'This flow has expired. Please ask for a new one.' },
  ])
})

test.serial('README core crypto API: the snippet decrypts a request and encrypts its answer', async (t) => {
  const dir = snippetDir(t)
  keys(dir)
  writeFiles(dir, {
    'core.ts': block('README.md', 'core.ts'),
    'drive.mjs': `// Test driver: WhatsApp's side (createFlowClient) against the snippet's answer().
import { readFileSync } from 'node:fs'
import { createFlowClient } from 'whatsapp-flows'
import { answer } from './core.ts'
const endpoint = { handle: async ({ body }) => ({ status: 200, headers: {}, body: await answer(body) }) }
const client = createFlowClient({ endpoint, publicKey: readFileSync('keys/public.pem', 'utf8') })
console.log(JSON.stringify((await client.init()).response))
`,
  })
  const r = await run(process.execPath, [...nodeArgs(dir, { typescript: true }), 'drive.mjs'], { cwd: dir, env: cleanEnv() })
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), [
    `crypto backend: ${r.stdout.includes('native') ? 'native' : 'webcrypto'}`,
    '{"screen":"DONE","data":{"action":"INIT"}}',
  ])
})

test.serial('cli.md: the curl upload keeps the token off the command line and reaches Graph; key-status matches openssl', async (t) => {
  const dir = snippetDir(t)
  const { publicPath } = keys(dir)
  const publicPem = readFileSync(publicPath, 'utf8')
  const graph = await mockGraph(t, (req) => {
    if (!req.path.endsWith('/whatsapp_business_encryption')) return undefined
    return req.method === 'POST'
      ? { json: { success: true } }
      : { json: { data: [{ business_public_key: publicPem, business_public_key_signature_status: 'VALID' }] } }
  })
  const env = cleanEnv({ WA_FLOWS_ACCESS_TOKEN: 'EAAG-curl-token', GRAPH_MOCK: graph.url })
  const curl = await runShellBlock(t, block('docs/cli.md', 'curl-upload.sh'), { dir, env, graph: graph.url })
  t.is(curl.results[0].code, 0, curl.results[0].stderr)
  t.is(curl.results[0].stdout, '{"success":true}')
  const [upload] = graph.requests
  t.deepEqual(
    [upload.method, upload.path, upload.headers.authorization],
    ['POST', '/v21.0/106540352242922/whatsapp_business_encryption', 'Bearer EAAG-curl-token'],
  )
  t.is(new URLSearchParams(upload.body).get('business_public_key').trim(), publicPem.trim())

  const status = await runShellBlock(t, block('docs/cli.md', 'key-status.sh'), { dir, env, graph: graph.url })
  const [cli, openssl] = status.results
  t.is(cli.code, 0, cli.stderr)
  const hash = createHash('sha256')
    .update(createPublicKey(publicPem).export({ type: 'spki', format: 'der' }))
    .digest('hex')
  if (openssl.code === 0) t.is(openssl.stdout.split(/\s+/)[0], hash, 'openssl | sha256sum prints the same fingerprint')
  // The documented output, with the fingerprints abbreviated there.
  const shape = block('docs/cli.md', 'key-status.txt').replaceAll('3b5a…e0c1', hash)
  t.is(cli.stdout, shape)
})

test.serial('cli.md: the flow.mjs handler module under wa-flows serve, through to its completion webhook', async (t) => {
  const dir = snippetDir(t)
  const { publicPem, privatePath } = keys(dir)
  writeFiles(dir, { 'flow.mjs': block('docs/cli.md', 'flow.mjs') })
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath, WA_FLOWS_APP_SECRET: 'cli-secret', WA_FLOWS_VERIFY_TOKEN: 'v' })
  const server = startProcess(t, [cliPath, 'serve', '--handler', 'flow.mjs', '--port', '0'], { cwd: dir, env })
  const origin = new URL((await server.ready)[1]).origin
  const client = createFlowClient({
    url: `${origin}/`,
    webhook: `${origin}/webhook`,
    publicKey: publicPem,
    appSecret: 'cli-secret',
    flowToken: 'cli-token',
  })
  t.is((await client.init()).response.screen, 'WELCOME')
  t.is((await client.dataExchange('WELCOME', {})).response.screen, 'SUCCESS')
  t.is((await client.complete()).status, 200)
  await server.waitFor(/^completed cli-token \{ started: \d+ \}$/m)
})

test.serial("cli.md: npm start's simulate line, the same flow under serve, and its --steps file", async (t) => {
  const dir = snippetDir(t)
  const devKeys = join(dir, 'dev-keys')
  const start = startProcess(t, [join(root, 'examples/start.mjs')], {
    cwd: root,
    env: cleanEnv({ WA_FLOWS_DEV_KEYS: devKeys, PORT: '0' }),
    ready: /listening on (http:\/\/\S+)/,
  })
  await start.ready
  const paths = [
    ['examples/.dev-keys/', `${devKeys}/`],
    ['examples/booking-flow.mjs', join(root, 'examples/booking-flow.mjs')],
  ]
  const env = cleanEnv()
  const origin = (server) => server.ready.then(([, url]) => new URL(url).origin)
  const sim = await runShellBlock(t, block('docs/cli.md', 'start-simulate.sh').replaceAll('http://127.0.0.1:3000', await origin(start)), {
    dir,
    env,
    substitutions: paths,
  })
  t.is(sim.results[0].code, 0, sim.results[0].stderr)
  t.regex(sim.results[0].stdout, /^INIT: HTTP 200$/m)

  // The booking flow under serve, as documented, and the documented steps file walked against it.
  writeFileSync(join(dir, 'booking-steps.json'), block('docs/cli.md', 'booking-steps.json'))
  const steps = await runShellBlock(t, `${block('docs/cli.md', 'serve-booking.sh')}${block('docs/cli.md', 'steps.sh')}`, {
    dir,
    env,
    substitutions: paths,
  })
  const last = steps.results.at(-1)
  t.is(last.code, 0, last.stderr)
  t.regex(last.stdout, /^step 5 error_notification DETAILS: HTTP 200$/m)
  t.regex(last.stdout, /^all 6 steps answered as expected$/m)
})

test.serial(
  'endpoint.md: the main example, with your code (clinic.mjs) stood in for: screens, session, 427, BACK, error hook',
  async (t) => {
    const dir = snippetDir(t)
    const { privatePath } = keys(dir)
    writeFiles(dir, {
      'endpoint.mjs': block('docs/endpoint.md', 'endpoint.mjs'),
      'clinic.mjs': `// Test stand-in for "your code" of docs/endpoint.md's example.
export const departments = [{ id: 'dental', title: 'Dental' }]
export async function book(booking, { signal }) {
  if (!(signal instanceof AbortSignal)) throw new Error('no deadline signal')
  return 'BK-' + booking.patient + '-' + booking.date
}
export const stats = { count: (name, value) => console.log('count', name, value) }
`,
      'drive.mjs': `// Test driver: WhatsApp's side through endpoint.handle().
import { readFileSync } from 'node:fs'
import { createFlowClient } from 'whatsapp-flows'
import { endpoint } from './endpoint.mjs'
const client = createFlowClient({ endpoint, publicKey: readFileSync('keys/public.pem', 'utf8'), appSecret: process.env.WA_FLOWS_APP_SECRET, flowToken: 'tok-1' })
const show = (r) => console.log(r.status, JSON.stringify(r.response))
show(await client.init())
show(await client.dataExchange('APPOINTMENT', { date: '2026-03-02' }))
show(await client.dataExchange('DETAILS', { name: 'Ada' }))
await endpoint.sessions.set('tok-1', { patient: 'P7' })
show(await client.dataExchange('DETAILS', { name: 'Ada', date: '2026-03-02' }))
show(await client.back())
show(await client.notifyError('INVALID_SCREEN_DATA', 'oops', { screen: 'DETAILS' }))
`,
    })
    const r = await run(process.execPath, [...nodeArgs(dir), 'drive.mjs'], {
      cwd: dir,
      env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath, WA_FLOWS_APP_SECRET: 'ep-secret' }),
    })
    t.is(r.code, 0, r.stderr)
    t.deepEqual(r.stdout.trim().split('\n'), [
      '200 {"screen":"APPOINTMENT","data":{"departments":[{"id":"dental","title":"Dental"}]}}',
      '200 {"screen":"DETAILS","data":{"date":"2026-03-02"}}',
      '427 {"error_msg":"This booking has expired"}',
      '200 {"screen":"SUCCESS","data":{"extension_message_response":{"params":{"flow_token":"tok-1","id":"BK-P7-2026-03-02"}}}}',
      '200 {"screen":"APPOINTMENT","data":{"departments":[{"id":"dental","title":"Dental"}]}}',
      'count flow_error INVALID_SCREEN_DATA',
      '200 {"data":{"acknowledged":true}}',
    ])
  },
)

test.serial('endpoint.md: handle() for frameworks without an adapter', async (t) => {
  const dir = snippetDir(t)
  const { privatePath } = keys(dir)
  writeFiles(dir, {
    'handle.ts': block('docs/endpoint.md', 'handle.ts'),
    'drive.mjs': `// Test driver for docs/endpoint.md's handle.ts.
import { answer } from './handle.ts'
const get = await answer('GET', new Uint8Array(0), {}, '/flow')
const junk = await answer('POST', new TextEncoder().encode('not json'), { 'content-type': 'application/json' }, '/flow')
console.log(get.status, get.headers.allow, junk.status, junk.body)
`,
  })
  const r = await run(process.execPath, [...nodeArgs(dir, { typescript: true }), 'drive.mjs'], {
    cwd: dir,
    env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath }),
  })
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '405 POST 400 Bad Request')
})

for (const [name, paths] of [
  ['node-http.mjs', ['/']],
  ['slow-clients.mjs', ['/']],
  ['express.mjs', ['/flow', '/flow-raw']],
  ['fastify.mjs', ['/flow']],
]) {
  test.serial(`endpoint.md: ${name} serves the endpoint (ping answered, INIT decrypted: 501 without a handler)`, async (t) => {
    const dir = snippetDir(t)
    const { publicPem, privatePath } = keys(dir)
    writeFiles(dir, { [name]: block('docs/endpoint.md', name) })
    const { url } = await serveSnippet(t, dir, name, cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath }))
    for (const path of paths) {
      const client = createFlowClient({ url: new URL(path, url).href, publicKey: publicPem })
      t.deepEqual((await client.ping()).response, { data: { status: 'active' } }, path)
      t.is((await client.init()).status, 501, `${path}: decrypted, and no INIT handler registered`)
    }
  })
}

test.serial('endpoint.md: the Fetch API block — Hono, the Workers/Bun default export and Deno.serve — each answers', async (t) => {
  const dir = snippetDir(t)
  const { privatePath } = keys(dir)
  writeFiles(dir, {
    'fetch-api.mjs': block('docs/endpoint.md', 'fetch-api.mjs'),
    'drive.mjs': `// Test driver: Deno.serve stood in for (this is Node), then a ping through each of the three handlers.
import { readFileSync } from 'node:fs'
import { createFlowClient } from 'whatsapp-flows'
globalThis.Deno = { serve: (handler) => { globalThis.denoHandler = handler } }
const mod = await import('./fetch-api.mjs')
const publicKey = readFileSync('keys/public.pem', 'utf8')
const through = (handler) => createFlowClient({ url: 'http://flow.test/flow', publicKey, fetch: (url, init) => handler(new Request(url, init)) })
for (const handler of [(r) => mod.app.fetch(r), (r) => mod.default.fetch(r), (r) => globalThis.denoHandler(r)]) {
  const answer = await through(handler).ping()
  console.log(answer.status, JSON.stringify(answer.response))
}
`,
  })
  const r = await run(process.execPath, [...nodeArgs(dir), 'drive.mjs'], {
    cwd: dir,
    env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath }),
  })
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), Array(3).fill('200 {"data":{"status":"active"}}'))
})

test.serial('endpoint.md: the simulator block against the booking flow served at /flow', async (t) => {
  const dir = snippetDir(t)
  const { privatePath } = keys(dir)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath, WA_FLOWS_APP_SECRET: 'sim-secret' })
  const server = startProcess(
    t,
    [cliPath, 'serve', '--handler', join(root, 'examples/booking-flow.mjs'), '--port', '0', '--path', '/flow'],
    { cwd: dir, env },
  )
  const origin = new URL((await server.ready)[1]).origin
  writeFiles(dir, { 'client.mjs': block('docs/endpoint.md', 'client.mjs').replaceAll('http://127.0.0.1:3000', origin) })
  const r = await run(process.execPath, [...nodeArgs(dir), 'client.mjs'], { cwd: dir, env })
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), '200 200 200 200 200 200')
})

test.serial('metrics.md: serve --metrics-path scraped as documented; the example scrape has the real metric lines', async (t) => {
  const dir = snippetDir(t)
  keys(dir)
  const { results } = await runShellBlock(t, block('docs/metrics.md', 'metrics.sh'), {
    dir,
    env: cleanEnv(),
    substitutions: [['examples/booking-flow.mjs', join(root, 'examples/booking-flow.mjs')]],
  })
  const [server, simulate, curl] = results
  t.is(simulate.code, 0, simulate.stderr)
  t.is(curl.code, 0, curl.stderr)
  // Every HELP/TYPE line of the documented scrape is the real one, and the sample names are the same.
  const comments = (text) => text.split('\n').filter((l) => l.startsWith('#'))
  const names = (text) =>
    [
      ...new Set(
        text
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => l.split(/[{ ]/)[0]),
      ),
    ].sort()
  const documented = block('docs/metrics.md', 'scrape.txt')
  t.deepEqual(comments(curl.stdout), comments(documented))
  t.deepEqual(names(curl.stdout), names(documented))
  t.regex(curl.stdout, /^wa_flows_requests_total\{status="200"\} 2$/m)
  t.regex(server.server.output(), /^\S+ POST INIT - 200 /m)
})

test.serial('metrics.md: counters in your own server (metrics-server.ts)', async (t) => {
  const dir = snippetDir(t)
  const { publicPem, privatePath } = keys(dir)
  writeFiles(dir, { 'metrics-server.ts': block('docs/metrics.md', 'metrics-server.ts') })
  const { url } = await serveSnippet(t, dir, 'metrics-server.ts', cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath }))
  const client = createFlowClient({ url, publicKey: publicPem })
  t.is((await client.init()).response.screen, 'WELCOME')
  const scrape = await fetch(new URL('/metrics', url))
  t.is(scrape.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  t.regex(await scrape.text(), /^wa_flows_requests_total\{status="200"\} 1$/m)
})

test.serial('typescript.md: the flow.ts handler module served by wa-flows serve, as documented', async (t) => {
  const dir = snippetDir(t)
  keys(dir)
  writeFiles(dir, { 'flow.ts': block('docs/typescript.md', 'flow.ts') })
  const { results } = await runShellBlock(t, block('docs/typescript.md', 'serve-ts.sh'), { dir, env: cleanEnv() })
  const simulate = results.at(-1)
  t.is(simulate.code, 0, simulate.stderr)
  t.regex(simulate.stdout, /"screen": "WELCOME"/)
  t.regex(simulate.stdout, /"name": "there"/)
})

/** docs/flow-json.md's example flow, and a variant whose third screen repeats the second's id. */
const bookingFlowJson = readFileSync(join(root, 'examples/booking-flow.json'), 'utf8')
function duplicateIdFlow() {
  const flow = JSON.parse(bookingFlowJson)
  flow.screens.splice(2, 0, structuredClone(flow.screens[1]))
  return JSON.stringify(flow, null, 2)
}

/** Runs a console block's commands in `dir` (wa-flows through the real CLI); each with its output and expectation. */
async function runTranscript(dir, code, env, substitute = (c) => c) {
  const out = []
  for (const { command, expected } of transcript(code)) {
    const m = /^npx wa-flows (.*)$/.exec(substitute(command))
    if (!m || /["'`$]/.test(m[1])) throw new Error(`a console line the test cannot run: ${command}`)
    out.push({ command, expected, ...(await run(process.execPath, [...nodeArgs(dir), cliPath, ...m[1].split(/\s+/)], { cwd: dir, env })) })
  }
  return out
}

test.serial('flow-json.md: --emit-ts writes the typed constant, and the typed handlers type-check against it', async (t) => {
  const dir = snippetDir(t)
  writeFiles(dir, { 'flow.json': bookingFlowJson })
  const { results } = await runShellBlock(t, block('docs/flow-json.md', 'emit-ts.sh'), { dir, env: cleanEnv() })
  t.is(results[0].code, 0, results[0].stderr)
  const generated = readFileSync(join(dir, 'flow.ts'), 'utf8')
  t.regex(generated, /as const/)
  const r = typecheck(dir, {
    'flow.ts': generated,
    'booking.ts': `// Test stand-in for "your code" of docs/flow-json.md's typed handlers.
export const departments = [{ id: 'dental', title: 'Dental' }]
export const locations = [{ id: 'north', title: 'North clinic' }]
export const dates = [{ id: '2026-03-02', title: 'Mon 2 Mar' }]
export const times = [{ id: '10:30', title: '10:30' }]
export const appointment = (date: string) => ({ departments, locations, dates, times: times.map((o) => ({ ...o, title: \`\${o.title} on \${date}\` })) })
export const describe = (a: { department: string; location: string; date: string; time: string }) => \`\${a.department} at \${a.location}, \${a.date} \${a.time}\`
`,
    'typed-handlers.ts': block('docs/flow-json.md', 'typed-handlers.ts'),
  })
  t.is(r.status, 0, r.output)
})

test.serial('flow-json.md: the run-time check accepts the example flow and refuses a broken one at creation', async (t) => {
  const dir = snippetDir(t)
  const { privatePath } = keys(dir)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath })
  writeFiles(dir, { 'runtime-check.mjs': block('docs/flow-json.md', 'runtime-check.mjs'), 'flow.json': bookingFlowJson })
  const ok = await run(process.execPath, [...nodeArgs(dir), 'runtime-check.mjs'], { cwd: dir, env })
  t.is(ok.code, 0, ok.stderr)
  writeFiles(dir, { 'flow.json': duplicateIdFlow() })
  const broken = await run(process.execPath, [...nodeArgs(dir), 'runtime-check.mjs'], { cwd: dir, env })
  t.is(broken.code, 1)
  t.regex(broken.stderr, /ERR_FLOW_JSON_INVALID/)
})

test.serial('flow-json.md: validateFlowJson and wa-flows validate report the duplicate screen id as documented', async (t) => {
  const dir = snippetDir(t)
  writeFiles(dir, { 'validate.ts': block('docs/flow-json.md', 'validate.ts'), 'flow.json': duplicateIdFlow() })
  const api = await run(process.execPath, [...nodeArgs(dir, { typescript: true }), 'validate.ts'], { cwd: dir, env: cleanEnv() })
  t.is(api.code, 0, api.stderr)
  t.is(api.stdout, 'false /screens/2/id duplicate-screen-id\n')
  const [session] = await runTranscript(dir, block('docs/flow-json.md', 'validate.console'), cleanEnv())
  t.is(session.code, 1)
  t.is(session.stdout, session.expected)
})

test.serial('flow-json.md: simulateFlow in a test file (ava), and wa-flows simulate --flow printing what the page shows', async (t) => {
  const dir = snippetDir(t)
  const { privatePath } = keys(dir)
  writeFiles(dir, {
    'flow.json': bookingFlowJson,
    'flow.test.mjs': block('docs/flow-json.md', 'flow.test.mjs'),
    'my-endpoint.mjs': `// Test stand-in for "your endpoint" of docs/flow-json.md: the example booking flow.
import { readFileSync } from 'node:fs'
import { createFlowEndpoint } from 'whatsapp-flows'
import bookingFlow from ${JSON.stringify(join(root, 'examples/booking-flow.mjs'))}
export const endpoint = createFlowEndpoint({ privateKey: { path: 'keys/private.pem' } })
bookingFlow(endpoint)
export const publicKey = readFileSync('keys/public.pem', 'utf8')
`,
    // A stand-in for ava, resolved before the real one: runs each test at once, exit 1 on a failed assertion.
    'node_modules/ava/package.json': '{ "name": "ava", "type": "module", "exports": "./index.mjs" }\n',
    'node_modules/ava/index.mjs': `// Test stand-in for ava (docs-snippets.test.mjs): t.true only, as the snippet uses.
export default function test(title, fn) {
  const t = { true(value, message) { if (value !== true) { process.exitCode = 1; console.log('not ok', title, message) } else console.log('ok', title) } }
  Promise.resolve(fn(t)).catch((e) => { process.exitCode = 1; console.log('not ok', title, e) })
}
`,
  })
  const tested = await run(process.execPath, [...nodeArgs(dir), 'flow.test.mjs'], { cwd: dir, env: cleanEnv() })
  t.is(tested.code, 0, tested.stdout + tested.stderr)
  t.is(tested.stdout, 'ok the endpoint follows flow.json\n')

  const server = startProcess(t, [cliPath, 'serve', '--handler', join(root, 'examples/booking-flow.mjs'), '--port', '0'], {
    cwd: dir,
    env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: privatePath }),
  })
  const origin = new URL((await server.ready)[1]).origin
  const [session] = await runTranscript(dir, block('docs/flow-json.md', 'simulate-flow.console'), cleanEnv(), (c) =>
    c.replaceAll('http://127.0.0.1:3000', origin),
  )
  t.is(session.code, 0, session.stderr)
  t.is(session.stdout, session.expected)
})
