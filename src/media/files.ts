// Node-only: downloads into temp files beside the destination and publishes the file only after every check passed.
// No unverified plaintext ever reaches the disk: the CDN file (ciphertext) is authenticated first, then decrypted.
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { link, mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'

import type { CryptoBackend, MediaKeyBytes } from '../backend/contract.js'
import { MediaDownloadError } from '../errors.js'
import type { FlowMediaItem } from '../protocol.js'
import { checkMediaItem } from './core.js'
import { fetchMediaBody, type FetchLimits } from './fetch.js'
import { mediaKeys } from '../validate.js'
import { numberedName, safeFileName } from './names.js'
import { createMediaPipeline } from './pipeline.js'

const MAX_NUMBERED = 10_000

interface Target {
  dir: string
  /** Directory mode: the safe file name to make unique; file mode: undefined. */
  name?: string
  /** File mode: the exact path (replaced if it exists). */
  file?: string
}

/** `to` is a directory if it is one, or ends with a separator (created then); otherwise a file path. */
async function resolveTarget(to: string, media: FlowMediaItem): Promise<Target> {
  const abs = resolve(to)
  const isDir = await stat(abs).then(
    (s) => s.isDirectory(),
    () => undefined,
  )
  if (isDir || (isDir === undefined && (to.endsWith('/') || to.endsWith(sep)))) {
    await mkdir(abs, { recursive: true })
    return { dir: abs, name: safeFileName(media.file_name, media.media_id) }
  }
  await mkdir(dirname(abs), { recursive: true })
  return { dir: dirname(abs), file: abs }
}

const code = (e: unknown) => (e as { code?: string }).code

/**
 * Publishes `temp` under the first free name `x.jpg`, `x (1).jpg`, … in `dir` without ever replacing a file:
 * a hard link fails atomically if the name exists. Where hard links are unavailable, the name is reserved
 * with an exclusive create (`wx`) and the temp file renamed over that reservation.
 */
async function publishUnique(temp: string, dir: string, name: string): Promise<string> {
  for (let n = 0; n < MAX_NUMBERED; n++) {
    const candidate = join(dir, numberedName(name, n))
    try {
      await link(temp, candidate)
      await unlink(temp).catch(() => {})
      return candidate
    } catch (e) {
      if (code(e) === 'EEXIST') continue
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'].includes(code(e) ?? '')) throw e
    }
    try {
      await (await open(candidate, 'wx')).close()
    } catch (e) {
      if (code(e) === 'EEXIST') continue
      throw e
    }
    await rename(temp, candidate)
    return candidate
  }
  throw new Error(`no free file name for ${name} in ${dir}`)
}

/** Writes every part to `fh`, in order, completely. */
async function writeAll(fh: FileHandle, parts: Uint8Array[]): Promise<void> {
  for (const p of parts) {
    for (let off = 0; off < p.length; ) off += (await fh.write(p, off, p.length - off)).bytesWritten
  }
}

const aborted = (signal: AbortSignal | undefined) =>
  new MediaDownloadError('the download was aborted', undefined, { cause: signal?.reason })

/**
 * Downloads the CDN file into `encrypted` while the backend verifies it (file hash and HMAC, no decryption), then
 * decrypts the authenticated file from disk into `plain`. A one-shot backend (WebCrypto) buffers the file in memory
 * and writes only its verified plaintext.
 */
async function downloadVerified(
  backend: CryptoBackend,
  keys: MediaKeyBytes,
  media: FlowMediaItem,
  limits: FetchLimits,
  encrypted: string,
  plain: string,
  onBytes?: (n: number) => void,
): Promise<void> {
  if (!backend.createMediaStream) {
    const pipeline = createMediaPipeline(backend, keys)
    await fetchMediaBody(media.cdn_url, limits, async (chunk) => {
      onBytes?.(chunk.length)
      await pipeline.push(chunk)
    })
    const fh = await open(plain, 'wx', 0o600)
    try {
      await writeAll(fh, await pipeline.end())
    } finally {
      await fh.close()
    }
    return
  }
  const verify = createMediaPipeline(backend, keys, 'verify')
  const ct = await open(encrypted, 'wx', 0o600)
  try {
    await fetchMediaBody(media.cdn_url, limits, async (chunk) => {
      onBytes?.(chunk.length)
      await verify.push(chunk)
      await writeAll(ct, [chunk])
    })
    await verify.end()
  } finally {
    await ct.close()
  }
  const decrypt = createMediaPipeline(backend, keys, 'decrypt')
  const out = await open(plain, 'wx', 0o600)
  try {
    for await (const chunk of createReadStream(encrypted, { highWaterMark: 1 << 20 })) {
      if (limits.signal?.aborted) throw aborted(limits.signal)
      await writeAll(out, await decrypt.push(chunk as Uint8Array))
    }
    await writeAll(out, await decrypt.end())
  } finally {
    await out.close()
  }
}

/**
 * Downloads, verifies and decrypts one media item into `to` (see `resolveTarget`) through hidden temp files beside
 * it: `.<name>.<random>.enc.part` (the CDN file, ciphertext) and `.<name>.<random>.part` (plaintext of the
 * authenticated file). The result is moved into place only once every check passed; on any failure or abort both
 * temp files are removed and nothing appears at the destination.
 */
export async function downloadToPath(
  backend: CryptoBackend,
  media: FlowMediaItem,
  to: string,
  limits: FetchLimits,
  onBytes?: (n: number) => void,
): Promise<string> {
  checkMediaItem(media)
  const keys = mediaKeys(media.encryption_metadata)
  if (limits.signal?.aborted) throw aborted(limits.signal)
  const target = await resolveTarget(to, media)
  const label = (target.name ?? basename(target.file!)).slice(0, 40)
  const stem = join(target.dir, `.${label}.${randomBytes(6).toString('hex')}`)
  const [encrypted, plain] = [`${stem}.enc.part`, `${stem}.part`]
  try {
    await downloadVerified(backend, keys, media, limits, encrypted, plain, onBytes)
    await unlink(encrypted).catch(() => {})
    if (target.file) {
      await rename(plain, target.file)
      return target.file
    }
    return await publishUnique(plain, target.dir, target.name!)
  } catch (e) {
    await Promise.all([unlink(encrypted).catch(() => {}), unlink(plain).catch(() => {})])
    throw e
  }
}
