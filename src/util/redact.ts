// Removes secrets (access tokens, app secrets) from text meant for people: error messages and log lines. An API
// may echo a token as is, URL- or JSON-encoded, in another case, or only in part (cut short with "..."): every
// run of at least MIN_RUN characters shared with any of those forms is replaced.

/** Shared runs this long or longer are redacted (shorter ones are too common to say anything). */
export const MIN_RUN = 8
const MASK = '***'

/** The forms a secret takes when an API quotes it back. */
function forms(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1)])
  out.add(encodeURIComponent(secret).replace(/%20/g, '+'))
  return [...out]
}

/** Replaces each secret, in full or in part, with `***`. Secrets under 4 characters are ignored. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  const grams = new Set<string>()
  const shortOnes: string[] = []
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 4) continue
    if (secret.length < MIN_RUN) {
      shortOnes.push(secret)
      continue
    }
    for (const form of forms(secret)) {
      const lower = form.toLowerCase()
      for (let i = 0; i + MIN_RUN <= lower.length; i++) grams.add(lower.slice(i, i + MIN_RUN))
    }
  }
  let out = text
  if (grams.size > 0) {
    // Every window of MIN_RUN characters found in a secret's form is masked; overlapping windows cover a whole run.
    const lower = text.toLowerCase()
    const hit = new Uint8Array(text.length)
    for (let i = 0; i + MIN_RUN <= lower.length; i++) {
      if (grams.has(lower.slice(i, i + MIN_RUN))) hit.fill(1, i, i + MIN_RUN)
    }
    let result = ''
    for (let i = 0; i < text.length; ) {
      if (!hit[i]) {
        result += text[i++]
        continue
      }
      while (i < text.length && hit[i]) i++
      result += MASK
    }
    out = result
  }
  for (const s of shortOnes) out = out.split(s).join(MASK)
  return out
}
