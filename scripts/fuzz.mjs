#!/usr/bin/env node
// Bounded fuzzing of flows-crypto on stable Rust (no nightly, no cargo-fuzz): builds the targets of fuzz/ with
// libFuzzer (libfuzzer-sys) and coverage instrumentation from stable rustc flags, once per RSA backend, then runs
// each target for a fixed time on a temporary copy of the committed corpus (fuzz/corpus/<target>; nothing is
// written back). A crash, a timeout or an out-of-memory input fails the run and is left in target/fuzz-artifacts/.
//
// usage: node scripts/fuzz.mjs [--seconds N] [--target NAME] [--backend openssl|pure-rust]
//   --seconds N   fuzzing time per run (default 24: five runs, two minutes in all; building is extra)
//   --target NAME only this target (key_load, request, media_stream); repeatable
//   --backend B   only runs on this RSA backend; repeatable
// `npm test` calls runFuzz() (one test per run); `npm run fuzz -- --seconds 300` is a longer local run.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fuzzDir = join(root, 'fuzz')
const targetDir = join(root, 'target', 'fuzz')
const artifactsDir = join(root, 'target', 'fuzz-artifacts')

/** Each run: a target built against a backend. media_stream does not touch RSA, so it runs once. */
export const RUNS = [
  { target: 'key_load', backend: 'openssl' },
  { target: 'key_load', backend: 'pure-rust' },
  { target: 'request', backend: 'openssl' },
  { target: 'request', backend: 'pure-rust' },
  { target: 'media_stream', backend: 'openssl' },
]
export const DEFAULT_SECONDS = 24

/** The flags of `cargo fuzz build -s none` (cargo-fuzz 0.13), all stable: libFuzzer's coverage counters and PC
 * table, the comparison hooks behind its CMP/value-profile mutations, `cfg(fuzzing)`, debug assertions and
 * overflow checks. No -Z flag and no sanitizer (those need nightly). */
export const RUSTFLAGS = [
  '--cfg fuzzing',
  '-Cpasses=sancov-module',
  '-Cllvm-args=-sanitizer-coverage-level=4',
  '-Cllvm-args=-sanitizer-coverage-inline-8bit-counters',
  '-Cllvm-args=-sanitizer-coverage-pc-table',
  '-Cllvm-args=-sanitizer-coverage-trace-compares',
  '-Cllvm-args=-sanitizer-coverage-stack-depth',
  '-Cllvm-args=-simplifycfg-branch-fold-threshold=0',
  '-Cdebug-assertions',
  '-Coverflow-checks',
].join(' ')

/** libFuzzer options of every run besides the time and the paths. */
const LIBFUZZER_OPTIONS = ['-rss_limit_mb=2048', '-timeout=10', '-print_final_stats=1']

const runName = (r) => (r.target === 'media_stream' ? r.target : `${r.target} (${r.backend})`)
const runSlug = (r) => (r.target === 'media_stream' ? r.target : `${r.target}-${r.backend}`)

function hostTriple() {
  const out = spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout ?? ''
  return out.match(/^host: (\S+)$/m)?.[1]
}

