// The Flow JSON module: its types, the screen map derived from it, and (run time) validation and simulation.
export type { FlowJson, FlowJsonSchema, FlowJsonScreen } from './schema.js'
export type {
  FlowJsonEntry,
  FlowJsonNext,
  FlowJsonSchemaValue,
  FlowJsonScreenData,
  FlowJsonScreenIds,
  FlowJsonScreenOf,
  FlowJsonScreenPayload,
  FlowScreensOf,
} from './derive.js'
export { validateFlowJson } from './validate.js'
export type { FlowJsonFinding, FlowJsonReport } from './findings.js'
export { FLOW_JSON_RULES, FLOW_JSON_SOURCES } from './rules.js'
export type { FlowJsonRule, FlowJsonRuleId, FlowJsonSeverity } from './rules.js'
export { defineFlow } from './define.js'
export type { FlowResponseMismatch, FlowResponseMismatchRule } from './response-check.js'
export { simulateFlow } from './simulate.js'
export type { FlowSimulationEdge, FlowSimulationReport, FlowSimulationStep, SimulateFlowOptions } from './simulate.js'
