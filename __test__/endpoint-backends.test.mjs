// The main endpoint flow once per crypto backend (native addon, WebCrypto), via bindEndpoint over each runtime.
import test from 'ava'
import { bindEndpoint } from '../dist/endpoint/index.js'
import { createFlowClient, FlowTokenError } from '../dist/index.js'
import { runtimes } from './helpers/backends.mjs'
import { captureLogger, listenNode, makeKeys, standInMedia } from './helpers/endpoint.mjs'

const keys = makeKeys()
const SECRET = 'backend-secret'

test('both backends are exercised where available', (t) => {
  t.true(runtimes.some((r) => r.name === 'webcrypto'))
  t.true(runtimes.length >= 1)
})

for (const runtime of runtimes) {
  test(`${runtime.name}: the whole flow over node:http`, async (t) => {
    const log = captureLogger()
    const { createFlowEndpoint } = bindEndpoint(runtime, standInMedia())
    const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, logger: log.logger })
      .on('INIT', () => ({ screen: 'START', data: { backend: runtime.name } }))
      .on('data_exchange', 'START', (req) => ({ screen: 'CONFIRM', data: { chosen: req.data.choice } }))
      .on('data_exchange', 'CONFIRM', (req, ctx) => ({
        screen: 'SUCCESS',
        data: { extension_message_response: { params: { flow_token: ctx.flowToken, chosen: req.data.chosen } } },
      }))
      .on('data_exchange', 'EXPIRED', () => {
        throw new FlowTokenError('expired')
      })
      .on('BACK', () => ({ screen: 'START', data: { backend: runtime.name } }))
    const s = await listenNode(endpoint)
    t.teardown(s.close)
    const client = createFlowClient({ url: s.url, publicKey: keys.publicPem, appSecret: SECRET, flowToken: 'ft-backend' })

    t.deepEqual((await client.ping()).response, { data: { status: 'active' } })
    t.deepEqual((await client.init()).response, { screen: 'START', data: { backend: runtime.name } })
    t.deepEqual((await client.dataExchange('START', { choice: 'b' })).response, { screen: 'CONFIRM', data: { chosen: 'b' } })
    t.deepEqual((await client.back('START')).response, { screen: 'START', data: { backend: runtime.name } })
    t.deepEqual((await client.dataExchange('CONFIRM', { chosen: 'b' })).response, {
      screen: 'SUCCESS',
      data: { extension_message_response: { params: { flow_token: 'ft-backend', chosen: 'b' } } },
    })
    t.deepEqual((await client.notifyError('E', 'm')).response, { data: { acknowledged: true } })
    t.is((await client.dataExchange('EXPIRED', {})).status, 427)
    t.is((await createFlowClient({ url: s.url, publicKey: makeKeys().publicPem, appSecret: SECRET }).ping()).status, 421)
  })

  test(`${runtime.name}: a key loaded by this runtime is accepted, one from another backend refused`, async (t) => {
    const { createFlowEndpoint } = bindEndpoint(runtime, standInMedia())
    const key = await runtime.crypto.loadPrivateKey(keys.privatePem)
    const endpoint = createFlowEndpoint({ privateKey: key, logger: false }).on('INIT', () => ({ screen: 'A', data: {} }))
    t.is((await createFlowClient({ endpoint, publicKey: keys.publicPem }).init()).status, 200)
    for (const otherRuntime of runtimes.filter((r) => r.name !== runtime.name)) {
      const foreign = await otherRuntime.crypto.loadPrivateKey(keys.privatePem)
      t.throws(() => createFlowEndpoint({ privateKey: foreign, logger: false }), { instanceOf: TypeError })
    }
  })
}
