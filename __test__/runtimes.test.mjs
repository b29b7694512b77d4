// The WebCrypto suite (__test__/runtimes/webcrypto-suite.mjs) on every JavaScript runtime found (Node always; Deno
// and Bun on PATH or in .cache/runtimes, see scripts/install-runtimes.mjs), and its esbuild-neutral bundle in a
// node:vm context that has nothing but crypto, TextEncoder/TextDecoder, atob/btoa and a report function.
// workerd and Chromium: runtimes-edge.test.mjs.
import test from 'ava'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import vm from 'node:vm'

import { findRuntime } from '../scripts/install-runtimes.mjs'
import { assertSuite, bundleSuite, root, runAsBody, suitePath as suite } from './helpers/runtimes.mjs'

const execFileP = promisify(execFile)

const runtimes = [{ name: 'node', path: process.execPath, version: process.version, args: [] }]
const deno = findRuntime('deno')
// No permissions at all: the WebCrypto entry needs neither files, env nor network.
if (deno) runtimes.push({ name: 'deno', ...deno, args: ['run', '--no-config', '--no-lock', '--no-prompt'] })
const bun = findRuntime('bun')
if (bun) runtimes.push({ name: 'bun', ...bun, args: [] })

for (const rt of runtimes) {
  test(`WebCrypto suite on ${rt.name} (${rt.version})`, async (t) => {
    const env = { ...process.env, NO_COLOR: '1' }
    const { stdout } = await execFileP(rt.path, [...rt.args, suite], { cwd: root, env, timeout: 60_000 })
    assertSuite(t, stdout.trim().split('\n'))
  })
}

test('WebCrypto suite, bundled for a neutral platform, in a vm context with only crypto, TextEncoder/Decoder, atob/btoa', async (t) => {
  // Platform neutral: any Node built-in in the graph is a resolution error.
  const { code } = await bundleSuite({ platform: 'neutral' })
  t.false(/^\s*(import|export)\b/m.test(code), 'the bundle is self-contained')
  const lines = []
  const context = vm.createContext({ crypto: globalThis.crypto, TextDecoder, atob, btoa, report: (line) => lines.push(line) })
  // TextEncoder is built inside the context so that the Uint8Arrays it returns belong to the context's realm,
  // as they do in a real single-realm runtime (a Worker, Deno, Bun).
  vm.runInContext(
    '(Outer) => { const outer = new Outer(); globalThis.TextEncoder = class TextEncoder { get encoding() { return "utf-8" } encode(s = "") { return new Uint8Array(outer.encode(s)) } } }',
    context,
  )(TextEncoder)
  t.deepEqual(vm.runInContext('[typeof process, typeof require, typeof Buffer, typeof setTimeout, typeof fetch]', context), [
    'undefined',
    'undefined',
    'undefined',
    'undefined',
    'undefined',
  ])
  // The bundle keeps its top-level awaits; an async function body runs them as a script.
  await vm.runInContext(`(${runAsBody(code)})()`, context, { filename: 'webcrypto-suite.bundle.js' })
  assertSuite(t, lines)
})
