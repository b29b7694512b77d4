// `wa-flows simulate --steps file.json`: several requests in one flow token's conversation, as WhatsApp would send
// them (INIT, data_exchange, BACK, error notifications, ping), each with optional expectations on the answer.
// The file is checked whole before anything is sent.
import type { FlowClient, FlowClientResult } from '../client/index.js'
import { isPlainObject } from '../util/inspect.js'
import { CliError } from './common.js'

/** What one step may check in its answer. */
export interface StepExpectation {
  /** The HTTP status (default 200). */
  status?: number
  /** The next screen's name (a 200 answer's `screen`). */
  screen?: string
  /** true: the answer's data has an `error_message`; false: it has none; a string: it contains that text. */
  error_message?: boolean | string
}

export type Step =
  | { action: 'ping'; expect?: StepExpectation }
  | { action: 'INIT'; data?: Record<string, unknown>; expect?: StepExpectation }
  | { action: 'BACK'; screen?: string; expect?: StepExpectation }
  | { action: 'data_exchange'; screen: string; data?: Record<string, unknown>; expect?: StepExpectation }
  | {
      action: 'error_notification'
      error: string
      error_message: string
      screen?: string
      for_action?: 'INIT' | 'BACK' | 'data_exchange'
      expect?: StepExpectation
    }

export interface StepsFile {
  steps: Step[]
  flow_token?: string
  version?: string
}

const ACTIONS = ['ping', 'INIT', 'BACK', 'data_exchange', 'error_notification'] as const
const MAX_STEPS = 200

/** The format, for messages and --help. */
export const stepsHelp = `The steps file is a JSON array of steps, or { "steps": [...], "flow_token"?, "version"? }:
  { "action": "INIT", "data"?: {...} }
  { "action": "data_exchange", "screen": "NAME", "data"?: {...} }
  { "action": "BACK", "screen"?: "NAME" }
  { "action": "error_notification", "error": "CODE", "error_message": "text",
    "screen"?: "NAME", "for_action"?: "INIT" | "BACK" | "data_exchange" }
  { "action": "ping" }
Each step may add "expect": { "status"?: 200, "screen"?: "NAME",
  "error_message"?: true | false | "text" }; the default expectation is status 200.`

function fail(where: string, message: string): never {
  throw new CliError(`${where}: ${message}`)
}

function checkExpectation(value: unknown, where: string): StepExpectation | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail(where, '"expect" must be an object')
  for (const key of Object.keys(value))
    if (!['status', 'screen', 'error_message'].includes(key)) fail(where, `unknown expectation "${key}"`)
  const { status, screen, error_message: message } = value as Record<string, unknown>
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599))
    fail(where, 'expect.status must be an HTTP status')
  if (screen !== undefined && (typeof screen !== 'string' || screen === '')) fail(where, 'expect.screen must be a screen name')
  if (message !== undefined && typeof message !== 'boolean' && typeof message !== 'string')
    fail(where, 'expect.error_message must be true, false or a text')
  return value as StepExpectation
}

