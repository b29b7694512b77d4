// Data API 4.0's `flow_token_signature`: a JWT that WhatsApp sends inside the encrypted request, HS256-signed with
// the Meta app secret, whose `flow_token` claim must equal the request's `flow_token` (Meta, "Implementing your
// Flow endpoint", section "Flow token signature"). A failure is a FlowTokenSignatureError (432).
import { FlowTokenSignatureError } from '../errors.js'
import type { FlowRequest } from '../protocol.js'
import { timingSafeEqual, utf8 } from '../util/bytes.js'
import { JwtError, type Hs256Verifier } from '../util/jwt.js'

/**
 * True when the request carries a valid signature for its own flow token; false when it carries none (and none is
 * required). Throws `FlowTokenSignatureError` for a bad one, a missing required one, or a mismatched claim.
 */
export async function checkFlowTokenSignature(request: FlowRequest, verifier: Hs256Verifier, required: boolean): Promise<boolean> {
  const signature = request.flow_token_signature
  if (signature === undefined) {
    if (required) throw new FlowTokenSignatureError('the request has no flow_token_signature')
    return false
  }
  if (typeof signature !== 'string') throw new FlowTokenSignatureError('flow_token_signature is not a string')
  let payload: Record<string, unknown>
  try {
    payload = await verifier.verify(signature)
  } catch (e) {
    if (e instanceof JwtError) throw new FlowTokenSignatureError(`flow_token_signature: ${e.message}`)
    throw e
  }
  const claim = payload.flow_token
  const token = request.flow_token
  if (typeof claim !== 'string' || typeof token !== 'string' || !timingSafeEqual(utf8(claim), utf8(token))) {
    throw new FlowTokenSignatureError('the flow_token claim of flow_token_signature does not match the request flow_token')
  }
  return true
}
