// Node-only: downloads into a temp file beside the destination and publishes it only after every check passed.
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'

import type { CryptoBackend } from '../backend/contract.js'
import type { FlowMediaItem } from '../protocol.js'
import { checkMediaItem } from './core.js'
import { fetchMediaBody, type FetchLimits } from './fetch.js'
import { decodeMediaMetadata } from './metadata.js'
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
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => undefined)
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

/**
 * Streams the CDN file through the decryptor into `<dir>/.<name>.<random>.part`, then, once every check passed,
 * moves it to its destination. On any failure the temp file is removed and nothing appears at the destination.
 */
export async function downloadToPath(
  backend: CryptoBackend,
  media: FlowMediaItem,
  to: string,
  limits: FetchLimits,
  onBytes?: (n: number) => void,
): Promise<string> {
  checkMediaItem(media)
  const pipeline = createMediaPipeline(backend, decodeMediaMetadata(media.encryption_metadata))
  const target = await resolveTarget(to, media)
  const label = (target.name ?? basename(target.file!)).slice(0, 40)
  const temp = join(target.dir, `.${label}.${randomBytes(6).toString('hex')}.part`)
  let fh: FileHandle | undefined = await open(temp, 'wx', 0o600)
  try {
    const write = async (parts: Uint8Array[]) => {
      for (const p of parts) {
        for (let off = 0; off < p.length; ) off += (await fh!.write(p, off, p.length - off)).bytesWritten
      }
    }
    await fetchMediaBody(media.cdn_url, limits, async (chunk) => {
      onBytes?.(chunk.length)
      await write(await pipeline.push(chunk))
    })
    await write(await pipeline.end())
    await fh.close()
    fh = undefined
    if (target.file) {
      await rename(temp, target.file)
      return target.file
    }
    return await publishUnique(temp, target.dir, target.name!)
  } catch (e) {
    await fh?.close().catch(() => {})
    await unlink(temp).catch(() => {})
    throw e
  }
}
