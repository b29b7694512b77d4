#!/usr/bin/env node
// The `wa-flows` command: dispatches to lazily imported command modules (each exports `help` and `run(argv)`).
import { readFileSync } from 'node:fs'

import { CliError, UsageError, reasonOf, watchStdout, whenStdoutCloses } from './common.js'

interface CommandModule {
  help: string
  run(argv: string[]): Promise<number>
}

/** name → [module specifier, one-line summary]. Specifiers are strings so a module is only loaded when used. */
const commands: Record<string, [string, string]> = {
  keygen: ['./keygen.js', 'create an RSA-2048 key pair for a Flows endpoint'],
  'upload-key': ['./upload-key.js', 'register the public key for a phone number (Graph API)'],
  'key-status': ['./key-status.js', 'show the signature status of the registered public key'],
  'send-flow': ['./send-flow.js', 'send a flow to a user with a flow token (Cloud API)'],
  serve: ['./serve.js', 'serve a Flows data endpoint and the messages webhook from a handler module'],
  simulate: ['./simulate.js', 'send encrypted requests to an endpoint as WhatsApp would'],
  validate: ['./validate.js', 'validate Flow JSON files offline (rules and JSON pointers)'],
  'decrypt-media': ['./decrypt-media.js', 'download and decrypt a media file uploaded in a Flow'],
}

const usage = `Usage: wa-flows <command> [options]
       wa-flows --version

Commands:
${Object.entries(commands)
  .map(([name, [, summary]]) => `  ${name.padEnd(14)} ${summary}`)
  .join('\n')}

Run "wa-flows <command> --help" for a command's options.
Set WA_FLOWS_DEBUG=1 to print stack traces on failure.`

const debug = () => process.env.WA_FLOWS_DEBUG === '1'

function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false
    if (a === '--help' || a === '-h') return true
  }
  return false
}

async function load(name: string): Promise<CommandModule> {
  const [specifier] = commands[name]!
  const mod = (await import(specifier)) as Partial<CommandModule>
  if (typeof mod.run !== 'function' || typeof mod.help !== 'string')
    throw new CliError(`the ${name} command module is missing help or run()`)
  return mod as CommandModule
}

/** The package's version, from its package.json (dist/cli/main.js → ../../package.json). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const stream = name === undefined ? process.stderr : process.stdout
    stream.write(`${usage}\n`)
    return name === undefined ? 2 : 0
  }
  if (!Object.hasOwn(commands, name)) {
    process.stderr.write(`wa-flows: unknown command "${name}"\n\n${usage}\n`)
    return 2
  }
  const command = await load(name)
  if (wantsHelp(rest)) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`wa-flows ${name}: ${e.message}\nRun "wa-flows ${name} --help" for usage.\n`)
      return 2
    }
    throw e
  }
}

// `wa-flows … | head`: once the reader is gone, stop quietly (no EPIPE stack trace) with the status so far.
watchStdout()
whenStdoutCloses(() => process.exit())

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    if (debug() && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`)
    process.stderr.write(`wa-flows: ${reasonOf(e)}\n`)
    process.exitCode = e instanceof CliError ? e.exitCode : 1
  },
)
