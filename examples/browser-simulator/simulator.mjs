// The browser simulator's logic: reads the form, sends one request with createFlowClient (WebCrypto only) and
// shows the HTTP status and the decrypted answer (or the plain body of a non-200 answer).
import { createFlowClient } from 'whatsapp-flows'

const $ = (id) => document.getElementById(id)

/** A random flow token for this page's session, shown so that it can be changed. */
$('flow-token').value =
  `flow-token-${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`

function parseData(text) {
  if (text.trim() === '') return undefined
  const data = JSON.parse(text)
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TypeError('Data must be a JSON object')
  return data
}

/** Sends what the form describes; resolves the client's result `{ status, headers, response }`. */
async function send() {
  const client = createFlowClient({
    url: $('url').value.trim(),
    publicKey: $('public-key').value,
    ...($('app-secret').value ? { appSecret: $('app-secret').value } : {}),
    ...($('flow-token').value.trim() ? { flowToken: $('flow-token').value.trim() } : {}),
  })
  const data = parseData($('data').value)
  const screen = $('screen').value.trim()
  switch ($('action').value) {
    case 'ping':
      return client.ping()
    case 'INIT':
      return client.init(data)
    case 'data_exchange':
      return client.dataExchange(screen, data ?? {})
    case 'BACK':
      return client.back(screen || undefined)
    default:
      throw new Error(`unknown action ${$('action').value}`)
  }
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault()
  $('send').disabled = true
  $('status').textContent = 'Sending…'
  $('response').textContent = ''
  try {
    const result = await send()
    $('status').textContent = result.status === 200 ? 'HTTP 200: decrypted answer' : `HTTP ${result.status}`
    $('response').textContent = typeof result.response === 'string' ? result.response : JSON.stringify(result.response, null, 2)
  } catch (e) {
    $('status').textContent = `Failed: ${e?.name ?? 'Error'}: ${e?.message ?? e}`
  } finally {
    $('send').disabled = false
  }
})
