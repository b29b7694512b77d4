// What the adapters share: the core's handle function, the body cap, the 413 answer and the logger.
import { statusAnswer } from '../answers.js'
import type { FlowHttpRequest, FlowHttpResponse, FlowLogger } from '../types.js'

export interface AdapterDeps {
  handle: (request: FlowHttpRequest) => Promise<FlowHttpResponse>
  maxBodyBytes: number
  logger: FlowLogger
  /** Told the status of answers an adapter gives without `handle` (413 before reading the body): metrics. */
  onAdapterAnswer?: (status: number) => void
}

/** The 413 answer an adapter gives when it stops reading a body; logs the cap (never the body). */
export function tooLarge(deps: AdapterDeps, declared?: number): FlowHttpResponse {
  deps.logger.warn(
    'request body too large; stopped reading',
    declared === undefined ? { maxBodyBytes: deps.maxBodyBytes } : { contentLength: declared, maxBodyBytes: deps.maxBodyBytes },
  )
  deps.onAdapterAnswer?.(413)
  return statusAnswer(413, { connection: 'close' })
}

/** The declared Content-Length when it is a plain decimal number; otherwise undefined. */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}
