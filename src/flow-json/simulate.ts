// simulateFlow: walks a Flow JSON against a running endpoint with the simulator (createFlowClient) — INIT for the
// entry screen, BACK for screens with refresh_on_back, and every data_exchange action of every screen with the
// data the endpoint sent for it (or its __example__ data) and example form values — and reports, per request and
// per routing-model edge, whether the answer's screen and data match the Flow JSON.
import { createFlowClient } from '../client/client.js'
import type { FlowClient, FlowClientOptions, FlowClientResult } from '../client/types.js'
import type { FlowRequest } from '../protocol.js'
import { flowJsonError } from './define.js'
import { evaluate, exampleData, exampleForm, type Filled } from './examples.js'
import { isObject, readFlow, type FlowModel, type JsonObject, type ScreenInfo } from './model.js'
import { createResponseCheck } from './response-check.js'
import type { FlowJson } from './schema.js'
import { validateFlowJson } from './validate.js'

export interface SimulateFlowOptions extends Partial<FlowClientOptions> {
  /** The Flow JSON (an object); it must validate without errors. */
  flow: FlowJson | object
  /** A simulator to send with; without it one is made from the other options (url or endpoint, publicKey, …). */
  // biome-ignore lint/suspicious/noExplicitAny: a client typed for any screen map
  client?: FlowClient<any>
  /**
   * Form values per screen, over the generated examples; an array sends every data_exchange of the screen once per
   * entry (to reach each branch of the routing model).
   */
  formValues?: Record<string, Record<string, unknown> | Array<Record<string, unknown>>>
  /** Send INIT first (default true). Without it the entry screen starts from its __example__ data. */
  init?: boolean
  /** Send BACK for each screen with refresh_on_back (default true). */
  back?: boolean
}

export interface FlowSimulationStep {
  request: 'INIT' | 'BACK' | 'data_exchange'
  /** The screen the request comes from (BACK: the screen returned to). */
  screen?: string
  /** JSON pointer of the action in the Flow JSON (data_exchange). */
  action?: string
  /** The data sent. */
  payload: Record<string, unknown>
  status: number
  /** The answer's screen and error_message, when it had them. */
  response?: { screen?: string; error_message?: string }
  /** Empty when the answer matches the Flow JSON. */
  problems: string[]
}

export interface FlowSimulationEdge {
  /** A screen id, or `INIT`. */
  from: string
  /** A screen id, or `SUCCESS` (the completion). */
  to: string
  /** `endpoint`: the endpoint chooses it (data_exchange); `client`: a navigate action, not sent to the endpoint. */
  driver: 'endpoint' | 'client'
  /** `ok`, `mismatch` (answered, but not as the Flow JSON says), `not-reached` (no request was answered with it), `client`. */
  result: 'ok' | 'mismatch' | 'not-reached' | 'client'
  problems: string[]
}

export interface FlowSimulationReport {
  /** Every step answered as the Flow JSON says and every endpoint edge was reached. */
  ok: boolean
  steps: FlowSimulationStep[]
  edges: FlowSimulationEdge[]
}

/** Screens in walking order: from the entries along the edges, then any left over, in document order. */
function walkOrder(model: FlowModel): ScreenInfo[] {
  const order: string[] = []
  const seen = new Set<string>()
  const queue = [...model.entries]
  while (queue.length > 0) {
    const id = queue.shift()!
    if (seen.has(id) || !model.byId.has(id)) continue
    seen.add(id)
    order.push(id)
    queue.push(...(model.edges.get(id) ?? []))
  }
  for (const id of model.byId.keys()) if (!seen.has(id)) order.push(id)
  return order.map((id) => model.byId.get(id)!)
}

const edgeKey = (from: string, to: string) => `${from}\u0000${to}`

