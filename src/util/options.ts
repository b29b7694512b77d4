// Checks of numeric options shared by the endpoint and the webhook factories.

/** Timers hold 32-bit signed delays: anything longer would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** `value` when it is a positive safe integer up to `max`, `fallback` when undefined; TypeError/RangeError otherwise. */
export function positiveInt(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`)
  if (value > max) throw new RangeError(`${name} must be at most ${max}`)
  return value
}
