// Inspection of values a handler or a caller controls (thrown errors, returned objects): never throws, whatever
// getters, Proxies or hostile prototypes they carry.

/** `fn()`, or `fallback` when it throws. */
export function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn()
  } catch {
    return fallback
  }
}

/** `value instanceof type`, false when the check itself throws (a Proxy's getPrototypeOf trap). */
// biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters
export function isInstance<T>(value: unknown, type: abstract new (...args: any[]) => T): value is T {
  return safely(() => value instanceof type, false)
}

/** A property read that cannot throw: undefined when the getter (or a Proxy trap) throws. */
export function property(value: unknown, key: string): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
  return safely(() => (value as Record<string, unknown>)[key], undefined)
}

/** A string property, or undefined. */
export function stringProperty(value: unknown, key: string): string | undefined {
  const v = property(value, key)
  return typeof v === 'string' ? v : undefined
}

/** A plain object (`{}` literal or null prototype), not an array, Date, Map, class instance or Proxy that throws. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  return safely(() => {
    if (Array.isArray(value)) return false
    const proto = Object.getPrototypeOf(value)
    return proto === Object.prototype || proto === null
  }, false)
}
