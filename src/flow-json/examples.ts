// What the simulator types into a screen: example data (each field's `__example__`), example form values per input
// (init values, the first option of a list, a plausible text per input-type), and action payloads evaluated
// against them the way the WhatsApp client fills `${data.…}`, `${form.…}` and `${screen.…}`.
import { bindingOf, isNestedExpression, referencesIn, type Reference } from './expressions.js'
import { isObject, type JsonObject, type ScreenInfo } from './model.js'

const MAX_DEPTH = 32

/** A screen's data as its `__example__` values. */
export function exampleData(screen: ScreenInfo): JsonObject {
  const out: JsonObject = {}
  for (const [name, schema] of Object.entries(screen.data))
    if (isObject(schema) && Object.hasOwn(schema, '__example__')) out[name] = schema.__example__
  return out
}

/** Values the simulator knows: each screen's data and form values, for `${screen.S.…}` references. */
export interface Filled {
  data(screen: string): JsonObject | undefined
  form(screen: string): JsonObject | undefined
}

function at(value: unknown, path: string[]): unknown {
  let cur = value
  for (const key of path) {
    if (!isObject(cur) || !Object.hasOwn(cur, key)) return undefined
    cur = cur[key]
  }
  return cur
}

function resolve(ref: Reference, screen: ScreenInfo, data: JsonObject, form: JsonObject, filled: Filled): unknown {
  switch (ref.kind) {
    case 'data':
      return at(data, ref.path)
    case 'form':
      return Object.hasOwn(form, ref.name) ? form[ref.name] : undefined
    case 'global': {
      const own = ref.screen === screen.id
      const source = ref.source === 'data' ? (own ? data : filled.data(ref.screen)) : own ? form : filled.form(ref.screen)
      return at(source, ref.path)
    }
    default:
      return undefined
  }
}

/** A payload (or any value with references) as the client would send it. */
export function evaluate(value: unknown, screen: ScreenInfo, data: JsonObject, form: JsonObject, filled: Filled, depth = 0): unknown {
  if (depth > MAX_DEPTH) return undefined
  if (typeof value === 'string') {
    const binding = bindingOf(value)
    if (binding && binding.kind !== 'other') return resolve(binding, screen, data, form, filled)
    const body = isNestedExpression(value) ? value.slice(1, -1) : value
    let text = body
    for (const ref of referencesIn(body)) {
      const v = resolve(ref, screen, data, form, filled)
      text = text.replace(ref.text, v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v))
    }
    return text
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, screen, data, form, filled, depth + 1))
  if (isObject(value)) {
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) {
      const e = evaluate(v, screen, data, form, filled, depth + 1)
      if (e !== undefined) out[k] = e
    }
    return out
  }
  return value
}

const TEXT_BY_INPUT_TYPE: Record<string, string> = {
  email: 'user@example.com',
  phone: '+15550100',
  number: '42',
  passcode: '123456',
  password: 'example-password',
}

function firstOptionId(source: unknown): string | undefined {
  if (!Array.isArray(source)) return undefined
  const first = source.find((o) => isObject(o) && typeof o.id === 'string' && o.enabled !== false)
  return isObject(first) ? (first.id as string) : undefined
}

/** Example values for every input of a screen, given the screen's data (data-sources are read from it). */
export function exampleForm(screen: ScreenInfo, data: JsonObject, filled: Filled): JsonObject {
  const form: JsonObject = {}
  // Form-level init-values first, then each input's own init-value.
  for (const c of screen.components) {
    if (c.type !== 'Form') continue
    const init = evaluate(c.node['init-values'], screen, data, {}, filled)
    if (isObject(init)) Object.assign(form, init)
  }
  for (const [name, c] of screen.inputs) {
    if (Object.hasOwn(form, name)) continue
    const node = c.node
    const init = node['init-value'] === undefined ? undefined : evaluate(node['init-value'], screen, data, {}, filled)
    if (init !== undefined && init !== '') {
      form[name] = init
      continue
    }
    const source = evaluate(node['data-source'], screen, data, {}, filled)
    switch (c.type) {
      case 'TextInput':
        form[name] =
          typeof node['input-type'] === 'string' && Object.hasOwn(TEXT_BY_INPUT_TYPE, node['input-type'])
            ? TEXT_BY_INPUT_TYPE[node['input-type']]
            : 'Example'
        break
      case 'TextArea':
        form[name] = 'Example text'
        break
      case 'Dropdown':
      case 'RadioButtonsGroup': {
        const id = firstOptionId(source)
        if (id !== undefined) form[name] = id
        break
      }
      case 'CheckboxGroup':
      case 'ChipsSelector': {
        const id = firstOptionId(source)
        form[name] = id === undefined ? [] : [id]
        break
      }
      case 'DatePicker':
      case 'CalendarPicker': {
        const min = evaluate(node['min-date'], screen, data, {}, filled)
        const day = typeof min === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(min) ? min : new Date().toISOString().slice(0, 10)
        form[name] = c.type === 'CalendarPicker' && node.mode === 'range' ? { start_date: day, end_date: day } : day
        break
      }
      case 'OptIn':
        form[name] = true
        break
      case 'PhotoPicker':
      case 'DocumentPicker':
        form[name] = []
        break
    }
  }
  return form
}