export async function simulateFlow(options: SimulateFlowOptions): Promise<FlowSimulationReport> {
  if (typeof options !== 'object' || options === null) throw new TypeError('simulateFlow takes an options object with flow')
  const { flow, client: given, formValues = {}, init = true, back = true, ...clientOptions } = options
  if (!isObject(flow)) throw new TypeError('flow must be the Flow JSON object')
  const report = validateFlowJson(flow)
  if (!report.valid) throw flowJsonError(report, 'flow')
  if (!isObject(formValues)) throw new TypeError('formValues must be an object of screen id → form values')
  const model = readFlow(flow)!
  const check = createResponseCheck(model)
  const client = given ?? createFlowClient(clientOptions as FlowClientOptions)

  const known = new Map<string, { data: JsonObject; fromEndpoint: boolean }>()
  const forms = new Map<string, JsonObject>()
  const filled: Filled = {
    data: (id) => known.get(id)?.data ?? (model.byId.has(id) ? exampleData(model.byId.get(id)!) : undefined),
    form: (id) => forms.get(id),
  }
  const steps: FlowSimulationStep[] = []
  /** Edges answered, with the problems of the answers that took them. */
  const answered = new Map<string, string[]>()

  function analyse(
    request: FlowRequest,
    result: FlowClientResult,
  ): { screen?: string; data?: JsonObject; problems: string[]; response?: FlowSimulationStep['response'] } {
    if (result.status !== 200) {
      const body = typeof result.response === 'string' ? result.response : JSON.stringify(result.response)
      return { problems: [`HTTP ${result.status}${body ? `: ${body.slice(0, 200)}` : ''}`] }
    }
    const r = result.response
    if (!isObject(r) || typeof r.screen !== 'string' || !isObject(r.data)) return { problems: ['the answer is not { screen, data }'] }
    const response =
      typeof r.data.error_message === 'string' ? { screen: r.screen, error_message: r.data.error_message } : { screen: r.screen }
    const mismatch = check(request, { screen: r.screen, data: r.data })
    return { screen: r.screen, data: r.data, problems: mismatch ? [mismatch.message] : [], response }
  }

  async function send(
    step: Omit<FlowSimulationStep, 'status' | 'problems' | 'response'>,
    request: FlowRequest,
    call: () => Promise<FlowClientResult>,
  ) {
    let result: FlowClientResult
    try {
      result = await call()
    } catch (e) {
      steps.push({ ...step, status: 0, problems: [`request failed: ${e instanceof Error ? e.message : String(e)}`] })
      return undefined
    }
    const a = analyse(request, result)
    steps.push({ ...step, status: result.status, ...(a.response ? { response: a.response } : {}), problems: a.problems })
    return a
  }

  const base = { version: '3.0', flow_token: client.flowToken }
  let initScreen: string | undefined
  let initProblems: string[] = []
  if (init) {
    const a = await send({ request: 'INIT', payload: {} }, { ...base, action: 'INIT', screen: '', data: {} }, () => client.init())
    initProblems = a?.problems ?? ['INIT failed']
    if (a?.screen && model.byId.has(a.screen)) {
      initScreen = a.screen
      if (a.problems.length === 0) known.set(a.screen, { data: a.data!, fromEndpoint: true })
    }
  }

  for (const screen of walkOrder(model)) {
    const data = known.get(screen.id)?.data ?? exampleData(screen)
    if (back && screen.refreshOnBack) {
      const a = await send(
        { request: 'BACK', screen: screen.id, payload: {} },
        { ...base, action: 'BACK', screen: screen.id, data: {} },
        () => client.back(screen.id),
      )
      // The step holds the same problems array.
      if (a?.screen !== undefined && a.screen !== screen.id) a.problems.push(`BACK to ${screen.id} was answered with screen ${a.screen}`)
    }
    const own = formValues[screen.id]
    const variants = own === undefined ? [{}] : Array.isArray(own) ? own : [own]
    for (const variant of variants) {
      const form = { ...exampleForm(screen, data, filled), ...(isObject(variant) ? variant : {}) }
      if (!forms.has(screen.id)) forms.set(screen.id, form)
      for (const action of screen.actions) {
        const payload = evaluate(action.payload ?? {}, screen, data, form, filled) as JsonObject
        if (action.name === 'navigate' && action.next && model.byId.has(action.next) && !known.has(action.next)) {
          known.set(action.next, { data: payload, fromEndpoint: false })
        }
        if (action.name !== 'data_exchange') continue
        const request: FlowRequest = { ...base, action: 'data_exchange', screen: screen.id, data: payload }
        const a = await send({ request: 'data_exchange', screen: screen.id, action: action.pointer, payload }, request, () =>
          client.dataExchange(screen.id, payload),
        )
        if (!a?.screen || a.screen === screen.id) continue
        const key = edgeKey(screen.id, a.screen)
        answered.set(key, [...(answered.get(key) ?? []), ...a.problems])
        const prior = known.get(a.screen)
        if (a.problems.length === 0 && a.screen !== 'SUCCESS' && !prior?.fromEndpoint)
          known.set(a.screen, { data: a.data!, fromEndpoint: true })
      }
    }
  }

  const edges: FlowSimulationEdge[] = []
  const endpointEdge = (from: string, to: string, problems: string[] | undefined, hint: string): FlowSimulationEdge =>
    problems === undefined
      ? { from, to, driver: 'endpoint', result: 'not-reached', problems: [hint] }
      : { from, to, driver: 'endpoint', result: problems.length ? 'mismatch' : 'ok', problems: [...new Set(problems)] }
  if (init) {
    const to = initScreen ?? model.entries.join('|')
    edges.push(
      initScreen
        ? endpointEdge('INIT', to, initProblems, '')
        : { from: 'INIT', to, driver: 'endpoint', result: 'mismatch', problems: initProblems },
    )
  }
  const hint = (from: string, to: string) => `no data_exchange from ${from} was answered with ${to}; give formValues that lead there`
  for (const screen of model.screens) {
    if (screen.id === '' || model.byId.get(screen.id) !== screen) continue
    const exchanges = screen.actions.some((a) => a.name === 'data_exchange')
    for (const to of model.edges.get(screen.id) ?? []) {
      const navigates = screen.actions.some((a) => a.name === 'navigate' && a.next === to)
      if (navigates || !exchanges) edges.push({ from: screen.id, to, driver: 'client', result: 'client', problems: [] })
      else edges.push(endpointEdge(screen.id, to, answered.get(edgeKey(screen.id, to)), hint(screen.id, to)))
    }
    const completes = answered.get(edgeKey(screen.id, 'SUCCESS'))
    if (exchanges && (screen.terminal || completes)) edges.push(endpointEdge(screen.id, 'SUCCESS', completes, hint(screen.id, 'SUCCESS')))
  }
  const ok = steps.every((s) => s.problems.length === 0) && edges.every((e) => e.result === 'ok' || e.result === 'client')
  return { ok, steps, edges }
}
