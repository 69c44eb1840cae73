import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { tensor, zeros } from '../../src/index.js'
import * as io from '../../src/io/index.js'
import { loadCheckpoint, saveCheckpoint } from '../../src/node/index.js'
import { type AtomicFs, nodeFs, writeAtomic } from '../../src/node/atomic.js'

const freshDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'grad-ts-io-'))

/** The real file system with one step made to fail. */
const failing = (step: 'write' | 'sync' | 'rename'): AtomicFs => ({
  ...nodeFs,
  open: async (path, flags, mode) => {
    const h = await nodeFs.open(path, flags, mode)
    if (flags === 'r') return h
    return {
      writeFile: async (data) => {
        if (step === 'write') {
          await h.writeFile(data.subarray(0, data.length >> 1))
          throw new Error('ENOSPC: no space left on device')
        }
        await h.writeFile(data)
      },
      sync: async () => {
        if (step === 'sync') throw new Error('EIO: i/o error')
        await h.sync()
      },
      close: () => h.close(),
    }
  },
  rename: async (from, to) => {
    if (step === 'rename') throw new Error('EXDEV: cross-device link not permitted')
    await nodeFs.rename(from, to)
  },
})

describe('saveCheckpoint and loadCheckpoint', () => {
  test('save then load is bit-exact and leaves no temporary file', async () => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    const params = { w: tensor([[1, -0], [NaN, 3]], 'float64'), b: tensor([1, 2], 'int32') }
    const bytes = io.safetensors.encode(params)
    expect(await saveCheckpoint(path, bytes)).toEqual({ _tag: 'Right', right: undefined })
    expect(await readdir(dir)).toEqual(['model.safetensors'])
    const loaded = await loadCheckpoint(path)
    if (loaded._tag === 'Left') throw loaded.left
    expect(loaded.right).toEqual(bytes)
    const r = io.safetensors.decodeTree({ w: zeros([2, 2], 'float64'), b: zeros([2], 'int32') }, loaded.right, { allowNonFinite: true })
    if (r._tag === 'Left') throw r.left
    expect(Object.is(r.right.w.toTypedArray()[1], -0)).toBe(true)
  })

  test('saving replaces an existing file', async () => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    await writeFile(path, 'old')
    expect((await saveCheckpoint(path, new Uint8Array([1, 2, 3])))._tag).toBe('Right')
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3])
    expect(await readdir(dir)).toEqual(['model.safetensors'])
  })

  test.each(['write', 'sync', 'rename'] as const)('a failure at %s leaves the old file intact and no temporary file', async (step) => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    await writeFile(path, 'old contents')
    const err = await writeAtomic(path, new Uint8Array(1024).fill(7), failing(step))
    expect(err?.message).toMatch(new RegExp(`^saveCheckpoint: could not ${step === 'sync' ? 'flush' : step} .*; ${path} was not changed$`))
    expect(await readFile(path, 'utf8')).toBe('old contents')
    expect(await readdir(dir)).toEqual(['model.safetensors'])
  })

  test('a real rename failure (the target is a directory) changes nothing', async () => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    await mkdir(path)
    await writeFile(join(path, 'keep'), 'x')
    const r = await saveCheckpoint(path, new Uint8Array([1]))
    expect(r._tag === 'Left' && r.left.message.startsWith(`saveCheckpoint: could not rename`)).toBe(true)
    expect(await readdir(dir)).toEqual(['model.safetensors'])
    expect(await readdir(path)).toEqual(['keep'])
  })

  test('a missing directory is a clear error', async () => {
    const r = await saveCheckpoint(join(await freshDir(), 'no', 'such', 'model.safetensors'), new Uint8Array([1]))
    expect(r._tag === 'Left' && r.left.message).toMatch(/^saveCheckpoint: could not create the temporary file .* ENOENT/)
  })

  test('bytes that are not a Uint8Array are refused before touching the disk', async () => {
    const dir = await freshDir()
    const r = await saveCheckpoint(join(dir, 'x'), [1, 2] as unknown as Uint8Array)
    expect(r._tag).toBe('Left')
    expect(await readdir(dir)).toEqual([])
  })

  test('loading a missing file or a directory is a clear error', async () => {
    const dir = await freshDir()
    const missing = await loadCheckpoint(join(dir, 'nope.safetensors'))
    expect(missing._tag === 'Left' && missing.left.message).toMatch(/^loadCheckpoint: there is no file at .*nope\.safetensors/)
    const isDir = await loadCheckpoint(dir)
    expect(isDir._tag === 'Left' && isDir.left.message).toMatch(/^loadCheckpoint: it is a directory:/)
  })
})