/** Builds every target for one backend into target/fuzz/bin/<backend>/; returns true on success. */
function build(backend, triple, say) {
  say(`fuzz: building the targets (${backend})`)
  const features = backend === 'openssl' ? [] : ['--no-default-features', '--features', backend]
  // --target keeps RUSTFLAGS off build scripts and proc macros (they are not linked with libFuzzer).
  const args = [
    'build',
    '--release',
    '--quiet',
    '--bins',
    '--manifest-path',
    join(fuzzDir, 'Cargo.toml'),
    '--target',
    triple,
    '--target-dir',
    targetDir,
    ...features,
  ]
  const env = { ...process.env, RUSTFLAGS }
  delete env.CARGO_ENCODED_RUSTFLAGS
  const r = spawnSync('cargo', args, { cwd: fuzzDir, env, stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0) return false
  const bin = join(targetDir, 'bin', backend)
  mkdirSync(bin, { recursive: true })
  for (const t of new Set(RUNS.map((x) => x.target))) {
    // Copy, then rename over: a binary still running (a long run in another shell) cannot be overwritten.
    copyFileSync(join(targetDir, triple, 'release', t), join(bin, `${t}.new`))
    renameSync(join(bin, `${t}.new`), join(bin, t))
  }
  return true
}

/** Parses libFuzzer's output: the last status line and the final stats. */
function parse(text) {
  const status = [...text.matchAll(/^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/gm)].at(-1)
  const stat = (name) => Number(text.match(new RegExp(`^stat::${name}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN)
  return {
    execs: stat('number_of_executed_units') || Number(status?.[1] ?? 0),
    execsPerSec: stat('average_exec_per_sec'),
    cov: Number(status?.[2] ?? 0),
    features: Number(status?.[3] ?? 0),
    corpus: Number(status?.[4] ?? 0),
    artifact: text.match(/Test unit written to (\S+)/)?.[1],
    error: text.match(/^==\d+== ERROR: libFuzzer: (.*)$/m)?.[1] ?? text.match(/^SUMMARY: libFuzzer: (.*)$/m)?.[1],
  }
}

/** Runs one target for `seconds` on a temporary copy of its corpus. */
function runOne(run, seconds) {
  const slug = runSlug(run)
  const corpus = mkdtempSync(join(tmpdir(), `flows-fuzz-${slug}-`))
  cpSync(join(fuzzDir, 'corpus', run.target), corpus, { recursive: true })
  const artifacts = join(artifactsDir, slug)
  rmSync(artifacts, { recursive: true, force: true })
  mkdirSync(artifacts, { recursive: true })
  const dict = join(fuzzDir, 'dict', `${run.target}.dict`)
  const args = [corpus, `-max_total_time=${seconds}`, ...LIBFUZZER_OPTIONS, `-artifact_prefix=${artifacts}/`]
  if (existsSync(dict)) args.push(`-dict=${dict}`)
  const logPath = join(artifactsDir, `${slug}.log`)
  const log = createWriteStream(logPath)
  return new Promise((done) => {
    const child = spawn(join(targetDir, 'bin', run.backend, run.target), args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    const keep = (d) => {
      log.write(d)
      text += d
      if (text.length > 4_000_000) text = text.slice(-1_000_000) // the stats and the last status lines are at the end
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    // libFuzzer stops itself; this only guards against a hang outside its timers.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      log.end()
      rmSync(corpus, { recursive: true, force: true })
      const stats = parse(text)
      const crashed = code !== 0 || Boolean(stats.artifact)
      if (!crashed) rmSync(artifacts, { recursive: true, force: true })
      done({ name: runName(run), ...run, code, signal, crashed, log: logPath, tail: text.split('\n').slice(-60).join('\n'), ...stats })
    })
  })
}

/**
 * Builds and runs the fuzz targets; returns `{ passed, failed, results }` with one test per run. `say` prints
 * progress and the summary lines (default: stdout).
 */
export async function runFuzz({ seconds = DEFAULT_SECONDS, targets, backends, say = (s) => process.stdout.write(`${s}\n`) } = {}) {
  const runs = RUNS.filter((r) => (!targets?.length || targets.includes(r.target)) && (!backends?.length || backends.includes(r.backend)))
  const results = []
  const triple = hostTriple()
  const built = new Map()
  for (const run of runs) {
    if (!built.has(run.backend)) built.set(run.backend, Boolean(triple) && build(run.backend, triple, say))
    if (!built.get(run.backend)) {
      say(`fuzz ${runName(run)}: FAILED (the build failed)`)
      results.push({ name: runName(run), ...run, crashed: true, buildFailed: true })
      continue
    }
    const r = await runOne(run, seconds)
    results.push(r)
    const line = `fuzz ${r.name}: ${seconds} s, ${r.execs} runs (${r.execsPerSec}/s), cov ${r.cov}, ft ${r.features}, corpus ${r.corpus}`
    if (!r.crashed) {
      say(`${line}, crashes 0`)
    } else {
      say(`${r.tail}\n${line}: FAILED (${r.error ?? `exit ${r.code ?? r.signal}`})`)
      if (r.artifact)
        say(
          `  input: ${relative(root, resolve(root, r.artifact))}; replay: ${relative(root, join(targetDir, 'bin', r.backend, r.target))} ${relative(root, resolve(root, r.artifact))}`,
        )
      say(`  log: ${relative(root, r.log)}`)
    }
  }
  const failed = results.filter((r) => r.crashed).length
  return { passed: results.length - failed, failed, results }
}

function parseArgs(argv) {
  const opts = { seconds: DEFAULT_SECONDS, targets: [], backends: [] }
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`)
      return argv[++i]
    }
    const a = argv[i]
    if (a === '--seconds') opts.seconds = Number(value())
    else if (a === '--target') opts.targets.push(value())
    else if (a === '--backend') opts.backends.push(value())
    else throw new Error(`unknown option ${a}`)
  }
  if (!Number.isInteger(opts.seconds) || opts.seconds < 1) throw new Error('--seconds must be a positive integer')
  for (const t of opts.targets) if (!RUNS.some((r) => r.target === t)) throw new Error(`unknown target ${t}`)
  for (const b of opts.backends) if (!RUNS.some((r) => r.backend === b)) throw new Error(`unknown backend ${b}`)
  return opts
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`fuzz: ${e.message}\n`)
    process.exit(2)
  }
  const { passed, failed } = await runFuzz(opts)
  if (passed + failed === 0) process.stderr.write('fuzz: no run matches the options\n')
  console.log(`fuzz: ${passed} passed, ${failed} failed`)
  process.exit(failed === 0 && passed > 0 ? 0 : 1)
}
