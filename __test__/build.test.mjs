// The build without a Rust toolchain: `npm install` must still succeed, warn once, and leave the WebCrypto backend.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

test('build-native without cargo on PATH exits 0 with exactly one warning', (t) => {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, 'cargo')))
    .join(delimiter)
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-native.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: path },
  })
  t.is(r.status, 0, r.stderr)
  const warnings = r.stderr.split('\n').filter((l) => l.includes('cargo was not found'))
  t.is(warnings.length, 1)
  t.regex(warnings[0], /WebCrypto/)
})

test('without a native binary the root entry runs on WebCrypto, warning once with the reason', (t) => {
  const script = `import('${join(root, 'dist/index.js')}').then(async (m) => {
    const { generateKeyPairSync } = await import('node:crypto')
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    const key = await m.loadPrivateKey(pem)
    console.log(m.getBackend(), key.backend)
  })`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, WA_FLOWS_BACKEND: '', WA_FLOWS_NATIVE_PATH: join(root, 'does-not-exist.node') },
  })
  t.is(r.status, 0, r.stderr)
  t.is(r.stdout.trim(), 'webcrypto webcrypto')
  t.is(r.stderr.split('\n').filter((l) => l.includes('WA_FLOWS_WEBCRYPTO_FALLBACK') || l.includes('using the WebCrypto backend')).length, 1)
})
