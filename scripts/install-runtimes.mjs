#!/usr/bin/env node
// Installs pinned Bun and Deno from their npm packages into .cache/runtimes (not project dependencies), for
// __test__/runtimes.test.mjs and install.test.mjs, which use every runtime found there or on PATH (findRuntime).
//
// usage: node scripts/install-runtimes.mjs   (CI runs it before `npm test`; locally it is optional)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const runtimesDir = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), '.cache/runtimes')
export const pinned = { bun: '1.4.5', deno: '2.9.6' }

/** The first of .cache/runtimes and PATH where `name --version` runs: { path, version } or undefined. */
export function findRuntime(name) {
  for (const path of [join(runtimesDir, 'node_modules/.bin', name), name]) {
    if (path.includes('/') && !existsSync(path)) continue
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' })
    if (r.status === 0) return { path, version: r.stdout.trim().split('\n')[0] }
  }
  return undefined
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(runtimesDir, { recursive: true })
  writeFileSync(join(runtimesDir, 'package.json'), `${JSON.stringify({ name: 'wa-flows-runtimes', private: true }, null, 2)}\n`)
  const specs = Object.entries(pinned).map(([name, version]) => `${name}@${version}`)
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', ...specs], { cwd: runtimesDir, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
  for (const name of Object.keys(pinned)) {
    const v = spawnSync(join(runtimesDir, 'node_modules/.bin', name), ['--version'], { encoding: 'utf8' })
    process.stderr.write(
      `install-runtimes: ${name} ${v.status === 0 ? v.stdout.split('\n')[0] : `does not run (${v.stderr || v.error})`}\n`,
    )
  }
}
