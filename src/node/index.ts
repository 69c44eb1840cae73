/// <reference types="node" />
/**
 * grad-ts/node — the Node-only entry: checkpoint files. The rest of grad-ts
 * is browser-safe and works on bytes (`io.safetensors.encode`,
 * `io.encodeCheckpoint`); this entry moves those bytes to and from disk.
 */
import * as E from 'fp-ts/lib/Either.js'
import { readFile } from 'node:fs/promises'
import { writeAtomic } from './atomic.js'

/**
 * Writes checkpoint bytes to `path` atomically (a temporary file in the same
 * directory, flushed to disk, then renamed over `path`), so a crash or error
 * never leaves a half-written checkpoint: on failure `path` keeps its old
 * contents and no temporary file remains. A process killed mid-save does
 * leave its temporary file (`.<name>.<pid>.<host>.<random>.tmp`); the next
 * save of `path` removes it once that process is gone, and never touches
 * the temporary files of other paths or of saves still running. Never
 * rejects.
 *
 * @example
 * import { io, tensor } from 'grad-ts'
 * import { saveCheckpoint, loadCheckpoint } from 'grad-ts/node'
 * import { mkdtempSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const path = join(mkdtempSync(join(tmpdir(), 'grad-ts-')), 'model.safetensors')
 * const saved = await saveCheckpoint(path, io.safetensors.encode({ w: tensor([1, 2]) }))
 * const loaded = await loadCheckpoint(path)
 * console.assert(saved._tag === 'Right' && loaded._tag === 'Right' && io.safetensors.decode(loaded.right)._tag === 'Right')
 * @since 0.1.0
 */
export const saveCheckpoint = async (path: string, bytes: Uint8Array): Promise<E.Either<Error, void>> => {
  if (!(bytes instanceof Uint8Array)) return E.left(new Error(`saveCheckpoint: expected the bytes as a Uint8Array; ${path} was not changed`))
  const err = await writeAtomic(path, bytes)
  return err === undefined ? E.right(undefined) : E.left(err)
}

/**
 * Reads checkpoint bytes from `path`, for `io.safetensors.decode`,
 * `io.safetensors.decodeTree` or `io.decodeCheckpoint`. A missing or
 * unreadable file is a `Left` with a clear message. Never rejects.
 *
 * @example
 * import { loadCheckpoint } from 'grad-ts/node'
 * const r = await loadCheckpoint('/no/such/file.safetensors')
 * console.assert(r._tag === 'Left' && r.left.message.includes('no file'))
 * @since 0.1.0
 */
export const loadCheckpoint = async (path: string): Promise<E.Either<Error, Uint8Array>> => {
  try {
    const buf = await readFile(path)
    return E.right(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
  } catch (err) {
    const code = (err as { readonly code?: unknown }).code
    const why = code === 'ENOENT' ? 'there is no file at' : code === 'EISDIR' ? 'it is a directory:' : code === 'EACCES' ? 'permission denied for' : 'could not read'
    const detail = err instanceof Error ? err.message : String(err)
    return E.left(new Error(`loadCheckpoint: ${why} ${path} (${detail})`, { cause: err }))
  }
}
