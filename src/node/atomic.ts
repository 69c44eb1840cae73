/// <reference types="node" />
/**
 * Atomic file replacement: write a temporary file in the same directory,
 * flush it to disk, then rename it over the target. A rename within one
 * file system is atomic, so readers see the old file or the new one, never
 * a mix; on any failure the temporary file is removed and the old file is
 * left as it was. The file system is a parameter so tests can make any step
 * fail.
 *
 * A process killed mid-write leaves its temporary file behind. Each one is
 * named `.<name>.<pid>.<host>.<random>.tmp` (the writer's process id, and
 * the CRC-32C of its host name in hex), and every write first removes the
 * stale temporary files of its own target: those of this host whose process
 * is gone, and those carrying this process's own id that this process is not
 * writing now (left by an earlier process that had the same id). Temporary
 * files of live processes (a save under way), of other targets and of other
 * hosts (a shared file system) are never touched.
 * @internal
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { crc32c, crcHex } from '../io/crc32c.js'

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
  readdir(path: string): Promise<readonly string[]>
}

/** The real file system. @internal */
export const nodeFs: AtomicFs = {
  open: (path, flags, mode) => fs.open(path, flags, mode),
  rename: (from, to) => fs.rename(from, to),
  unlink: (path) => fs.unlink(path),
  readdir: (path) => fs.readdir(path),
}

/** This host, as it appears in temporary file names. */
const HOST = crcHex(crc32c(new TextEncoder().encode(hostname())))

/** The temporary files this process is writing now. */
const writing = new Set<string>()

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Whether process `pid` of this host is gone: only "no such process" says so (another user's process, EPERM, is alive). */
const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as { readonly code?: unknown }).code === 'ESRCH'
  }
}

/**
 * Removes the temporary files that earlier writes of `path` left behind when
 * their process died (see the module comment for which ones); best effort,
 * never fails. @internal
 */
export const removeStaleTemporaries = async (path: string, fsys: AtomicFs = nodeFs): Promise<void> => {
  const dir = dirname(path)
  const ours = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.${HOST}\\.[0-9a-f]{12}\\.tmp$`)
  let names: readonly string[]
  try {
    names = await fsys.readdir(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = ours.exec(name)
    if (m === null) continue
    const pid = Number(m[1])
    if (pid <= 0 || pid > 0x7fffffff) continue
    const tmp = join(dir, name)
    const stale = pid === process.pid ? !writing.has(tmp) : gone(pid)
    if (stale) await fsys.unlink(tmp).catch(() => undefined)
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Writes `bytes` to `path` atomically; resolves to undefined on success or
 * to the error (its message says which step failed). Never rejects.
 * @internal
 */
export const writeAtomic = async (path: string, bytes: Uint8Array, fsys: AtomicFs = nodeFs): Promise<Error | undefined> => {
  const dir = dirname(path)
  await removeStaleTemporaries(path, fsys)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${HOST}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: AtomicHandle | undefined
  let step = `create the temporary file ${tmp}`
  writing.add(tmp)
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
  } finally {
    writing.delete(tmp)
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
