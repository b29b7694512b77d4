// defineFlow: a Flow JSON checked once (validateFlowJson) and typed as declared, for `createFlowEndpoint({ flow })`.
import { FlowJsonError } from '../errors.js'
import type { FlowJsonReport } from './findings.js'
import type { FlowJson } from './schema.js'
import { validateFlowJson } from './validate.js'

/** The error for a report with errors: its message names the first three findings by pointer and rule. */
export function flowJsonError(report: FlowJsonReport, what = 'the Flow JSON'): FlowJsonError {
  const errors = report.findings.filter((f) => f.severity === 'error')
  const shown = errors.slice(0, 3).map((f) => `${f.pointer || '/'} ${f.rule}: ${f.message}`)
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : ''
  return new FlowJsonError(
    `${what} has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`,
    report.findings,
  )
}

/**
 * Returns `flow` as it is, typed with its literal screen ids, fields and routes (like `as const`), after validating
 * it: a Flow JSON with errors throws `FlowJsonError` listing them (warnings pass).
 */
export function defineFlow<const F extends FlowJson>(flow: F): F {
  const report = validateFlowJson(flow)
  if (!report.valid) throw flowJsonError(report)
  return flow
}
