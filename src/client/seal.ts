// WhatsApp's side of the request crypto on WebCrypto: fresh AES-128 key and IV per request, RSA-OAEP-SHA256 wrap,
// AES-128-GCM; and decryption of the endpoint's answer (same key, inverted IV).
import { FlowDecryptionError } from '../errors.js'
import type { EncryptedFlowRequestBody } from '../protocol.js'
import { decodeBase64, encodeBase64 } from '../util/base64.js'
import { flipIv, fromUtf8, utf8 } from '../util/bytes.js'

export interface SealedRequest {
  body: EncryptedFlowRequestBody
  /** Decrypts the base64 answer to this request; throws FlowDecryptionError if it is not one. */
  open(responseText: string): Promise<unknown>
}

const subtle = () => globalThis.crypto.subtle

export async function sealRequest(request: object, publicKey: CryptoKey): Promise<SealedRequest> {
  const aesKey = globalThis.crypto.getRandomValues(new Uint8Array(16))
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16))
  const key = await subtle().importKey('raw', aesKey, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const data = await subtle().encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, utf8(JSON.stringify(request)) as BufferSource)
  const wrapped = await subtle().encrypt({ name: 'RSA-OAEP' }, publicKey, aesKey)
  return {
    body: {
      encrypted_flow_data: encodeBase64(new Uint8Array(data)),
      encrypted_aes_key: encodeBase64(new Uint8Array(wrapped)),
      initial_vector: encodeBase64(iv),
    },
    async open(responseText) {
      const bytes = decodeBase64(responseText.trim())
      if (!bytes || bytes.length < 16) throw new FlowDecryptionError({ cause: new Error('The 200 answer is not base64 AES-GCM output') })
      let plain: ArrayBuffer
      try {
        plain = await subtle().decrypt({ name: 'AES-GCM', iv: flipIv(iv) as BufferSource, tagLength: 128 }, key, bytes as BufferSource)
      } catch (e) {
        throw new FlowDecryptionError({ cause: e })
      }
      try {
        return JSON.parse(fromUtf8(new Uint8Array(plain)))
      } catch (e) {
        throw new FlowDecryptionError({ cause: new Error('The decrypted answer is not UTF-8 JSON', { cause: e }) })
      }
    },
  }
}
