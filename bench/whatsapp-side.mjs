// The WhatsApp side of a data exchange for the benchmarks, on node:crypto: seal a request as WhatsApp does
// (AES-128-GCM under a fresh key and IV, the key wrapped with RSA-OAEP-SHA256) and open the endpoint's answer.
import { constants, createCipheriv, createDecipheriv, publicEncrypt, randomBytes } from 'node:crypto'

/** Seals `payload` (JSON-serialised) for `publicKey`: { body: the JSON text WhatsApp posts, aesKey, iv }. */
export function sealRequest(payload, publicKey) {
  const aesKey = randomBytes(16)
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-128-gcm', aesKey, iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final(), cipher.getAuthTag()])
  const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)
  const body = JSON.stringify({
    encrypted_flow_data: data.toString('base64'),
    encrypted_aes_key: wrapped.toString('base64'),
    initial_vector: iv.toString('base64'),
  })
  return { body, aesKey, iv }
}

/** Opens a 200 answer (base64 text) under the request's key and inverted IV; returns the parsed JSON. */
export function openAnswer(text, { aesKey, iv }) {
  const sealed = Buffer.from(text, 'base64')
  const decipher = createDecipheriv('aes-128-gcm', aesKey, Buffer.from(iv.map((b) => b ^ 0xff)))
  decipher.setAuthTag(sealed.subarray(-16))
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]).toString('utf8'))
}
