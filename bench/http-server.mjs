// Child process of bench/http.mjs: one endpoint under test on a free port. argv[2] = `ours` (this package on
// node:http, backend chosen by WA_FLOWS_BACKEND) or `reference` (express + sync node:crypto, as in Meta's example).
import { constants, createCipheriv, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const mode = process.argv[2]
const pem = readFileSync(process.env.BENCH_KEY_FILE, 'utf8')
let handled = 0

/** The same business logic for both servers: answer DETAILS with a SUMMARY built from the request data. */
function summary(request) {
  handled++
  const d = request.data ?? {}
  return {
    screen: 'SUMMARY',
    data: { appointment: `${d.department} at ${d.location}, ${d.date} ${d.time}`, details: `${d.name} <${d.email}>`, echo: d.nonce },
  }
}

async function ours() {
  const { createFlowEndpoint, getBackend, loadPrivateKey } = await import('../dist/index.js')
  const endpoint = createFlowEndpoint({ privateKey: await loadPrivateKey(pem), logger: false })
  endpoint.on('data_exchange', 'DETAILS', (request) => summary(request))
  return { server: createServer(endpoint.nodeHandler()), backend: getBackend() }
}

async function reference() {
  const { default: express } = await import('express')
  const key = createPrivateKey(pem)
  const app = express()
  app.use(express.json())
  app.post('/', (req, res) => {
    let aesKey, iv, request
    try {
      const { encrypted_aes_key, encrypted_flow_data, initial_vector } = req.body
      aesKey = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(encrypted_aes_key, 'base64'),
      )
      iv = Buffer.from(initial_vector, 'base64')
      const sealed = Buffer.from(encrypted_flow_data, 'base64')
      const decipher = createDecipheriv('aes-128-gcm', aesKey, iv)
      decipher.setAuthTag(sealed.subarray(-16))
      request = JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]).toString('utf8'))
    } catch {
      return res.status(421).end()
    }
    const cipher = createCipheriv(
      'aes-128-gcm',
      aesKey,
      iv.map((b) => ~b),
    )
    const sealed = Buffer.concat([cipher.update(JSON.stringify(summary(request)), 'utf8'), cipher.final(), cipher.getAuthTag()])
    res.type('text/plain').send(sealed.toString('base64'))
  })
  return { server: createServer(app), backend: 'node:crypto' }
}

const { server, backend } = mode === 'reference' ? await reference() : await ours()
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port, backend }))
process.on('message', (m) => {
  if (m === 'reset') {
    handled = 0
    process.send({ type: 'reset', cpu: process.cpuUsage() })
  } else if (m === 'stats') {
    process.send({ type: 'stats', handled, cpu: process.cpuUsage() })
  }
})
process.on('disconnect', () => process.exit(0))
