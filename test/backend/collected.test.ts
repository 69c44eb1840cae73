/**
 * Dead tensors are not copied out of the WebAssembly memory: a region never
 * references its buffer, and a finalizer marks a collected buffer's region so
 * that its eviction copies nothing. Needs a forced collection, so it runs a
 * fixture in a child process started with `--expose-gc`.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { hasSimd } from '../../src/backend/wasm/index.js'

const fixture = fileURLToPath(new URL('./fixtures/collected.ts', import.meta.url))
const run = (mode: 'hold' | 'drop'): { copiedOut: number; ok: boolean } =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, mode], { encoding: 'utf8' }).trim()) as { copiedOut: number; ok: boolean }

// The fixture picks the wasm backend itself: run it in one project only.
describe.runIf(hasSimd() && process.env.GRAD_TS_THREADS === '1')('wasm heap and the collector', () => {
  it('copies out the held outputs an eviction overwrites, with their values, and none of the six collected ones', () => {
    const hold = run('hold')
    const drop = run('drop')
    expect(hold.ok && drop.ok).toBe(true)
    expect(hold.copiedOut).toBeGreaterThanOrEqual(13) // x and the twelve outputs
    expect(hold.copiedOut - drop.copiedOut).toBe(6)
  }, 60_000)
})
