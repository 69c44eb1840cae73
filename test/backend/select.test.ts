/**
 * How a process picks its backend: the environment's choice, WebAssembly SIMD
 * where it exists, and the JavaScript backend — said once — where it does not.
 * Each case imports the selection module afresh, so its one-time state starts clean.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

const fresh = async () => {
  vi.resetModules()
  return import('../../src/backend/index.js')
}

afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('choosing the backend', () => {
  it('runs the JavaScript backend where WebAssembly SIMD is missing, and says so once', async () => {
    vi.stubEnv('GRAD_TS_BACKEND', '')
    delete process.env.GRAD_TS_BACKEND
    // A platform whose WebAssembly rejects every v128 module.
    vi.stubGlobal('WebAssembly', { ...WebAssembly, validate: () => false })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const m = await fresh()
    expect(m.defaultBackend().name).toBe('js')
    expect(m.defaultBackend().name).toBe('js')
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toContain('WebAssembly SIMD is not available')
    expect(() => { m.setBackend('wasm'); }).toThrow("setBackend: 'wasm' needs WebAssembly SIMD")
  })

  it('takes GRAD_TS_BACKEND and GRAD_TS_THREADS, and names them when they are wrong', async () => {
    vi.stubEnv('GRAD_TS_BACKEND', 'js')
    expect((await fresh()).defaultBackend().name).toBe('js')
    vi.stubEnv('GRAD_TS_BACKEND', 'gpu')
    await expect(fresh().then((m) => m.defaultBackend())).rejects.toThrow('GRAD_TS_BACKEND must be \'js\' or \'wasm\', got "gpu"')
    vi.stubEnv('GRAD_TS_BACKEND', 'wasm')
    vi.stubEnv('GRAD_TS_THREADS', '0')
    await expect(fresh().then((m) => m.defaultBackend())).rejects.toThrow('GRAD_TS_THREADS ("0") must be a positive integer')
    vi.stubEnv('GRAD_TS_THREADS', '1')
    const m = await fresh()
    expect(m.defaultBackend().name).toBe('wasm')
  })

  it('rejects a bad backend name or thread count with the function and the value', async () => {
    const m = await fresh()
    expect(() => { m.setBackend('gpu' as never); }).toThrow('setBackend: name must be \'js\' or \'wasm\', got "gpu"')
    expect(() => { m.setThreads(0); }).toThrow('setThreads: n must be a positive integer, got 0')
    expect(() => { m.setThreads(1.5); }).toThrow('setThreads: n must be a positive integer, got 1.5')
  })
})
