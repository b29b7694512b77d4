// Shared CLI plumbing: strict argument parsing and the error types the dispatcher maps to exit codes.
import { parseArgs, type ParseArgsConfig } from 'node:util'

import { describeNetworkError } from '../util/net-error.js'

/** Bad command line (unknown option, missing value, missing required option): exit 2 with a usage hint. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** An expected failure with a one-line, user-facing reason: exit 1 (or `exitCode`). */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options)
    this.exitCode = exitCode
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Parsed values: booleans for boolean options, strings otherwise; absent options are undefined. */
export type OptionValues<O extends Options> = { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string }

/** `parseArgs` in strict mode without positionals; its errors become `UsageError`s. */
export function parseOptions<O extends Options>(argv: string[], options: O): OptionValues<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as OptionValues<O>
  } catch (e) {
    throw new UsageError(firstLine(e instanceof Error ? e.message : String(e)))
  }
}

/** `parseArgs` in strict mode with positionals (commands taking operands, e.g. `decrypt-media <input.json>`). */
export function parseCommandLine<O extends Options>(argv: string[], options: O): { values: OptionValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true })
    return { values: values as OptionValues<O>, positionals }
  } catch (e) {
    throw new UsageError(firstLine(e instanceof Error ? e.message : String(e)))
  }
}

/** Returns the option's value or throws a `UsageError` naming it. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing required option --${name}`)
  return value
}

/** Parses an integer option within [min, max]. */
export function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got "${value}"`)
  const n = Number(value)
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`)
  return n
}

/** Reads a non-empty environment variable. */
export function env(name: string): string | undefined {
  const v = process.env[name]
  return v === undefined || v === '' ? undefined : v
}

export function firstLine(s: string): string {
  const line = s.split(/\r?\n/, 1)[0] ?? ''
  return line.trim()
}

/**
 * The reason of an unknown thrown value, as one line. A failed fetch ("fetch failed") gives its cause instead:
 * `connect ECONNREFUSED 127.0.0.1:3000`, `getaddrinfo ENOTFOUND host`, a TLS error.
 */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    if (e.message === 'fetch failed' || e.name === 'TimeoutError') return firstLine(describeNetworkError(e))
    return firstLine(e.message) || e.name
  }
  return firstLine(String(e))
}

/** True once stdout is gone (`wa-flows … | head` closed the pipe): output stops, nothing more is written. */
let stdoutClosed = false

/** What happens when stdout closes early; the dispatcher ends the process, `serve` stops gracefully instead. */
let onStdoutClosed: () => void = () => {}

/** Replaces the reaction to an early-closed stdout (see `watchStdout`). */
export function whenStdoutCloses(handler: () => void): void {
  onStdoutClosed = handler
}

/**
 * Installs the stdout error handler: EPIPE (the reader went away) is not an error of the command. Output stops and
 * `whenStdoutCloses`' handler runs once, with no stack trace; any other stdout error is reported as one line.
 */
export function watchStdout(): void {
  // stderr has no one to report its own failure to (`2>&1 | head`): its errors are dropped, never thrown.
  process.stderr.on('error', () => {})
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (stdoutClosed) return
    stdoutClosed = true
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return onStdoutClosed()
    process.stderr.write(`wa-flows: cannot write to stdout: ${reasonOf(e)}\n`)
    process.exitCode = 1
    onStdoutClosed()
  })
}

export const out = (line = ''): void => {
  if (!stdoutClosed) process.stdout.write(`${line}\n`)
}
