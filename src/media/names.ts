// Safe, portable file names from a media item's `file_name` (no directories, no control or reserved chars).

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i
const MAX_LENGTH = 200

/**
 * The last path component of `name` (both `/` and `\` separate), without control characters, characters
 * Windows forbids (`<>:"|?*`), leading/trailing dots and spaces, and at most 200 characters (extension kept).
 * `.`/`..`/empty fall back to `fallback` (the media id), then to `media`; Windows device names get a `_` prefix.
 */
export function safeFileName(name: unknown, fallback?: unknown): string {
  for (const candidate of [name, fallback, 'media']) {
    const s = clean(candidate)
    if (s) return s
  }
  return 'media'
}

function clean(raw: unknown): string {
  if (typeof raw !== 'string') return ''
  const base = raw.split(/[/\\]/).pop() ?? ''
  let s = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/^[\s.]+|[\s.]+$/g, '')
  if (!s) return ''
  if (s.length > MAX_LENGTH) {
    const { stem, ext } = splitExtension(s)
    const keep = ext.length < 20 ? ext : ''
    s = stem.slice(0, MAX_LENGTH - keep.length) + keep
  }
  const { stem } = splitExtension(s)
  if (RESERVED.test(stem.trim())) s = `_${s}`
  return s
}

/** `photo.jpg` → { stem: 'photo', ext: '.jpg' }; a leading dot is not an extension. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? { stem: name.slice(0, dot), ext: name.slice(dot) } : { stem: name, ext: '' }
}

/** The n-th candidate for a unique name: `x.jpg`, `x (1).jpg`, `x (2).jpg`, … */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name
  const { stem, ext } = splitExtension(name)
  return `${stem} (${n})${ext}`
}
