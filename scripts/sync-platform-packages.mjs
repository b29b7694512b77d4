#!/usr/bin/env node
// Writes npm/<suffix>/{package.json,README.md,LICENSE} for every target at the main package's version, and in the release
// job (--release) the publish manifest: optionalDependencies, which are never committed (see docs/packaging.md).
//
// usage: node scripts/sync-platform-packages.mjs [--check] [--release [--require-binaries]]
//   --check             exit 1 if a platform package is out of date (nothing is written)
//   --release           also write optionalDependencies (every platform package, same version) into package.json
//   --require-binaries  with --release: fail unless every npm/<suffix>/ holds its .node
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { binaryName, packageName, targets } from './platform-targets.mjs'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const log = (msg) => process.stderr.write(`sync-platform-packages: ${msg}\n`)

/** The package.json of a platform package. */
export function platformManifest(main, t) {
  const manifest = {
    name: packageName(t.suffix),
    version: main.version,
    description: `The ${t.rust} binary of whatsapp-flows (installed by it as an optional dependency).`,
    license: main.license,
    os: [t.os],
    cpu: [t.cpu],
    ...(t.libc ? { libc: [t.libc] } : {}),
    main: binaryName(t.suffix),
    files: [binaryName(t.suffix)],
    engines: main.engines,
  }
  for (const field of ['repository', 'homepage', 'bugs']) if (main[field]) manifest[field] = main[field]
  return manifest
}

const readme = (t) =>
  `# ${packageName(t.suffix)}\n\nThe \`${t.rust}\` native addon of whatsapp-flows, installed by it as an optional dependency: install \`whatsapp-flows\`, not this package.\n`

/**
 * The main package.json as published: without `prepare` (it builds from sources the tarball does not hold, and
 * npm would list it as an install script), and with `optionalDependencies` on every platform package when asked.
 */
export function publishManifest(main, { optionalDependencies = false } = {}) {
  const manifest = structuredClone(main)
  delete manifest.scripts?.prepare
  if (optionalDependencies) manifest.optionalDependencies = Object.fromEntries(targets.map((t) => [packageName(t.suffix), main.version]))
  return manifest
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`

function cli(argv) {
  const check = argv.includes('--check')
  const release = argv.includes('--release')
  const requireBinaries = argv.includes('--require-binaries')
  const mainPath = join(root, 'package.json')
  const main = JSON.parse(readFileSync(mainPath, 'utf8'))

  const license = readFileSync(join(root, 'LICENSE'), 'utf8')
  const stale = []
  for (const t of targets) {
    const dir = join(root, 'npm', t.suffix)
    for (const [name, text] of [
      ['package.json', json(platformManifest(main, t))],
      ['README.md', readme(t)],
      ['LICENSE', license],
    ]) {
      const file = join(dir, name)
      if (existsSync(file) && readFileSync(file, 'utf8') === text) continue
      stale.push(`npm/${t.suffix}/${name}`)
      if (!check) {
        mkdirSync(dir, { recursive: true })
        writeFileSync(file, text)
      }
    }
  }
  if (check) {
    if (stale.length) {
      log(`out of date: ${stale.join(', ')} (run node scripts/sync-platform-packages.mjs)`)
      return 1
    }
    log(`${targets.length} platform packages at ${main.version}`)
    return 0
  }
  if (stale.length) log(`wrote ${stale.join(', ')}`)
  if (!release) return 0

  if (requireBinaries) {
    const missing = targets.filter((t) => !existsSync(join(root, 'npm', t.suffix, binaryName(t.suffix))))
    if (missing.length) {
      log(`missing binaries: ${missing.map((t) => `npm/${t.suffix}/${binaryName(t.suffix)}`).join(', ')}`)
      return 1
    }
  }
  writeFileSync(mainPath, json(publishManifest(main, { optionalDependencies: true })))
  log(`package.json: publish manifest with optionalDependencies on ${targets.length} platform packages at ${main.version}`)
  return 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(cli(process.argv.slice(2)))
