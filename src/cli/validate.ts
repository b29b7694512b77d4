// `wa-flows validate flow.json`: offline validation of Flow JSON files (validateFlowJson), one line per finding with
// its JSON pointer and rule id; optionally writes the Flow JSON as a typed TypeScript constant (--emit-ts).
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { FlowJsonReport } from '../flow-json/findings.js'
import { validateFlowJson } from '../flow-json/validate.js'
import { CliError, firstLine, out, reasonOf, UsageError } from './common.js'

export const help = `Usage: wa-flows validate <flow.json>... [options]

Validates Flow JSON files offline against the structural rules Meta documents
(the list, with sources: docs/flow-json.md). Prints one line per finding:
  <file>:<JSON pointer>: <error|warning> <rule>: <message>
Exits 1 when any file has an error (warnings alone exit 0), 2 on usage errors.

Options:
  --json              print the reports as JSON ({ "<file>": report })
  --emit-ts <file>    with one valid input, also write a TypeScript module
                      exporting the Flow JSON as a constant (as const), for
                      typed handlers: createFlowEndpoint({ flow, ... })
  -h, --help          show this help
`

/** A TypeScript module holding `json` as a literal-typed constant. */
export function typedModule(json: unknown, source: string, target: string): string {
  return [
    `// Generated from ${source} by \`wa-flows validate ${source} --emit-ts ${target}\`: the Flow JSON as a typed`,
    '// constant (createFlowEndpoint({ flow }) types the handlers from it). Do not edit: change the JSON, generate again.',
    `const flow = ${JSON.stringify(json, null, 2)} as const`,
    '',
    'export default flow',
    '',
  ].join('\n')
}

function print(file: string, report: FlowJsonReport): void {
  for (const f of report.findings) out(`${file}:${f.pointer || '/'}: ${f.severity} ${f.rule}: ${f.message}`)
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
  out(`${file}: ${report.valid ? 'valid' : 'invalid'} (${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')})`)
}

export async function run(argv: string[]): Promise<number> {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        options: { json: { type: 'boolean' }, 'emit-ts': { type: 'string' } },
        strict: true,
        allowPositionals: true,
      })
    } catch (e) {
      throw new UsageError(firstLine(e instanceof Error ? e.message : String(e)))
    }
  })()
  const files = parsed.positionals
  const emit = parsed.values['emit-ts']
  if (files.length === 0) throw new UsageError('give the Flow JSON file(s) to validate')
  if (emit !== undefined && files.length !== 1) throw new UsageError('--emit-ts takes exactly one Flow JSON file')

  const reports: Record<string, FlowJsonReport> = {}
  let ok = true
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${reasonOf(e)}`)
    }
    const report = validateFlowJson(text)
    reports[file] = report
    ok &&= report.valid
    if (!parsed.values.json) print(file, report)
    if (emit !== undefined && report.valid) {
      try {
        await writeFile(emit, typedModule(JSON.parse(text), file, emit))
      } catch (e) {
        throw new CliError(`cannot write ${emit}: ${reasonOf(e)}`)
      }
      if (!parsed.values.json) out(`wrote ${emit}`)
    }
  }
  if (parsed.values.json) out(JSON.stringify(reports, null, 2))
  return ok ? 0 : 1
}
