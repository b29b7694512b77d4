// Checks a value against a Flow JSON data-model schema (`type`, `items`, `properties`, `required`): the top-level
// fields exactly (none missing, none unknown), nested objects structurally. Reports the first problem with its path.
import { isObject, type JsonObject } from './model.js'

export type DataProblemKind = 'missing-field' | 'unknown-field' | 'wrong-type'

export interface DataProblem {
  kind: DataProblemKind
  /** Where, e.g. `email` or `departments[0].title`. */
  field: string
  /** What was expected, e.g. `string`, `an array`, `declared in the screen's data`. */
  expected: string
}

const MAX_DEPTH = 32
const TYPES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
}

/** The name of the schema's type for messages, or undefined when the schema gives none this check knows. */
export function expectedType(schema: unknown): string | undefined {
  return isObject(schema) && typeof schema.type === 'string' && Object.hasOwn(TYPES, schema.type) ? TYPES[schema.type] : undefined
}

/** An own property (an inherited `constructor` is not a field). */
const own = (o: JsonObject, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined)

function required(schema: JsonObject, props: JsonObject): string[] {
  return Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string' && Object.hasOwn(props, r))
    : Object.keys(props)
}

/** The first way `value` does not fit `schema` (undefined when it fits or the schema says nothing checkable). */
export function checkValue(schema: unknown, value: unknown, path: string, depth = 0): DataProblem | undefined {
  const expected = expectedType(schema)
  if (!expected || !isObject(schema) || depth > MAX_DEPTH) return undefined
  const wrong = (): DataProblem => ({
    kind: 'wrong-type',
    field: path,
    expected: value === null ? `${expected} (Flow JSON has no null)` : expected,
  })
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? undefined : wrong()
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : wrong()
    case 'integer':
      return Number.isInteger(value) ? undefined : wrong()
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wrong()
    case 'array': {
      if (!Array.isArray(value)) return wrong()
      if (!isObject(schema.items)) return undefined
      for (let i = 0; i < value.length; i++) {
        const p = checkValue(schema.items, value[i], `${path}[${i}]`, depth + 1)
        if (p) return p
      }
      return undefined
    }
    case 'object': {
      if (!isObject(value)) return wrong()
      if (!isObject(schema.properties)) return undefined
      const props = schema.properties
      for (const key of required(schema, props)) {
        if (own(value, key) === undefined)
          return { kind: 'missing-field', field: `${path}.${key}`, expected: expectedType(props[key]) ?? 'a value' }
      }
      for (const [key, sub] of Object.entries(props)) {
        if (own(value, key) === undefined) continue
        const p = checkValue(sub, own(value, key), `${path}.${key}`, depth + 1)
        if (p) return p
      }
      return undefined
    }
    default:
      return undefined
  }
}

/**
 * The first problem of `data` sent to a screen that declares `declared`: a field it does not declare (only
 * `error_message` is added by the protocol), a declared field missing, or a value of the wrong type.
 */
export function checkScreenData(declared: JsonObject, data: JsonObject): DataProblem | undefined {
  for (const key of Object.keys(data)) {
    if (data[key] === undefined) continue // JSON drops it
    if (key === 'error_message') {
      if (typeof data[key] !== 'string') return { kind: 'wrong-type', field: key, expected: 'a string' }
      continue
    }
    if (!Object.hasOwn(declared, key)) return { kind: 'unknown-field', field: key, expected: "declared in the screen's data" }
  }
  for (const key of Object.keys(declared)) {
    if (own(data, key) === undefined) return { kind: 'missing-field', field: key, expected: expectedType(declared[key]) ?? 'a value' }
  }
  for (const key of Object.keys(declared)) {
    const p = checkValue(declared[key], own(data, key), key)
    if (p) return p
  }
  return undefined
}
