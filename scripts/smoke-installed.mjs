#!/usr/bin/env node
// Installs the tarballs of artifacts/pack.json (npm run pack:all) into a fresh project, production dependencies
// only and offline, and checks on the native backend (forced) a request/response round trip with a fresh key
// and the wa-flows bin. The release workflow runs it on every platform; __test__/install.test.mjs runs it here.
//
// usage: node scripts/smoke-installed.mjs   (prints `smoke: ok <suffix> ...` or fails)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { artifacts } from './pack-all.mjs'

const info = JSON.parse(readFileSync(join(artifacts, 'pack.json'), 'utf8'))
const project = mkdtempSync(join(tmpdir(), 'wa-flows-smoke-'))
const env = { ...process.env, WA_FLOWS_BACKEND: 'native', npm_config_offline: 'true' }
delete env.WA_FLOWS_NATIVE_PATH

function run(cmd, args) {
  // npm and npx are .cmd scripts on Windows, which only a shell starts.
  const r = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8', shell: process.platform === 'win32' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`)
  return r.stdout
}

const script = `// Written by scripts/smoke-installed.mjs: WhatsApp's side with node:crypto, the endpoint's with whatsapp-flows.
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto'
import * as flows from 'whatsapp-flows'

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const key = await flows.loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }))
const aesKey = randomBytes(16)
const iv = randomBytes(16)
const request = { version: '3.0', action: 'ping' }
const gcm = createCipheriv('aes-128-gcm', aesKey, iv)
const data = Buffer.concat([gcm.update(JSON.stringify(request)), gcm.final(), gcm.getAuthTag()])
const body = {
  encrypted_aes_key: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey).toString('base64'),
  initial_vector: iv.toString('base64'),
  encrypted_flow_data: data.toString('base64'),
}
const decrypted = await flows.decryptRequest(body, key)
if (JSON.stringify(decrypted.request) !== JSON.stringify(request)) throw new Error('request mismatch')
const out = Buffer.from(await decrypted.encryptResponse({ data: { status: 'active' } }), 'base64')
const back = createDecipheriv('aes-128-gcm', aesKey, iv.map((b) => b ^ 0xff))
back.setAuthTag(out.subarray(-16))
const text = Buffer.concat([back.update(out.subarray(0, -16)), back.final()]).toString()
if (text !== '{"data":{"status":"active"}}') throw new Error('response mismatch: ' + text)
process.stdout.write(flows.getBackend())
`

try {
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'wa-flows-smoke', private: true, type: 'module' }, null, 2)}\n`)
  writeFileSync(join(project, 'smoke.mjs'), script)
  run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', join(artifacts, info.main), join(artifacts, info.platform.tarball)])
  const backend = run(process.execPath, ['smoke.mjs'])
  if (backend !== 'native') throw new Error(`backend is ${backend}`)
  const help = run('npx', ['wa-flows', '--help'])
  if (!help.includes('Usage: wa-flows')) throw new Error(`wa-flows --help printed:\n${help}`)
  console.log(
    `smoke: ok ${info.platform.suffix} (${process.platform}-${process.arch}, node ${process.version}): native round trip, wa-flows --help`,
  )
} finally {
  rmSync(project, { recursive: true, force: true })
}
