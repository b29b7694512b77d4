#!/usr/bin/env node
// `npm run pack:all`: builds (unless --no-build), copies the host's addon into its platform package and writes
// the main tarball (from the publish manifest, as the release publishes it but without optionalDependencies)
// and that platform tarball into artifacts/, with artifacts/pack.json describing them.
//
// usage: node scripts/pack-all.mjs [--no-build] [--target SUFFIX]
//   --no-build       pack dist/ and native/ as they are (the tests use this: `npm test` has just built them)
//   --target SUFFIX  pack that platform package instead of the host's (the release job: the addon is already in
//                    npm/SUFFIX/ when native/ has none)
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { binaryName, packageName } from './platform-targets.mjs'
import { publishManifest } from './sync-platform-packages.mjs'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const artifacts = join(root, 'artifacts')
const log = (msg) => process.stderr.write(`pack-all: ${msg}\n`)

/** Files of the main tarball besides dist/ and package.json, when they exist (README, LICENSE: npm adds them anyway). */
const mainExtras = ['README.md', 'LICENSE', 'CHANGELOG.md']
/** Directories shipped whole in the main tarball (`files` in package.json). */
const mainDirs = ['docs']

function walk(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
}

/** The host's platform suffix (e.g. linux-x64-gnu), from the built loader so both agree. */
export async function hostSuffix() {
  const loader = join(root, 'dist/node/loader.js')
  if (!existsSync(loader)) throw new Error('dist/ is not built (npm run build)')
  return (await import(pathToFileURL(loader).href)).platformTriple()
}

/** A hash of everything the two tarballs are made of: when it changes, the artifacts are stale. */
export function fingerprint(suffix) {
  const files = [
    ...walk(join(root, 'dist')).filter((f) => !f.endsWith('.map')),
    ...mainDirs.flatMap((d) => walk(join(root, d))),
    ...['package.json', ...mainExtras, `native/${binaryName(suffix)}`, `npm/${suffix}/package.json`, `npm/${suffix}/README.md`]
      .map((f) => join(root, f))
      .filter((f) => existsSync(f)),
  ].sort()
  const hash = createHash('sha256')
  for (const f of files) hash.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0')
  return hash.digest('hex')
}

/** artifacts/pack.json when it describes tarballs that exist and match the current inputs, else undefined. */
export async function currentArtifacts() {
  const file = join(artifacts, 'pack.json')
  if (!existsSync(file)) return undefined
  const info = JSON.parse(readFileSync(file, 'utf8'))
  if (![info.main, info.platform?.tarball].every((t) => t && existsSync(join(artifacts, t)))) return undefined
  return info.fingerprint === fingerprint(await hostSuffix()) ? info : undefined
}

function run(cmd, args, cwd = root) {
  // npm is a .cmd script on Windows, which only a shell starts.
  const shell = process.platform === 'win32' && cmd === 'npm'
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], shell })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`)
  return r.stdout
}

/** `npm pack` without lifecycle scripts (the build already ran); returns the tarball's file name. */
function npmPack(dir) {
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []]
  const out = run(npm[0], [...npm[1], 'pack', '--ignore-scripts', '--json', '--pack-destination', artifacts], dir)
  return JSON.parse(out.slice(out.indexOf('[')))[0].filename
}

async function main(argv) {
  if (!argv.includes('--no-build')) run(process.execPath, [join(root, 'scripts/build.mjs')])
  const host = await hostSuffix()
  const suffix = argv.includes('--target') ? argv[argv.indexOf('--target') + 1] : host
  const platformDir = join(root, 'npm', suffix)
  if (!existsSync(join(platformDir, 'package.json')))
    throw new Error(`npm/${suffix}/package.json is missing (node scripts/sync-platform-packages.mjs)`)
  run(process.execPath, [join(root, 'scripts/sync-platform-packages.mjs'), '--check'])
  const built = join(root, 'native', binaryName(suffix))
  const addon = join(platformDir, binaryName(suffix))
  if (existsSync(built)) copyFileSync(built, addon)
  else if (!existsSync(addon))
    throw new Error(`${relative(root, built)} is missing: the platform package needs the addon (npm run build:native)`)
  if (suffix.startsWith('linux-')) {
    const check = [join(root, 'scripts/check-artifact.mjs'), addon, '--target', suffix, ...(suffix === host ? [] : ['--no-ldd'])]
    process.stderr.write(run(process.execPath, check))
  }

  rmSync(artifacts, { recursive: true, force: true })
  const stage = join(artifacts, 'stage')
  mkdirSync(stage, { recursive: true })
  cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.map') })
  for (const f of mainExtras) if (existsSync(join(root, f))) copyFileSync(join(root, f), join(stage, f))
  for (const d of mainDirs) cpSync(join(root, d), join(stage, d), { recursive: true })
  const manifest = publishManifest(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')))
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const info = {
    fingerprint: fingerprint(suffix),
    main: npmPack(stage),
    platform: { suffix, name: packageName(suffix), tarball: npmPack(platformDir) },
  }
  rmSync(stage, { recursive: true })
  writeFileSync(join(artifacts, 'pack.json'), `${JSON.stringify(info, null, 2)}\n`)
  log(`artifacts/${info.main}, artifacts/${info.platform.tarball}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    log(e.message)
    process.exit(1)
  })
}
