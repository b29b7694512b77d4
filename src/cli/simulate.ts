// `wa-flows simulate`: sends encrypted requests to a data endpoint as WhatsApp would and prints the decrypted answers.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FlowClient, FlowClientResult } from '../client/index.js'
import { CliError, env, out, parseOptions, reasonOf, required, UsageError } from './common.js'
import { readPublicKeyFile } from './public-key-file.js'
import { parseSteps, sendStep, stepLabel, stepsHelp, unmet, type StepsFile } from './simulate-steps.js'

export const help = `Usage: wa-flows simulate --url <url> --public-key <file> [options]
       wa-flows simulate --url <url> --public-key <file> --steps <file.json>

Acts as WhatsApp: sends a health check (ping), then an INIT (default) or a
data_exchange from --screen with --data, each encrypted with the endpoint's
public key, and prints each HTTP status and the decrypted response.
With --steps, sends the steps of the file instead (one flow token throughout).
Exits non-zero unless every status is 200 (or, with --steps, every expectation holds).

Options:
  --url <url>            the endpoint URL (required)
  --public-key <file>    the endpoint's SPKI public key (required; a private key is refused)
  --screen <name>        send a data_exchange from this screen instead of INIT
  --data <json>          the data_exchange (or INIT) payload, a JSON object (default: {})
  --steps <file.json>    walk several screens: INIT, data_exchange, BACK, error
                         notifications, ping (format below)
  --flow-token <token>   the flow token (default: a random one)
  --flow <file>          walk every route of this Flow JSON instead: INIT,
                         BACK, each data_exchange with example data; checks
                         each answer's screen and data (exit 1 on a mismatch)
  --form-values <file>   with --flow: JSON { "SCREEN": {input: value} or
                         [variants] } over the generated form values
  -h, --help             show this help

${stepsHelp}

Environment:
  WA_FLOWS_APP_SECRET    signs requests with X-Hub-Signature-256 (first of a
                         comma-separated list)
`

type SimResult = Pick<FlowClientResult, 'status' | 'response'>

function parseData(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {}
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch (e) {
    throw new UsageError(`--data is not valid JSON: ${reasonOf(e)}`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--data must be a JSON object')
  return v as Record<string, unknown>
}

function show(label: string, result: SimResult): void {
  out(`${label}: HTTP ${result.status}`)
  const payload = result.response
  if (payload === undefined || payload === '') return
  out(typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2))
}

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions(argv, {
    url: { type: 'string' },
    'public-key': { type: 'string' },
    screen: { type: 'string' },
    data: { type: 'string' },
    steps: { type: 'string' },
    'flow-token': { type: 'string' },
    flow: { type: 'string' },
    'form-values': { type: 'string' },
  })
  if (o.flow !== undefined && (o.screen !== undefined || o.data !== undefined))
    throw new UsageError('--flow walks the whole flow; it takes no --screen or --data')
  if (o['form-values'] !== undefined && o.flow === undefined) throw new UsageError('--form-values needs --flow')
  const url = required(o.url, 'url')
  try {
    new URL(url)
  } catch {
    throw new UsageError(`--url is not a URL: "${url}"`)
  }
  const keyPath = required(o['public-key'], 'public-key')
  if (o.steps !== undefined && (o.screen !== undefined || o.data !== undefined || o.flow !== undefined)) {
    throw new UsageError('--steps does not go with --screen, --data or --flow (the steps file holds the requests)')
  }
  const data = parseData(o.data)
  // Everything is checked before the first request: the key file (a private key is refused) and the steps file.
  const { pem: publicKey } = await readPublicKeyFile(keyPath)
  let steps: StepsFile | undefined
  if (o.steps !== undefined) {
    let text: string
    try {
      text = await readFile(o.steps, 'utf8')
    } catch (e) {
      throw new CliError(`cannot read steps file ${o.steps}: ${reasonOf(e)}`)
    }
    steps = parseSteps(text, o.steps)
  }
  const appSecret = env('WA_FLOWS_APP_SECRET')?.split(',')[0]?.trim()
  const { createFlowClient } = await import('../index.js')
  let client: FlowClient
  try {
    client = createFlowClient({
      url,
      publicKey,
      flowToken: o['flow-token'] ?? steps?.flow_token ?? `wa-flows-sim-${randomUUID()}`,
      ...(steps?.version ? { version: steps.version } : {}),
      ...(appSecret ? { appSecret } : {}),
    })
  } catch (e) {
    throw new CliError(`cannot use public key ${keyPath}: ${reasonOf(e)}`)
  }

  const call = async (label: string, f: () => Promise<SimResult>): Promise<SimResult | undefined> => {
    try {
      const result = await f()
      show(label, result)
      return result
    } catch (e) {
      process.stderr.write(`${label}: failed: ${reasonOf(e)}\n`)
      return undefined
    }
  }

  if (steps) {
    for (const [i, step] of steps.steps.entries()) {
      const label = stepLabel(step, i)
      const result = await call(label, () => sendStep(client, step))
      const problem = result ? unmet(step, result) : 'no answer'
      if (problem) {
        process.stderr.write(`wa-flows: ${label}: ${problem}; stopping after ${i + 1} of ${steps.steps.length} steps\n`)
        return 1
      }
    }
    out(`all ${steps.steps.length} steps answered as expected`)
    return 0
  }

  if (o.flow !== undefined) return (await import('./simulate-flow.js')).runFlowSimulation(client, o.flow, o['form-values'])

  let ok = (await call('ping', () => client.ping()))?.status === 200
  if (o.screen !== undefined)
    ok = (await call(`data_exchange ${o.screen}`, () => client.dataExchange(o.screen!, data)))?.status === 200 && ok
  else ok = (await call('INIT', () => client.init(data)))?.status === 200 && ok
  if (!ok) process.stderr.write('wa-flows: not every request answered 200\n')
  return ok ? 0 : 1
}
