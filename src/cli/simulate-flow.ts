// `wa-flows simulate --flow flow.json`: walks every route of a Flow JSON against the endpoint (simulateFlow) and
// prints one line per request and per routing-model edge; exit 1 when anything does not match the Flow JSON.
import { readFile } from 'node:fs/promises'
import type { FlowClient } from '../client/index.js'
import type { FlowSimulationReport } from '../flow-json/simulate.js'
import { CliError, out, reasonOf } from './common.js'

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${reasonOf(e)}`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new CliError(`${what} ${path} is not JSON: ${reasonOf(e)}`)
  }
}

function print(report: FlowSimulationReport): void {
  for (const s of report.steps) {
    const label = s.request === 'INIT' ? 'INIT' : s.request === 'BACK' ? `BACK ${s.screen}` : `data_exchange ${s.screen} (${s.action})`
    const to = s.response?.screen ? ` → ${s.response.screen}` : ''
    const note = s.response?.error_message ? ` (error_message: ${JSON.stringify(s.response.error_message)})` : ''
    out(`${label}: HTTP ${s.status}${to}${note}${s.problems.length ? `: ${s.problems.join('; ')}` : ''}`)
  }
  out('Edges:')
  for (const e of report.edges) {
    const why =
      e.result === 'client' ? ' (navigate: the client moves, not the endpoint)' : e.problems.length ? `: ${e.problems.join('; ')}` : ''
    out(`  ${e.result.padEnd(11)} ${e.from} → ${e.to}${why}`)
  }
}

/** Runs the walk with `client` and prints it; the exit code. */
export async function runFlowSimulation(client: FlowClient, flowPath: string, formValuesPath: string | undefined): Promise<number> {
  const flow = await readJson(flowPath, 'Flow JSON')
  const formValues = formValuesPath === undefined ? undefined : await readJson(formValuesPath, 'form values')
  const { simulateFlow } = await import('../flow-json/simulate.js')
  let report: FlowSimulationReport
  try {
    report = await simulateFlow({
      flow: flow as object,
      client,
      ...(formValues === undefined ? {} : { formValues: formValues as Record<string, Record<string, unknown>> }),
    })
  } catch (e) {
    throw new CliError(`cannot simulate ${flowPath}: ${reasonOf(e)}`)
  }
  print(report)
  const endpointEdges = report.edges.filter((e) => e.driver === 'endpoint')
  const matching = endpointEdges.filter((e) => e.result === 'ok').length
  const badSteps = report.steps.filter((s) => s.problems.length > 0).length
  out(
    `${matching} of ${endpointEdges.length} endpoint edges match ${flowPath}${badSteps ? `; ${badSteps} answer${badSteps === 1 ? '' : 's'} did not` : ''}`,
  )
  if (!report.ok) process.stderr.write(`wa-flows: the endpoint does not follow ${flowPath}\n`)
  return report.ok ? 0 : 1
}