/** Parses and checks a steps file's JSON text; `name` is the file's name for messages. */
export function parseSteps(text: string, name: string): StepsFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    fail(name, `not JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  const file = Array.isArray(json) ? { steps: json } : json
  if (!isPlainObject(file) || !Array.isArray(file.steps)) fail(name, 'expected an array of steps or { "steps": [...] }')
  const { steps, flow_token: flowToken, version } = file as { steps: unknown[]; flow_token?: unknown; version?: unknown }
  if (flowToken !== undefined && (typeof flowToken !== 'string' || flowToken === '')) fail(name, '"flow_token" must be a non-empty string')
  if (version !== undefined && (typeof version !== 'string' || !/^\d+\.\d+$/.test(version))) fail(name, '"version" must look like "3.0"')
  if (steps.length === 0) fail(name, 'there are no steps')
  if (steps.length > MAX_STEPS) fail(name, `at most ${MAX_STEPS} steps`)
  const checked = steps.map((step, i): Step => {
    const where = `${name}: step ${i + 1}`
    if (!isPlainObject(step)) fail(where, 'a step must be an object')
    const action = step.action
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) fail(where, `"action" must be one of ${ACTIONS.join(', ')}`)
    const expect = checkExpectation(step.expect, where)
    const data = step.data
    if (data !== undefined && !isPlainObject(data)) fail(where, '"data" must be a JSON object')
    const screen = step.screen
    if (screen !== undefined && (typeof screen !== 'string' || (screen === '' && action !== 'BACK')))
      fail(where, '"screen" must be a screen name')
    const base = expect ? { expect } : {}
    switch (action) {
      case 'ping':
        return { action, ...base }
      case 'INIT':
        return { action, ...(data ? { data } : {}), ...base }
      case 'BACK':
        return { action, ...(screen !== undefined ? { screen: screen as string } : {}), ...base }
      case 'data_exchange':
        if (typeof screen !== 'string') fail(where, 'data_exchange needs "screen"')
        return { action, screen, ...(data ? { data } : {}), ...base }
      default: {
        const { error, error_message: message, for_action: forAction } = step
        if (typeof error !== 'string' || error === '') fail(where, 'error_notification needs "error" (e.g. INVALID_SCREEN_DATA)')
        if (typeof message !== 'string') fail(where, 'error_notification needs "error_message"')
        if (forAction !== undefined && forAction !== 'INIT' && forAction !== 'BACK' && forAction !== 'data_exchange')
          fail(where, '"for_action" must be INIT, BACK or data_exchange')
        return {
          action: 'error_notification',
          error,
          error_message: message,
          ...(screen !== undefined ? { screen: screen as string } : {}),
          ...(forAction !== undefined ? { for_action: forAction } : {}),
          ...base,
        }
      }
    }
  })
  return { steps: checked, ...(flowToken ? { flow_token: flowToken as string } : {}), ...(version ? { version: version as string } : {}) }
}

/** `data_exchange DETAILS`, `INIT`, … */
export function stepLabel(step: Step, index: number): string {
  const screen = 'screen' in step && step.screen ? ` ${step.screen}` : ''
  return `step ${index + 1} ${step.action}${screen}`
}

/** Sends one step through the client. */
export function sendStep(client: FlowClient, step: Step): Promise<FlowClientResult> {
  switch (step.action) {
    case 'ping':
      return client.ping()
    case 'INIT':
      return client.init(step.data)
    case 'BACK':
      return client.back(step.screen)
    case 'data_exchange':
      return client.dataExchange(step.screen, step.data ?? {})
    case 'error_notification':
      return client.notifyError(step.error, step.error_message, {
        action: step.for_action ?? 'data_exchange',
        ...(step.screen !== undefined ? { screen: step.screen } : {}),
      })
  }
}

/** Why the answer does not meet the step's expectations; undefined when it does. */
export function unmet(step: Step, result: Pick<FlowClientResult, 'status' | 'response'>): string | undefined {
  const expect = step.expect ?? {}
  const status = expect.status ?? 200
  if (result.status !== status) return `expected HTTP ${status}, got ${result.status}`
  if (result.status !== 200) return undefined
  const response = isPlainObject(result.response) ? result.response : {}
  const screen = typeof response.screen === 'string' ? response.screen : undefined
  const data = isPlainObject(response.data) ? response.data : {}
  const message = typeof data.error_message === 'string' ? data.error_message : undefined
  const shown = message === undefined ? '' : ` (error_message: ${JSON.stringify(message)})`
  if (expect.screen !== undefined && screen !== expect.screen)
    return `expected screen ${expect.screen}, got ${screen ?? 'no screen'}${shown}`
  if (expect.error_message === true && message === undefined) return 'expected an error_message, got none'
  if (expect.error_message === false && message !== undefined) return `expected no error_message, got ${JSON.stringify(message)}`
  if (typeof expect.error_message === 'string' && !(message ?? '').includes(expect.error_message)) {
    return `expected an error_message containing ${JSON.stringify(expect.error_message)}, got ${message === undefined ? 'none' : JSON.stringify(message)}`
  }
  return undefined
}
