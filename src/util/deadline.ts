// Runs a handler against the endpoint's deadline: the signal aborts when time is up and the late result is dropped.

export type DeadlineOutcome<T> = { timedOut: false; value: T } | { timedOut: true }

/** A reason for the aborted signal that names what happened (no request data). */
function timeoutReason(ms: number): Error {
  const e = new Error(`The endpoint deadline of ${ms} ms passed`)
  e.name = 'TimeoutError'
  return e
}

/**
 * Calls `fn(signal)`; resolves with its value, rejects with its error, or resolves `{ timedOut: true }` after `ms`
 * (aborting the signal). A result or rejection that arrives later is ignored.
 */
export function runWithDeadline<T>(ms: number, fn: (signal: AbortSignal) => T | Promise<T>): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController()
  return new Promise<DeadlineOutcome<T>>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      controller.abort(timeoutReason(ms))
      resolve({ timedOut: true })
    }, ms)
    const finish = (f: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      f()
    }
    let result: T | Promise<T>
    try {
      result = fn(controller.signal)
    } catch (e) {
      finish(() => reject(e))
      return
    }
    try {
      // A returned thenable whose `then` throws rejects like a thrown error.
      Promise.resolve(result).then(
        (value) => finish(() => resolve({ timedOut: false, value })),
        (e) => finish(() => reject(e)),
      )
    } catch (e) {
      finish(() => reject(e))
    }
  })
}
