// Reads a Flow JSON document (any JSON value, possibly malformed) into what the validator, the run-time check and
// the simulator need: screens with their data model, components, inputs and actions (each with its JSON pointer),
// the routing model and the entry screens. Never throws; recursion is bounded.
import { pointer } from './pointer.js'

export type JsonObject = Record<string, unknown>

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `major.minor` of a `version` string. */
export interface Version {
  major: number
  minor: number
}

export function parseVersion(v: unknown): Version | undefined {
  if (typeof v !== 'string') return undefined
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(v)
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined
}

/** v ≥ `at` (`"6.0"`); true when the version is unknown, so that rules about newer features stay quiet. */
export function atLeast(v: Version | undefined, at: string): boolean {
  if (!v) return true
  const a = parseVersion(at)!
  return v.major > a.major || (v.major === a.major && v.minor >= a.minor)
}

/** The form inputs: components whose value `${form.name}` reads. */
export const INPUT_TYPES = new Set([
  'TextInput',
  'TextArea',
  'CheckboxGroup',
  'RadioButtonsGroup',
  'Dropdown',
  'DatePicker',
  'CalendarPicker',
  'OptIn',
  'ChipsSelector',
  'PhotoPicker',
  'DocumentPicker',
])

export const ACTION_EVENTS = ['on-click-action', 'on-select-action', 'on-unselect-action'] as const
export type ActionEvent = (typeof ACTION_EVENTS)[number]

export interface ComponentInfo {
  /** `type`, or '' when missing. */
  type: string
  node: JsonObject
  pointer: string
  /** Pointer of the enclosing Form, if any. */
  form: string | undefined
  /** Pointers of the enclosing If/Switch branches (`…/then`, `…/cases/x`), outermost first. */
  branches: string[]
}

export interface ActionInfo {
  /** `name`, or '' when missing. */
  name: string
  event: ActionEvent
  node: JsonObject
  pointer: string
  component: ComponentInfo
  /** The payload object, when there is one. */
  payload: JsonObject | undefined
  /** A navigate action's `next.name`. */
  next: string | undefined
}

export interface ScreenInfo {
  /** `id`, or '' when missing or not a string. */
  id: string
  index: number
  pointer: string
  node: JsonObject
  terminal: boolean
  /** `success` (default true). */
  success: boolean
  refreshOnBack: boolean
  /** The declared data model (`{}` without one). */
  data: JsonObject
  components: ComponentInfo[]
  /** Inputs by name (the first of a name). */
  inputs: Map<string, ComponentInfo>
  actions: ActionInfo[]
}

export interface FlowModel {
  doc: JsonObject
  version: Version | undefined
  screens: ScreenInfo[]
  /** The first screen of each id. */
  byId: Map<string, ScreenInfo>
  /** The routing model (string entries only), when the document has one. */
  routing: Map<string, string[]> | undefined
  /** Forward edges: the routing model, or the navigate actions without one. */
  edges: Map<string, string[]>
  /** Screens no edge leads to. */
  entries: string[]
}

const MAX_DEPTH = 64

function walkComponents(
  list: unknown,
  base: string,
  form: string | undefined,
  branches: string[],
  out: ComponentInfo[],
  depth: number,
): void {
  if (!Array.isArray(list) || depth > MAX_DEPTH) return
  list.forEach((node, i) => {
    if (!isObject(node)) return
    const ptr = pointer(base, i)
    const type = typeof node.type === 'string' ? node.type : ''
    out.push({ type, node, pointer: ptr, form, branches })
    if (type === 'Form') walkComponents(node.children, pointer(ptr, 'children'), ptr, branches, out, depth + 1)
    else if (type === 'If') {
      walkComponents(node.then, pointer(ptr, 'then'), form, [...branches, pointer(ptr, 'then')], out, depth + 1)
      walkComponents(node.else, pointer(ptr, 'else'), form, [...branches, pointer(ptr, 'else')], out, depth + 1)
    } else if (type === 'Switch' && isObject(node.cases)) {
      for (const [k, v] of Object.entries(node.cases)) {
        walkComponents(v, pointer(ptr, 'cases', k), form, [...branches, pointer(ptr, 'cases', k)], out, depth + 1)
      }
    } else if (Array.isArray(node.children)) walkComponents(node.children, pointer(ptr, 'children'), form, branches, out, depth + 1)
  })
}

function actionOf(node: unknown, ptr: string, event: ActionEvent, component: ComponentInfo): ActionInfo | undefined {
  if (!isObject(node)) return undefined
  const next = isObject(node.next) && typeof node.next.name === 'string' ? node.next.name : undefined
  return {
    name: typeof node.name === 'string' ? node.name : '',
    event,
    node,
    pointer: ptr,
    component,
    payload: isObject(node.payload) ? node.payload : undefined,
    next,
  }
}

function actionsOf(component: ComponentInfo): ActionInfo[] {
  const out: ActionInfo[] = []
  const collect = (holder: JsonObject, base: string) => {
    for (const event of ACTION_EVENTS) {
      const a = actionOf(holder[event], pointer(base, event), event, component)
      if (a) out.push(a)
    }
  }
  collect(component.node, component.pointer)
  // NavigationList items carry their own on-click-action.
  const items = component.node['list-items']
  if (Array.isArray(items)) {
    for (const [i, item] of items.entries()) if (isObject(item)) collect(item, pointer(component.pointer, 'list-items', i))
  }
  return out
}

function readScreen(node: JsonObject, index: number): ScreenInfo {
  const ptr = pointer('/screens', index)
  const components: ComponentInfo[] = []
  const layout = isObject(node.layout) ? node.layout : undefined
  if (layout) walkComponents(layout.children, pointer(ptr, 'layout', 'children'), undefined, [], components, 0)
  const inputs = new Map<string, ComponentInfo>()
  for (const c of components) {
    if (INPUT_TYPES.has(c.type) && typeof c.node.name === 'string' && !inputs.has(c.node.name)) inputs.set(c.node.name, c)
  }
  return {
    id: typeof node.id === 'string' ? node.id : '',
    index,
    pointer: ptr,
    node,
    terminal: node.terminal === true,
    success: node.success !== false,
    refreshOnBack: node.refresh_on_back === true,
    data: isObject(node.data) ? node.data : {},
    components,
    inputs,
    actions: components.flatMap(actionsOf),
  }
}

/** The model of a Flow JSON object (undefined when `doc` is not an object). */
export function readFlow(doc: unknown): FlowModel | undefined {
  if (!isObject(doc)) return undefined
  const screens = Array.isArray(doc.screens) ? doc.screens.flatMap((s, i) => (isObject(s) ? [readScreen(s, i)] : [])) : []
  const byId = new Map<string, ScreenInfo>()
  for (const s of screens) if (s.id !== '' && !byId.has(s.id)) byId.set(s.id, s)
  let routing: Map<string, string[]> | undefined
  if (isObject(doc.routing_model)) {
    routing = new Map()
    for (const [k, v] of Object.entries(doc.routing_model))
      routing.set(k, Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
  }
  const edges = new Map<string, string[]>()
  if (routing) for (const [k, v] of routing) edges.set(k, [...new Set(v)])
  else {
    for (const s of screens) {
      const targets = s.actions.filter((a) => a.name === 'navigate' && a.next !== undefined).map((a) => a.next!)
      edges.set(s.id, [...new Set(targets)])
    }
  }
  const inbound = new Set([...edges.values()].flat())
  const entries = [...byId.keys()].filter((id) => !inbound.has(id))
  return { doc, version: parseVersion(doc.version), screens, byId, routing, edges, entries }
}
