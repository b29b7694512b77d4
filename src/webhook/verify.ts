// The webhook's GET verification (subscription handshake): `hub.mode=subscribe` and the right `hub.verify_token`
// echo `hub.challenge` as text with 200; anything else is 403. The token comparison is constant-time.
import { statusAnswer, textAnswer } from '../http/answers.js'
import type { FlowHttpResponse, FlowLogger } from '../http/types.js'
import { timingSafeEqual, utf8 } from '../util/bytes.js'

/** What a challenge may look like (Meta sends digits); anything else is not echoed. */
const CHALLENGE = /^[\x21-\x7e]{1,512}$/

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(text) as BufferSource))
}

/** Compares through SHA-256 digests, so neither the content nor the length of the expected token shows in timing. */
async function sameToken(given: string, expected: string): Promise<boolean> {
  return timingSafeEqual(await digest(given), await digest(expected))
}

function query(url: string | undefined): URLSearchParams | undefined {
  if (typeof url !== 'string') return undefined
  const i = url.indexOf('?')
  return new URLSearchParams(i < 0 ? '' : url.slice(i + 1))
}

export async function verifySubscription(
  url: string | undefined,
  verifyToken: string | undefined,
  logger: FlowLogger,
): Promise<FlowHttpResponse> {
  const q = query(url)
  if (!q) {
    logger.warn('webhook verification request without a URL: the adapter must pass request.url')
    return statusAnswer(403)
  }
  if (verifyToken === undefined) {
    logger.warn('webhook verification refused: no verifyToken configured')
    return statusAnswer(403)
  }
  const mode = q.get('hub.mode')
  const token = q.get('hub.verify_token')
  const challenge = q.get('hub.challenge')
  if (
    mode !== 'subscribe' ||
    token === null ||
    challenge === null ||
    !CHALLENGE.test(challenge) ||
    !(await sameToken(token, verifyToken))
  ) {
    logger.warn('webhook verification refused', {
      mode: mode === 'subscribe' ? 'subscribe' : 'other',
      token: token === null ? 'missing' : 'given',
    })
    return statusAnswer(403)
  }
  logger.info('webhook verified')
  return textAnswer(200, challenge)
}
