// Errors shared by the backends.
import { FlowBackendError } from '../errors.js'

/** Thrown by sync calls on a backend without synchronous crypto. */
export function syncUnsupported(backend: string): FlowBackendError {
  return new FlowBackendError(
    `Synchronous crypto needs the native backend; the ${backend} backend is in use. Use the async functions.`,
    FlowBackendError.codes.unsupported,
  )
}
