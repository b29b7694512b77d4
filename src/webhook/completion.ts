// parseFlowCompletion: reads one completion message (interactive.nfm_reply) of the messages webhook into typed fields.
import { FlowRequestError } from '../errors.js'

export interface FlowCompletion<R extends object = Record<string, unknown>> {
  /** `flow_token` from `response_json` ('' when the flow JSON's Complete action sent none). */
  flowToken: string
  /** `response_json`, parsed. */
  response: R & { flow_token?: string }
  /** `nfm_reply.name` (`flow`). */
  name: string
  /** `nfm_reply.body` (`Sent`). */
  body: string
}

/**
 * Parses a messages-webhook message that completes a flow. Throws TypeError when `message` is not an object, and
 * `FlowRequestError` when it is not an `nfm_reply` or its `response_json` is not a JSON object.
 */
export function parseFlowCompletion<R extends object = Record<string, unknown>>(message: unknown): FlowCompletion<R> {
  if (typeof message !== 'object' || message === null) throw new TypeError('message must be a webhook message object')
  const interactive = (message as { interactive?: unknown }).interactive as { type?: unknown; nfm_reply?: unknown } | undefined
  if (typeof interactive !== 'object' || interactive === null || interactive.type !== 'nfm_reply') {
    throw new FlowRequestError('The message is not a flow completion (interactive.type is not nfm_reply)')
  }
  const reply = interactive.nfm_reply as { name?: unknown; body?: unknown; response_json?: unknown } | undefined
  if (typeof reply !== 'object' || reply === null || typeof reply.response_json !== 'string') {
    throw new FlowRequestError('The flow completion has no nfm_reply.response_json')
  }
  let response: unknown
  try {
    response = JSON.parse(reply.response_json)
  } catch (e) {
    throw new FlowRequestError('nfm_reply.response_json is not JSON', { cause: e })
  }
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw new FlowRequestError('nfm_reply.response_json is not a JSON object')
  }
  const token = (response as { flow_token?: unknown }).flow_token
  return {
    flowToken: typeof token === 'string' ? token : '',
    response: response as R & { flow_token?: string },
    name: typeof reply.name === 'string' ? reply.name : '',
    body: typeof reply.body === 'string' ? reply.body : '',
  }
}
