// Native loader and backend selection: a broken addon falls back to WebCrypto with exactly one warning that
// carries the reason, a forced native backend turns it into an import error with `cause`, and versions must match.
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { isMusl, platformTriple } from '../dist/node/loader.js'

const execFileP = promisify(execFile)
const indexUrl = new URL('../dist/index.js', import.meta.url).href
const errorsUrl = new URL('../dist/errors.js', import.meta.url).href
const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version

const dir = mkdtempSync(join(tmpdir(), 'wa-flows-loader-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))
const bogus = join(dir, 'bogus.node')
writeFileSync(bogus, 'this is not a shared object\n')

/** Imports the Node entry in a child with `env` added; reports backend, warnings (with cause) or the import error. */
async function importInChild(env) {
  const script = `
    const warnings = []
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message, cause: w.cause?.message, causeCode: w.cause?.code }))
    const { FlowBackendError } = await import(${JSON.stringify(errorsUrl)})
    let result
    try {
      const m = await import(${JSON.stringify(indexUrl)})
      result = { backend: m.getBackend() }
    } catch (e) {
      result = { error: { isFlowBackendError: e instanceof FlowBackendError, code: e.code, message: e.message, cause: e.cause?.message } }
    }
    await new Promise((r) => setImmediate(r))
    process.stdout.write(JSON.stringify({ ...result, warnings }))`
  const clean = { ...process.env }
  delete clean.WA_FLOWS_BACKEND
  delete clean.WA_FLOWS_NATIVE_PATH
  const { stdout, stderr } = await execFileP(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, ...env } })
  return { ...JSON.parse(stdout), stderr }
}

test('a bogus WA_FLOWS_NATIVE_PATH falls back to WebCrypto with exactly one warning that gives the reason', async (t) => {
  const r = await importInChild({ WA_FLOWS_NATIVE_PATH: bogus })
  t.is(r.backend, 'webcrypto')
  t.is(r.warnings.length, 1)
  const [w] = r.warnings
  t.is(w.code, 'WA_FLOWS_WEBCRYPTO_FALLBACK')
  t.true(w.message.includes(bogus), w.message)
  t.regex(w.message, /file too short|invalid ELF header|not a valid/)
  t.is(w.causeCode, 'ERR_FLOW_BACKEND_UNAVAILABLE')
  t.true(w.cause.includes(bogus), "the load error is the warning's cause")
  // Node prints it once on stderr as well.
  t.is(r.stderr.match(/WhatsAppFlowsWarning/g)?.length, 1, r.stderr)
})

test('WA_FLOWS_BACKEND=native with a bogus addon throws at import: ERR_FLOW_BACKEND_UNAVAILABLE with cause', async (t) => {
  const r = await importInChild({ WA_FLOWS_NATIVE_PATH: bogus, WA_FLOWS_BACKEND: 'native' })
  t.is(r.backend, undefined)
  t.true(r.error.isFlowBackendError)
  t.is(r.error.code, 'ERR_FLOW_BACKEND_UNAVAILABLE')
  t.true(r.error.message.includes(bogus), r.error.message)
  t.true(r.error.cause.includes(bogus), `cause: ${r.error.cause}`)
  t.deepEqual(r.warnings, [])
})

test('an explicit path is the only candidate: a missing file is an error, not a silent switch to native/', async (t) => {
  const missing = join(dir, 'missing.node')
  const r = await importInChild({ WA_FLOWS_NATIVE_PATH: missing, WA_FLOWS_BACKEND: 'native' })
  t.is(r.error.code, 'ERR_FLOW_BACKEND_UNAVAILABLE')
  t.regex(r.error.cause, /Cannot find module/)
})

test('an addon whose version differs from the package is refused', async (t) => {
  const stale = join(dir, 'stale.cjs')
  writeFileSync(stale, "// A stand-in addon that reports another version.\nexports.version = () => '0.0.0-stale'\n")
  const r = await importInChild({ WA_FLOWS_NATIVE_PATH: stale, WA_FLOWS_BACKEND: 'native' })
  t.is(r.error.code, 'ERR_FLOW_BACKEND_UNAVAILABLE')
  t.true(r.error.message.includes(`the addon is version 0.0.0-stale but whatsapp-flows is ${version}`), r.error.message)
})

test('the platform triple follows the running libc', (t) => {
  const header = process.report.getReport().header
  const libc = process.platform === 'linux' ? (header.glibcVersionRuntime ? 'gnu' : 'musl') : undefined
  t.is(isMusl(), libc === 'musl')
  if (process.platform === 'linux') t.is(platformTriple(), `linux-${process.arch}-${libc}`)
  else t.true(platformTriple().startsWith(`${process.platform}-${process.arch}`))
})
