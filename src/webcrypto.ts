// WebCrypto entry point (Deno, Bun, Workers, browsers): the same API on globalThis.crypto.subtle only.
// Never reaches the native loader or any node: module.
import { createFlowCrypto } from './api.js'
import { createWebCryptoBackend } from './backend/webcrypto.js'
import type { Runtime } from './runtime.js'
import { bindMedia } from './media/web.js'
import { bindEndpoint } from './endpoint/index.js'

const backend = createWebCryptoBackend()
const crypto = createFlowCrypto(backend)
const runtime: Runtime = { backend, crypto }

export const loadPrivateKey = crypto.loadPrivateKey
export const decryptRequest = crypto.decryptRequest
export const decryptRequestSync = crypto.decryptRequestSync
export const encryptResponse = crypto.encryptResponse
export const encryptResponseSync = crypto.encryptResponseSync
export const getBackend = crypto.getBackend

const media = bindMedia(runtime)
export const { decryptMedia, createMediaDecryptor, downloadMedia, decryptMediaBatch } = media
export const { createFlowEndpoint } = bindEndpoint(runtime, media)
export * from './entry.js'
