// What validation reports: findings (rule id, severity, JSON pointer, message) collected by the validator's checks.
import { FLOW_JSON_RULES, type FlowJsonRuleId, type FlowJsonSeverity } from './rules.js'

export interface FlowJsonFinding {
  /** Stable rule id, e.g. `duplicate-screen-id` (docs/flow-json.md lists them). */
  rule: FlowJsonRuleId
  severity: FlowJsonSeverity
  /** Where, as a JSON pointer (RFC 6901) into the document: `/screens/1/id`. `''` is the whole document. */
  pointer: string
  message: string
  /** Meta's error code for the same problem, when Meta documents one. */
  meta?: string
}

export interface FlowJsonReport {
  /** No finding of severity `error`. */
  valid: boolean
  errors: number
  warnings: number
  /** In document order of the checks; at most 1000. */
  findings: FlowJsonFinding[]
}

const MAX_FINDINGS = 1000

/** Collects findings (bounded) for one validation run. */
export class Findings {
  readonly list: FlowJsonFinding[] = []

  add(rule: FlowJsonRuleId, pointer: string, message: string, severity: FlowJsonSeverity = FLOW_JSON_RULES[rule].severity): void {
    if (this.list.length >= MAX_FINDINGS) return
    const meta = (FLOW_JSON_RULES[rule] as { meta?: string }).meta
    this.list.push(meta ? { rule, severity, pointer, message, meta } : { rule, severity, pointer, message })
  }

  report(): FlowJsonReport {
    const errors = this.list.filter((f) => f.severity === 'error').length
    return { valid: errors === 0, errors, warnings: this.list.length - errors, findings: this.list }
  }
}
