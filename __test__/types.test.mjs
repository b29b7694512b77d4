// Type-level tests: the typed-flow example and adapter typings compile (and the marked mistakes do not); the
// messages of the typed screen map name the screen and the field (compiled through the TypeScript API).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const typesDir = join(root, '__test__/types')

test('tsc --noEmit over examples/typed-flow.ts and __test__/types/*.ts exits 0', (t) => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const r = spawnSync(process.execPath, [tsc, '-p', '__test__/types/tsconfig.json', '--noEmit'], { cwd: root, encoding: 'utf8' })
  t.is(r.status, 0, r.stdout + r.stderr)
})

/** The diagnostics of `files` compiled with the type tests' compiler options, as { file, line (1-based), text }. */
function diagnostics(files) {
  const configPath = join(typesDir, 'tsconfig.json')
  const config = ts.readConfigFile(configPath, ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath))
  const program = ts.createProgram(files, { ...parsed.options, noErrorTruncation: false })
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file?.fileName,
    line: d.file ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }))
}

/** `// error: <text>` comments: the text tsc must report on the next line that is not a comment. */
function expectations(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  const out = []
  lines.forEach((line, i) => {
    const m = /^\s*\/\/ error: (.+)$/.exec(line)
    if (!m) return
    let target = i + 1
    while (target < lines.length && /^\s*\/\//.test(lines[target])) target++
    out.push({ line: target + 1, text: m[1] })
  })
  return out
}

const errorFiles = readdirSync(join(typesDir, 'errors'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(typesDir, 'errors', f))

test('type errors of the typed screen map name the screen and the field, exactly where expected', (t) => {
  t.true(errorFiles.length >= 2)
  const found = diagnostics(errorFiles)
  for (const file of errorFiles) {
    const expected = expectations(file)
    t.true(expected.length >= 5, file)
    const mine = found.filter((d) => d.file === file)
    for (const e of expected) {
      const at = mine.filter((d) => d.line === e.line)
      t.true(
        at.some((d) => d.text.includes(e.text)),
        `${file}:${e.line} should report "${e.text}"; got: ${at.map((d) => d.text).join(' | ') || 'nothing'}`,
      )
    }
    const unexpected = mine.filter((d) => !expected.some((e) => e.line === d.line))
    t.deepEqual(unexpected, [], `${file}: errors on lines without an "// error:" comment`)
  }
})

test('the @ts-expect-error lines of examples/typed-flow.ts fail for the reason their comment gives', (t) => {
  const file = join(root, 'examples/typed-flow.ts')
  const lines = readFileSync(file, 'utf8').split('\n')
  // Compile a copy without the directives: each marked line must then report its comment's text.
  const marked = []
  lines.forEach((line, i) => {
    const m = /^\s*\/\/ @ts-expect-error (.+)$/.exec(line)
    if (m) marked.push({ line: i + 2, text: m[1] })
  })
  t.true(marked.length >= 4)
  const host = ts.createCompilerHost({})
  const copy = join(root, 'examples/typed-flow.ts')
  const stripped = lines.map((l) => l.replace('// @ts-expect-error', '// expect')).join('\n')
  const configPath = join(typesDir, 'tsconfig.json')
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, typesDir)
  const program = ts.createProgram([copy], parsed.options, {
    ...host,
    getSourceFile: (name, lang) => (name === copy ? ts.createSourceFile(name, stripped, lang) : host.getSourceFile(name, lang)),
    readFile: (name) => (name === copy ? stripped : host.readFile(name)),
  })
  const found = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === copy)
    .map((d) => ({
      line: d.file.getLineAndCharacterOfPosition(d.start).line + 1,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }))
  // The simulator line carries TypeScript's own message; the handler lines carry ours.
  for (const m of marked.filter((x) => /^(screen|completion)/.test(x.text))) {
    t.true(
      found.some((d) => d.line === m.line && d.text.includes(m.text)),
      `typed-flow.ts:${m.line}: "${m.text}"; got ${JSON.stringify(found.filter((d) => d.line === m.line))}`,
    )
  }
  t.is(found.length, marked.length, JSON.stringify(found))
})
