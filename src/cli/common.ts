// Shared CLI plumbing: strict argument parsing and the error types the dispatcher maps to exit codes.
import { parseArgs, type ParseArgsConfig } from 'node:util'

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


/** The reason of an unknown thrown value, as one line. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) return firstLine(e.message) || e.name
  return firstLine(String(e))
}

export const out = (line = ''): void => {
  process.stdout.write(line + '\n')
}
