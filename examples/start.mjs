// `npm start`: serves the example booking flow on 127.0.0.1:3000 with a development key created on first run.
import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createFlowEndpoint, getBackend, loadPrivateKey } from '../dist/index.js'
import bookingFlow from './booking-flow.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const keyDir = resolve(process.env.WA_FLOWS_DEV_KEYS || join(here, '.dev-keys'))
const privatePath = join(keyDir, 'private.pem')
const publicPath = join(keyDir, 'public.pem')
const host = process.env.HOST || '127.0.0.1'
const port = Number(process.env.PORT ?? 3000)

/** Development only: an unencrypted key in a git-ignored folder, readable by the owner alone. */
function ensureDevKey() {
  if (existsSync(privatePath) && existsSync(publicPath)) return false
  mkdirSync(keyDir, { recursive: true, mode: 0o700 })
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  writeFileSync(privatePath, privateKey, { mode: 0o600 })
  chmodSync(privatePath, 0o600)
  writeFileSync(publicPath, publicKey, { mode: 0o644 })
  return true
}

const created = ensureDevKey()
// Set WA_FLOWS_APP_SECRET (comma-separated during rotation) to check X-Hub-Signature-256 as in production.
const appSecret = process.env.WA_FLOWS_APP_SECRET?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
// The flow's Flow JSON: handler answers that leave its routing model or miss declared data are refused (500, logged).
const flow = JSON.parse(readFileSync(join(here, 'booking-flow.json'), 'utf8'))
const endpoint = createFlowEndpoint({
  privateKey: await loadPrivateKey(readFileSync(privatePath)),
  flow,
  ...(appSecret?.length ? { appSecret } : {}),
})
bookingFlow(endpoint)
const handler = endpoint.nodeHandler()

const server = createServer((req, res) => {
  const started = performance.now()
  res.once('close', () => {
    console.log(
      `${req.method} ${req.url} ${res.writableFinished ? res.statusCode : 'aborted'} ${(performance.now() - started).toFixed(1)}ms`,
    )
  })
  if ((req.url ?? '/').split('?', 1)[0] !== '/') return void res.writeHead(404).end()
  handler(req, res)
})

server.listen(port, host, () => {
  const { port: actual } = server.address()
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`
  const rel = relative(process.cwd(), publicPath)
  const shownKey = rel && !rel.startsWith('..') ? rel : publicPath
  console.log(`Booking flow endpoint listening on ${url} (${getBackend()} crypto)`)
  console.log(`${created ? 'Created a development key pair' : 'Using the development key pair'}; public key: ${publicPath}`)
  const flowFile = relative(process.cwd(), join(here, 'booking-flow.json'))
  console.log(
    'Try it (the second line walks every route of the Flow JSON; the third sends an unavailable date: the answer carries an error_message):',
  )
  console.log(`  npx wa-flows simulate --url ${url} --public-key ${shownKey}`)
  console.log(
    `  npx wa-flows simulate --url ${url} --public-key ${shownKey} --flow ${flowFile && !flowFile.startsWith('..') ? flowFile : join(here, 'booking-flow.json')}`,
  )
  console.log(
    `  npx wa-flows simulate --url ${url} --public-key ${shownKey} --screen APPOINTMENT --data '{"department":"dental","location":"north","date":"2000-01-01","time":"09:00"}'`,
  )
})

const stop = () => server.close(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
