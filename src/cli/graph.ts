// The Graph API options shared by the CLI commands (--phone-number-id, --graph-url, --api-version, WA_FLOWS_ACCESS_TOKEN)
// over the package's Graph transport; its errors become one-line CliErrors (the token is never printed).
import { GraphApiError } from '../errors.js'
import {
  createGraphTransport,
  DEFAULT_API_VERSION,
  DEFAULT_GRAPH_URL,
  type GraphRequestInit,
  type GraphTransport,
} from '../graph/client.js'
import { CliError, env, required, UsageError } from './common.js'

export { DEFAULT_API_VERSION, DEFAULT_GRAPH_URL }

export const graphOptions = {
  'phone-number-id': { type: 'string' },
  'graph-url': { type: 'string' },
  'api-version': { type: 'string' },
} as const

export const graphHelp = `  --phone-number-id <id>   the WhatsApp business phone number ID (required)
  --graph-url <url>        Graph API base URL (default: ${DEFAULT_GRAPH_URL})
  --api-version <v>        Graph API version (default: ${DEFAULT_API_VERSION})`

/** The help text's environment line for the token (never an argument: arguments show in `ps` and shell history). */
export const tokenHelp = `  WA_FLOWS_ACCESS_TOKEN    Graph API access token (required; never pass it as an argument).
                           Set it without leaving it in the shell history:
                             read -rs WA_FLOWS_ACCESS_TOKEN && export WA_FLOWS_ACCESS_TOKEN`

type GraphOptionValues = { 'phone-number-id'?: string; 'graph-url'?: string; 'api-version'?: string }

/** The phone number id option, checked. */
export function phoneNumberId(opts: GraphOptionValues): string {
  const id = required(opts['phone-number-id'], 'phone-number-id')
  if (!/^\d+$/.test(id)) throw new UsageError(`--phone-number-id must be numeric, got "${id}"`)
  return id
}

/** A Graph transport from the options and WA_FLOWS_ACCESS_TOKEN. */
export function graphFromOptions(opts: GraphOptionValues): GraphTransport {
  const version = opts['api-version'] ?? DEFAULT_API_VERSION
  if (!/^v\d+\.\d+$/.test(version)) throw new UsageError(`--api-version must look like v21.0, got "${version}"`)
  const base = opts['graph-url'] ?? DEFAULT_GRAPH_URL
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new UsageError(`--graph-url is not a URL: "${base}"`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--graph-url must be an http(s) URL')
  const token = env('WA_FLOWS_ACCESS_TOKEN')
  if (!token) {
    throw new CliError(
      'WA_FLOWS_ACCESS_TOKEN is not set (a system user access token with whatsapp_business_messaging; set it with: read -rs WA_FLOWS_ACCESS_TOKEN && export WA_FLOWS_ACCESS_TOKEN)',
    )
  }
  return createGraphTransport({ accessToken: token, apiVersion: version, baseUrl: url })
}

/** Runs a Graph call; a GraphApiError becomes a CliError with the same (token-free) message. */
export async function graphCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (e) {
    if (e instanceof GraphApiError) throw new CliError(e.message, 1, { cause: e })
    throw e
  }
}

/** The key commands' endpoint: `{id}/whatsapp_business_encryption`. */
export function encryptionCall(opts: GraphOptionValues) {
  const id = phoneNumberId(opts)
  const graph = graphFromOptions(opts)
  return (method: 'GET' | 'POST', init?: GraphRequestInit) =>
    graphCall(() => graph.request(method, `${id}/whatsapp_business_encryption`, init))
}
