// `wa-flows send-flow`: sends a flow to a user through the Cloud API (an interactive flow message, or a template
// with a FLOW button), optionally creating its session in Redis; prints the message id and the flow token.
import { flowMessage, flowTemplateMessage, sendWithSession, type SendFlowOptions } from '../graph/messages.js'
import type { FlowSessions } from '../sessions/types.js'
import { CliError, out, parseOptions, required, UsageError } from './common.js'
import { graphCall, graphFromOptions, graphHelp, graphOptions, phoneNumberId, tokenHelp } from './graph.js'

export const help = `Usage: wa-flows send-flow --phone-number-id <id> --to <number> (--flow-id <id> | --flow-name <name>)
                          --cta <text> --body <text> [options]
       wa-flows send-flow --phone-number-id <id> --to <number> --template <name> --language <code> [options]

Sends a flow message (POST /<version>/<phone-number-id>/messages) carrying a flow token,
generated when --flow-token is not given, and prints the message id and the token.

Options:
${graphHelp}
  --to <number>            recipient's WhatsApp number with country code (required)
  --flow-id <id>           the flow's id (or --flow-name)
  --flow-name <name>       the flow's name (Cloud API only)
  --cta <text>             button text (required for a flow message)
  --body <text>            message body (required for a flow message)
  --header <text>          header text
  --footer <text>          footer text
  --flow-token <token>     the token to track this user (default: a random ft_… token)
  --action <a>             navigate (default) or data_exchange
  --screen <name>          first screen for navigate
  --data <json>            data for the first screen (a JSON object)
  --mode <m>               published (default) or draft
  --template <name>        send this approved template with a FLOW button instead
  --language <code>        the template's language, e.g. en_US (with --template)
  --button-index <n>       index of the template's FLOW button (default 0)
  --sessions <url>         redis://host:port: create the session there and link the message id to the token
  --session <json>         the session's initial value (with --sessions; default {})
  -h, --help               show this help

Environment:
${tokenHelp}
`

function jsonObject(text: string | undefined, name: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`--${name} is not JSON: ${text.slice(0, 60)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--${name} must be a JSON object`)
  return value as Record<string, unknown>
}

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions(argv, {
    ...graphOptions,
    to: { type: 'string' },
    'flow-id': { type: 'string' },
    'flow-name': { type: 'string' },
    cta: { type: 'string' },
    body: { type: 'string' },
    header: { type: 'string' },
    footer: { type: 'string' },
    'flow-token': { type: 'string' },
    action: { type: 'string' },
    screen: { type: 'string' },
    data: { type: 'string' },
    mode: { type: 'string' },
    template: { type: 'string' },
    language: { type: 'string' },
    'button-index': { type: 'string' },
    sessions: { type: 'string' },
    session: { type: 'string' },
  })
  const number = phoneNumberId(o)
  const to = required(o.to, 'to')
  const data = jsonObject(o.data, 'data')
  const sessionValue = jsonObject(o.session, 'session')
  if (o.session !== undefined && o.sessions === undefined) throw new UsageError('--session needs --sessions redis://…')
  if (o.sessions !== undefined && !/^rediss?:\/\//.test(o.sessions))
    throw new UsageError('--sessions must be a redis:// URL (a one-shot command has no memory to keep sessions in)')

  let build: (token: string) => Record<string, unknown>
  try {
    if (o.template !== undefined) {
      for (const flag of ['flow-id', 'flow-name', 'cta', 'body', 'header', 'footer', 'action', 'screen', 'mode'] as const) {
        if (o[flag] !== undefined) throw new UsageError(`--${flag} does not go with --template (the template defines the message)`)
      }
      const index = o['button-index'] === undefined ? 0 : Number(o['button-index'])
      const options = { to, template: o.template, language: required(o.language, 'language'), flowActionData: data, buttonIndex: index }
      flowTemplateMessage(options, 'check') // argument errors before anything is sent
      build = (token) => flowTemplateMessage(options, token)
    } else {
      if (o.language !== undefined || o['button-index'] !== undefined)
        throw new UsageError('--language and --button-index go with --template')
      if (o.action !== undefined && o.action !== 'navigate' && o.action !== 'data_exchange')
        throw new UsageError('--action must be navigate or data_exchange')
      if (o.mode !== undefined && o.mode !== 'draft' && o.mode !== 'published') throw new UsageError('--mode must be draft or published')
      const options: SendFlowOptions = {
        to,
        flowId: o['flow-id'],
        flowName: o['flow-name'],
        flowCta: required(o.cta, 'cta'),
        body: required(o.body, 'body'),
        header: o.header,
        footer: o.footer,
        flowAction: o.action as SendFlowOptions['flowAction'],
        screen: o.screen,
        data,
        mode: o.mode as SendFlowOptions['mode'],
      }
      flowMessage(options, 'check')
      build = (token) => flowMessage(options, token)
    }
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message)
    throw e
  }

  const graph = graphFromOptions(o)
  let sessions: FlowSessions<unknown> | undefined
  if (o.sessions !== undefined) {
    const [{ createRedisStore }, { createFlowSessions }] = await Promise.all([
      import('../sessions/redis.js'),
      import('../sessions/sessions.js'),
    ])
    sessions = createFlowSessions({ store: createRedisStore({ url: o.sessions }) })
  }
  try {
    const sent = await graphCall(() =>
      sendWithSession(
        graph,
        number,
        { to, flowToken: o['flow-token'], sessions, session: sessions ? (sessionValue ?? {}) : undefined },
        build,
      ),
    )
    out(`Sent ${o.template === undefined ? 'flow message' : `template ${o.template}`} ${sent.messageId} to ${to}`)
    out(`flow_token: ${sent.flowToken}`)
    if (sessions) out('session created and message linked in the session store')
    return 0
  } catch (e) {
    if (e instanceof CliError) throw e
    if (e instanceof TypeError) throw new UsageError(e.message)
    throw new CliError(e instanceof Error ? graph.redact(e.message) : String(e), 1, { cause: e })
  } finally {
    await sessions?.close()
  }
}
