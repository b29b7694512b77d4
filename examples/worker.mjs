// Cloudflare Workers example: the booking flow (booking-flow.mjs) as a Worker's `fetch` handler. Bundlers for
// Workers (wrangler, esbuild with the `workerd` condition) resolve 'whatsapp-flows' to its WebCrypto entry.
//
// Secrets: WA_FLOWS_PRIVATE_KEY (PKCS#8 or PKCS#1 PEM, unencrypted) and, in production, WA_FLOWS_APP_SECRET
// (comma-separated during a rotation) so that X-Hub-Signature-256 is checked:
//   npx wrangler secret put WA_FLOWS_PRIVATE_KEY < private.pem
//   npx wrangler secret put WA_FLOWS_APP_SECRET
import { createFlowEndpoint } from 'whatsapp-flows'
import bookingFlow from './booking-flow.mjs'

/** One endpoint per isolate, built on the first request (env is not available before) and per secret values. */
let cached

function endpointFor(env) {
  const privateKey = env.WA_FLOWS_PRIVATE_KEY
  const secret = env.WA_FLOWS_APP_SECRET ?? ''
  if (cached?.privateKey === privateKey && cached.secret === secret) return cached.endpoint
  if (typeof privateKey !== 'string' || privateKey === '') throw new Error('the WA_FLOWS_PRIVATE_KEY secret is not set')
  const appSecret = secret
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const endpoint = createFlowEndpoint({ privateKey, ...(appSecret.length ? { appSecret } : {}) })
  bookingFlow(endpoint)
  cached = { privateKey, secret, endpoint }
  return endpoint
}

export default {
  /** The flow endpoint at `/`; WhatsApp POSTs there (every other method gets the endpoint's 405). */
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/') return new Response('Not found', { status: 404 })
    return endpointFor(env).fetch(request)
  },
}
