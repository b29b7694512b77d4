// `wa-flows decrypt-media`: downloads and verifies every media item of a JSON file into a directory.
import { readFile } from 'node:fs/promises'

import { collectMediaItems, decryptMediaBatch, type MediaBatchProgress, type MediaBatchResult } from '../index.js'
import { CliError, parseCommandLine, reasonOf, UsageError } from './common.js'

export const help = `Usage: wa-flows decrypt-media <input.json> --out <dir> [options]

Downloads every media item (an object with cdn_url and encryption_metadata) found anywhere in
<input.json> - an array of items or any JSON such as a decrypted request - verifies it
(encrypted_hash, HMAC, padding, plaintext_hash) and writes it to <dir>. Files are named from
file_name made safe and unique; a file appears only once every check passed.

Options:
  -o, --out <dir>        output directory (created if missing; required)
  -c, --concurrency <N>  files processed at once (default 4)
      --timeout <ms>     time limit per file (default 120000)
      --max-bytes <N>    size limit per file (default 104857600)
      --json             print a machine-readable summary on stdout
  -h, --help             show this help

On a terminal a progress bar on stderr shows files, bytes, rate and an ETA from the
bytes still to download; otherwise one line per file.
Exit status: 0 when every file was written, 1 when any failed (each is named with its
reason) or the input cannot be used, 2 on a usage error.
`

interface Io {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--'
  if (s < 60) return `${Math.ceil(s)}s`
  const whole = Math.ceil(s)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${text}"`)
  return n
}

/**
 * Seconds left, from bytes: what is still to download (the batch's expected bytes minus those received) at the rate
 * so far. Infinity while nothing is known (no size yet, or no byte received).
 */
export function etaSeconds(p: MediaBatchProgress, elapsedSeconds: number): number {
  if (p.done === p.total) return 0
  if (p.expectedBytes === undefined || p.bytes === 0 || elapsedSeconds <= 0) return Infinity
  const rate = p.bytes / elapsedSeconds
  return Math.max(0, p.expectedBytes - p.bytes) / rate
}

/** A one-line progress bar redrawn on a TTY at most 10 times a second. */
function progressBar(stderr: Io['stderr'], started: number) {
  let last = 0
  let shown = false
  const draw = (p: MediaBatchProgress, force = false) => {
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    const elapsed = Math.max((now - started) / 1000, 0.001)
    const rate = p.bytes / elapsed
    const eta = etaSeconds(p, elapsed)
    const width = 24
    const filled = p.total ? Math.round((p.done / p.total) * width) : width
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} files${p.failed ? ` (${p.failed} failed)` : ''}  ${formatBytes(p.bytes)}  ${formatBytes(rate)}/s  ETA ${formatSeconds(eta)}`
    stderr.write(`\r\x1b[2K${line}`)
    shown = true
  }
  return { draw, clear: () => shown && stderr.write('\r\x1b[2K') }
}

/** Runs the command; resolves the exit code. `io` defaults to the process streams. */
export async function run(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    out: { type: 'string', short: 'o' },
    concurrency: { type: 'string', short: 'c' },
    timeout: { type: 'string' },
    'max-bytes': { type: 'string' },
    json: { type: 'boolean' },
  })
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one input file' : 'the input file is missing')
  if (!values.out) throw new UsageError('--out <dir> is required')
  const out = values.out
  const concurrency = positiveInt(values.concurrency, '--concurrency', 4)
  const timeoutMs = positiveInt(values.timeout, '--timeout', 120_000)
  const maxBytes = positiveInt(values['max-bytes'], '--max-bytes', 100 * 1024 * 1024)
  const input = positionals[0]!
  let items: ReturnType<typeof collectMediaItems>
  try {
    items = collectMediaItems(JSON.parse(await readFile(input, 'utf8')))
  } catch (e) {
    throw new CliError(`cannot read ${input}: ${reasonOf(e)}`)
  }
  if (items.length === 0) throw new CliError(`no media items (objects with cdn_url and encryption_metadata) in ${input}`)

  const started = Date.now()
  const tty = Boolean(io.stderr.isTTY)
  const bar = tty ? progressBar(io.stderr, started) : undefined
  let final: MediaBatchProgress = { done: 0, failed: 0, total: items.length, bytes: 0 }
  const name = (r: MediaBatchResult) => r.file_name || r.media_id || '(unnamed)'
  // SIGINT/SIGTERM abort the downloads: every partial file is removed before the process exits (130/143).
  const controller = new AbortController()
  let interrupted: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = signal
    io.stderr.write(`\nwa-flows: ${signal}: stopping; partial files are being removed\n`)
    controller.abort(new Error(`interrupted by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let results: MediaBatchResult[]
  try {
    results = await decryptMediaBatch(items, {
      outDir: out,
      concurrency,
      timeoutMs,
      maxBytes,
      signal: controller.signal,
      onProgress: (p) => {
        final = p
        bar?.draw(p)
      },
      onItem: (r) => {
        if (tty || interrupted) return
        io.stderr.write(r.error ? `failed ${name(r)}: ${r.error.code}: ${r.error.message}\n` : `ok     ${name(r)} -> ${r.path}\n`)
      },
    })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  if (interrupted) {
    bar?.clear()
    const written = results.filter((r) => r.path).length
    io.stderr.write(`wa-flows: interrupted; ${written} of ${results.length} files were complete and verified, nothing partial was left\n`)
    return interrupted === 'SIGINT' ? 130 : 143
  }
  if (bar) {
    bar.draw(final, true)
    bar.clear()
  }
  const failed = results.filter((r) => r.error)
  const seconds = (Date.now() - started) / 1000
  if (values.json === true) {
    const summary = {
      total: results.length,
      ok: results.length - failed.length,
      failed: failed.length,
      bytes: final.bytes,
      seconds,
      files: results.map((r) => ({
        media_id: r.media_id,
        file_name: r.file_name,
        ...(r.path ? { path: r.path } : {}),
        ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
      })),
    }
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  }
  if (tty) for (const r of failed) io.stderr.write(`failed ${name(r)}: ${r.error!.code}: ${r.error!.message}\n`)
  io.stderr.write(
    `wa-flows: ${results.length - failed.length} of ${results.length} files written to ${out} (${formatBytes(final.bytes)} in ${seconds.toFixed(1)}s)${failed.length ? `; ${failed.length} failed` : ''}\n`,
  )
  return failed.length ? 1 : 0
}
