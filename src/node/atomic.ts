/// <reference types="node" />
/**
 * Atomic file replacement: write a temporary file in the same directory,
 * flush it to disk, then rename it over the target. A rename within one
 * file system is atomic, so readers see the old file or the new one, never
 * a mix; on any failure the temporary file is removed and the old file is
 * left as it was. The file system is a parameter so tests can make any step
 * fail.
 * @internal
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** The file-handle operations the atomic write uses. @internal */
export interface AtomicHandle {
  writeFile(data: Uint8Array): Promise<void>
  sync(): Promise<void>
  close(): Promise<void>
}

/** The file-system operations the atomic write uses. @internal */
export interface AtomicFs {
  open(path: string, flags: string, mode?: number): Promise<AtomicHandle>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
}

/** The real file system. @internal */
export const nodeFs: AtomicFs = {
  open: (path, flags, mode) => fs.open(path, flags, mode),
  rename: (from, to) => fs.rename(from, to),
  unlink: (path) => fs.unlink(path),
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Writes `bytes` to `path` atomically; resolves to undefined on success or
 * to the error (its message says which step failed). Never rejects.
 * @internal
 */
export const writeAtomic = async (path: string, bytes: Uint8Array, fsys: AtomicFs = nodeFs): Promise<Error | undefined> => {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: AtomicHandle | undefined
  let step = `create the temporary file ${tmp}`
  try {
    handle = await fsys.open(tmp, 'wx', 0o644)
    step = `write ${tmp}`
    await handle.writeFile(bytes)
    step = `flush ${tmp} to disk`
    await handle.sync()
    const h = handle
    handle = undefined
    step = `close ${tmp}`
    await h.close()
    step = `rename ${tmp} to ${path}`
    await fsys.rename(tmp, path)
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined)
    if (!step.startsWith('create')) await fsys.unlink(tmp).catch(() => undefined)
    return new Error(`saveCheckpoint: could not ${step}: ${reason(err)}; ${path} was not changed`, { cause: err })
  }
  // Make the rename itself durable; some platforms cannot open a directory, which is harmless.
  try {
    const d = await fsys.open(dir, 'r')
    await d.sync().finally(() => d.close())
  } catch {
    // The new file is in place either way.
  }
  return undefined
}
