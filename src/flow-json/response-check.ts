// The run-time twin of the typed screen map: does a handler's result fit the Flow JSON? INIT must open an entry
// screen, a data_exchange from A may answer A itself or a screen routing_model.A lists, and the next screen's data
// must be exactly what it declares. Messages use the wording of the type errors and name the screen and the field.
import type { FlowRequest } from '../protocol.js'
import { checkScreenData } from './data-check.js'
import { isObject, type FlowModel } from './model.js'

export type FlowResponseMismatchRule =
  | 'unknown-screen'
  | 'screen-not-allowed'
  | 'missing-field'
  | 'unknown-field'
  | 'wrong-type'
  | 'completion'

export interface FlowResponseMismatch {
  rule: FlowResponseMismatchRule
  /** The screen the response names (`SUCCESS` for the completion). */
  screen: string
  /** The field, when one is at fault, e.g. `email` or `departments[0].title`. */
  field?: string
  /** E.g. `screen DETAILS: missing field 'email'`. */
  message: string
}

const NAME = /^[A-Za-z0-9_.[\]-]{1,128}$/
/** Names in messages and logs: identifier-like (a key a handler made up could be anything). */
const safe = (s: string) => (NAME.test(s) ? s : '<unnamed>')

/** Where a request's handler runs, for messages: `INIT`, `BACK`, `screen A`. */
function whereOf(request: FlowRequest): string {
  if (request.action === 'data_exchange' && typeof request.screen === 'string') return `screen ${safe(request.screen)}`
  return typeof request.action === 'string' ? safe(request.action) : '<unnamed>'
}

/** The screens a response to `request` may name, with the reason other screens are refused; undefined: any. */
function allowed(flow: FlowModel, request: FlowRequest): { screens: Set<string>; reason: string } | undefined {
  if (!flow.routing) return undefined
  if (request.action === 'INIT') return { screens: new Set(flow.entries), reason: 'INIT opens an entry screen of the routing model' }
  if (request.action !== 'data_exchange' || typeof request.screen !== 'string' || !flow.byId.has(request.screen)) return undefined
  const from = request.screen
  return { screens: new Set([from, ...(flow.routing.get(from) ?? [])]), reason: `routing_model.${safe(from)} does not list it` }
}

function completionMismatch(data: unknown): FlowResponseMismatch | undefined {
  const ext = isObject(data) ? data.extension_message_response : undefined
  const params = isObject(ext) ? ext.params : undefined
  if (!isObject(params)) {
    return {
      rule: 'completion',
      screen: 'SUCCESS',
      message: 'completion: data must be { extension_message_response: { params: { flow_token, … } } }',
    }
  }
  if (typeof params.flow_token !== 'string')
    return { rule: 'completion', screen: 'SUCCESS', field: 'flow_token', message: "completion params: missing field 'flow_token'" }
  return undefined
}

/**
 * The check for one flow: the first mismatch of `response` (already known to be `{ screen, data }` with plain
 * objects) as the answer to `request`, or undefined when it fits.
 */
export function createResponseCheck(
  flow: FlowModel,
): (request: FlowRequest, response: { screen: string; data: Record<string, unknown> }) => FlowResponseMismatch | undefined {
  return (request, response) => {
    const next = response.screen
    const where = whereOf(request)
    if (next === 'SUCCESS') return completionMismatch(response.data)
    const screen = flow.byId.get(next)
    if (!screen)
      return { rule: 'unknown-screen', screen: safe(next), message: `${where}: next screen '${safe(next)}' is not a screen of the flow` }
    const rule = allowed(flow, request)
    if (rule && !rule.screens.has(next)) {
      return { rule: 'screen-not-allowed', screen: next, message: `${where}: next screen '${safe(next)}' is not allowed (${rule.reason})` }
    }
    const problem = checkScreenData(screen.data, response.data)
    if (!problem) return undefined
    const field = safe(problem.field)
    const message =
      problem.kind === 'unknown-field'
        ? `screen ${next}: unknown field '${field}'`
        : problem.kind === 'missing-field'
          ? `screen ${next}: missing field '${field}'`
          : `screen ${next}: field '${field}' must be ${problem.expected}`
    return { rule: problem.kind, screen: next, field, message }
  }
}
