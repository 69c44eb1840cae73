/**
 * grad-ts/node removes the temporary files of saves whose process died
 * (SIGKILL mid-save), and only those: not another path's, not a live
 * process's, not a save still running in this process.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { tensor, zeros } from '../../src/index.js'
import * as io from '../../src/io/index.js'
import { type AtomicFs, nodeFs, writeAtomic } from '../../src/node/atomic.js'
import { loadCheckpoint, saveCheckpoint } from '../../src/node/index.js'

const writer = fileURLToPath(new URL('./fixtures/paused-writer.ts', import.meta.url))
const freshDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'grad-ts-stale-'))
const TEMP = /^\.model\.safetensors\.(\d+)\.([0-9a-f]{8})\.[0-9a-f]{12}\.tmp$/

/** Starts a writer process on `path` and resolves once it has paused mid-save, with the temporary file it is writing. */
const startWriter = async (path: string, size: number): Promise<{ readonly child: ChildProcess; readonly tmp: string }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const tmp = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /^paused (.+)\n/.exec(out)
      if (m !== null) resolve(m[1]!)
    })
    child.on('exit', (code) => { reject(new Error(`the writer exited (${String(code)}) before pausing: ${out}`)) })
  })
  return { child, tmp }
}

const checkpoint = (x: number): Uint8Array => io.encodeCheckpoint({ w: tensor([x, x]) }, { step: x })

const loadsAs = async (path: string, x: number): Promise<void> => {
  const bytes = await loadCheckpoint(path)
  if (bytes._tag === 'Left') throw bytes.left
  const ck = io.decodeCheckpoint({ w: zeros([2]) }, bytes.right)
  if (ck._tag === 'Left') throw ck.left
  expect(ck.right.step).toBe(x)
  expect(Array.from(ck.right.params.w.toTypedArray())).toEqual([x, x])
}

describe('stale temporary files', () => {
  test('a save SIGKILLed mid-write leaves its temporary file; the next save of that path removes it, and only it', async () => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    const size = 8 << 20
    const { child, tmp } = await startWriter(path, size)
    try {
      expect(dirname(tmp)).toBe(dir)
      const m = TEMP.exec(basename(tmp))
      expect(m?.[1]).toBe(String(child.pid))
      expect((await stat(tmp)).size).toBe(size >> 1)

      // While the writer lives, its temporary file is a save under way: left alone.
      expect((await saveCheckpoint(path, checkpoint(1)))._tag).toBe('Right')
      expect(await readdir(dir)).toContain(basename(tmp))

      child.kill('SIGKILL')
      await once(child, 'exit')
      expect(child.signalCode).toBe('SIGKILL')
      expect(await readdir(dir)).toContain(basename(tmp)) // the kill left it behind

      // A dead writer's temporary file of another path is not this save's to remove.
      const otherPath = `.other.safetensors.${child.pid!}.${m![2]!}.0123456789ab.tmp`
      await writeFile(join(dir, otherPath), 'x')

      expect((await saveCheckpoint(path, checkpoint(2)))._tag).toBe('Right')
      expect((await readdir(dir)).sort()).toEqual([otherPath, 'model.safetensors'].sort())
      await loadsAs(path, 2)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })

  test('a temporary file with this process id that this process is not writing is stale (an earlier process had the id)', async () => {
    const dir = await freshDir()
    const path = join(dir, 'model.safetensors')
    expect((await saveCheckpoint(path, checkpoint(1)))._tag).toBe('Right')
    // Learn this host's tag from a temporary file that a paused save of our own shows.
    let release: () => void = () => undefined
    let paused: (name: string) => void = () => undefined
    const seen = new Promise<string>((resolve) => { paused = resolve })
    const pausing: AtomicFs = {
      ...nodeFs,
      open: async (p, flags, mode) => {
        const h = await nodeFs.open(p, flags, mode)
        if (flags === 'r') return h
        return {
          writeFile: async (data) => {
            paused(p)
            await new Promise<void>((resolve) => { release = resolve })
            await h.writeFile(data)
          },
          sync: () => h.sync(),
          close: () => h.close(),
        }
      },
    }
    const first = writeAtomic(path, checkpoint(3), pausing)
    const running = basename(await seen)
    const host = TEMP.exec(running)![2]!
    expect(TEMP.exec(running)![1]).toBe(String(process.pid))

    const leftover = `.model.safetensors.${process.pid}.${host}.aaaaaaaaaaaa.tmp`
    await writeFile(join(dir, leftover), 'left by an earlier process with this id')
    // A second save of the same path while the first is still writing: the
    // first's temporary file survives, the leftover does not.
    expect((await saveCheckpoint(path, checkpoint(2)))._tag).toBe('Right')
    expect((await readdir(dir)).sort()).toEqual([running, 'model.safetensors'].sort())
    await loadsAs(path, 2)

    release()
    expect(await first).toBeUndefined()
    expect(await readdir(dir)).toEqual(['model.safetensors'])
    await loadsAs(path, 3)
    expect((await readFile(path)).length).toBe(checkpoint(3).length)
  })
})
