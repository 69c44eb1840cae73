/**
 * The WebAssembly backend against independent definitions and the reference
 * backend: matmul against sequential sums written out here, elementwise ops
 * and random draws against the JavaScript backend bit for bit, every result
 * the same bits on 1, 2 and 3 threads, and the memory's residency (outputs
 * that live only in the WebAssembly memory, evicted under pressure) never
 * changing a value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { on, sameBits } from './switch.js'
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import {
  type Tensor, add, div, equal, fromTypedArray, getBackend, greater, greaterEqual, less, lessEqual, matmul, maximum, minimum, mul, neg, abs, sqrt, relu,
  notEqual, random, setBackend, setThreads, sub, sum, max, min, vmap, where,
} from '../../src/index.js'

const before = getBackend()
const wasmAvailable = before.simd



/** Deterministic values with every kind of float32 the kernels can meet. */
const values = (n: number, seed: number, dtype: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array => {
  const specials = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-40, 3.5, -2.25, 1e30, 2 ** -149]
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) % 5 === 0 ? specials[(i * 13 + seed) % specials.length]! : Math.sin(i * 1.7 + seed) * 10
  return out
}

const smooth = (n: number, seed: number, dtype: 'float32' | 'float64'): Float32Array | Float64Array => {
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed * 1.3) + Math.cos(i * 0.11 * seed)
  return out
}

/** C[i,j] = ((0 + a₀b₀) + a₁b₁) + … in order of k, each step rounded to the dtype: the order the kernel promises. */
const sequential = (a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, ta: boolean, tb: boolean, f32: boolean): Float64Array => {
  const r = f32 ? Math.fround : (x: number) => x
  const c = new Float64Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s = r(s + r(a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!))
      c[i * n + j] = s
    }
  }
  return c
}

describe.runIf(wasmAvailable)('the WebAssembly backend', () => {
  beforeAll(() => {
    expect(getBackend().simd).toBe(true)
  })
  afterAll(() => {
    setBackend(before.name)
    setThreads(before.threads)
  })

  it('multiplies matrices in the promised summation order, the same bits on 1, 2 and 3 threads', () => {
    // Sizes cross the micro-tile (4 rows, 8 or 4 columns), KC = 256, MC = 64 and NC = 512.
    const dims = fc.constantFrom(1, 3, 4, 5, 8, 9, 63, 65, 257)
    fc.assert(fc.property(fc.record({ m: dims, k: fc.constantFrom(1, 2, 7, 256, 300), n: fc.constantFrom(1, 7, 8, 9, 17, 513), ta: fc.boolean(), tb: fc.boolean(), f32: fc.boolean() }), ({ m, k, n, ta, tb, f32 }) => {
      const dtype = f32 ? 'float32' : 'float64'
      const a = smooth(m * k, 1, dtype)
      const b = smooth(k * n, 2, dtype)
      const A = fromTypedArray(a, ta ? [k, m] : [m, k])
      const B = fromTypedArray(b, tb ? [n, k] : [k, n])
      const want = sequential(a, b, m, k, n, ta, tb, f32)
      const got = [1, 2, 3].map((t) => on('wasm', t, () => matmul(A, B, { transposeA: ta, transposeB: tb }).toTypedArray()))
      expect(sameBits(got[0]!, f32 ? Float32Array.from(want) : want)).toBe(true)
      expect(sameBits(got[1]!, got[0]!) && sameBits(got[2]!, got[0]!)).toBe(true)
    }), { numRuns: 60 })
  })

  it('float64 matmul equals the reference backend bit for bit; float32 within the bound of two summation orders', () => {
    for (const [m, k, n] of [[33, 300, 70], [128, 64, 10], [5, 1000, 3]] as const) {
      for (const dtype of ['float32', 'float64'] as const) {
        const A = fromTypedArray(smooth(m * k, 3, dtype), [m, k])
        const B = fromTypedArray(smooth(k * n, 4, dtype), [k, n])
        const w = on('wasm', 1, () => matmul(A, B).toTypedArray())
        const j = on('js', 1, () => matmul(A, B).toTypedArray())
        if (dtype === 'float64') expect(sameBits(w, j)).toBe(true)
        else {
          // |Σ in float32 − Σ in doubles| ≤ (k + 1)·2⁻²⁴·Σ|aᵢbᵢ| (Higham §3.1, one more rounding for the reference's).
          const absA = A.toTypedArray().map(Math.abs), absB = B.toTypedArray().map(Math.abs)
          const bound = sequential(absA, absB, m, k, n, false, false, false)
          for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - j[i]!)).toBeLessThanOrEqual((k + 1) * 2 ** -24 * bound[i]!)
        }
      }
    }
  })

  it('batched matmul with broadcast batches equals the loop over the batch', () => {
    const a = fromTypedArray(smooth(3 * 5 * 7, 5, 'float32'), [3, 1, 5, 7])
    const b = fromTypedArray(smooth(2 * 7 * 9, 6, 'float32'), [2, 7, 9])
    const got = on('wasm', 2, () => matmul(a, b).toTypedArray())
    const av = a.toTypedArray(), bv = b.toTypedArray()
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        const want = Float32Array.from(sequential(av.subarray(i * 35, (i + 1) * 35), bv.subarray(j * 63, (j + 1) * 63), 5, 7, 9, false, false, true))
        expect(sameBits(got.subarray((i * 2 + j) * 45, (i * 2 + j + 1) * 45), want)).toBe(true)
      }
    }
  })

  it('elementwise ops give the reference backend\'s bits, specials and every broadcast included', () => {
    const ops: readonly [string, (x: Tensor, y: Tensor) => Tensor][] = [
      ['add', add], ['sub', sub], ['mul', mul], ['div', div], ['maximum', maximum], ['minimum', minimum],
      ['less', less], ['lessEqual', lessEqual], ['greater', greater], ['greaterEqual', greaterEqual], ['equal', equal], ['notEqual', notEqual],
    ]
    const shapes: readonly [readonly number[], readonly number[]][] = [
      [[257], [257]], [[], [300]], [[300], []], [[33, 70], [70]], [[70], [33, 70]], [[33, 70], [33, 1]], [[33, 1], [33, 70]], [[5, 1, 70], [1, 33, 70]], [[4, 33, 70], [4, 33, 70]],
    ]
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [sa, sb] of shapes) {
        const x = fromTypedArray(values(sa.reduce((p, d) => p * d, 1), 1, dtype), sa)
        const y = fromTypedArray(values(sb.reduce((p, d) => p * d, 1), 2, dtype), sb)
        for (const [name, op] of ops) {
          const want = on('js', 1, () => op(x, y).toTypedArray())
          for (const t of [1, 2]) expect(sameBits(on('wasm', t, () => op(x, y).toTypedArray()), want), `${name} ${dtype} [${sa.join(',')}] [${sb.join(',')}] on ${t} threads`).toBe(true)
        }
      }
      const x = fromTypedArray(values(1001, 3, dtype))
      for (const [name, op] of [['neg', neg], ['abs', abs], ['sqrt', sqrt], ['relu', relu]] as const) {
        const want = on('js', 1, () => op(x).toTypedArray())
        for (const t of [1, 2]) expect(sameBits(on('wasm', t, () => op(x).toTypedArray()), want), `${name} ${dtype} on ${t} threads`).toBe(true)
      }
    }
  })

  it('random draws and dropout masks give the reference backend\'s bits on any thread count', () => {
    const k = random.key(20261201)
    for (const n of [1, 63, 64, 65, 1000, 128 * 1024 + 3]) {
      const draws = (): readonly Float32Array[] | readonly ArrayLike<number>[] => [
        random.bits(k, [n]).data,
        random.uniform(k, [n]).toTypedArray(),
        random.uniform(k, [n], { minval: -2, maxval: 3.5 }).toTypedArray(),
        random.normal(k, [n]).toTypedArray(),
        random.bernoulli(k, 0.8, [n]).toTypedArray(),
        random.bernoulli(k, 0.3, [n]).toTypedArray(),
        random.bernoulli(k, 0, [n]).toTypedArray(),
        random.bernoulli(k, 1, [n]).toTypedArray(),
        vmap((kk: random.Key) => random.bernoulli(kk, 0.5, [n]))(random.split(k, 3)).toTypedArray(),
      ]
      const want = on('js', 1, draws)
      for (const t of [1, 2, 3]) on('wasm', t, draws).forEach((d, i) => { expect(sameBits(d, want[i]!), `draw ${i} of ${n} on ${t} threads`).toBe(true); })
    }
  })

  it('splits kernels over the worker threads when it has them', () => {
    const w = (setBackend('wasm'), backend() as WasmBackend)
    setBackend(before.name)
    if (w.maxThreads < 2) return
    const runs = w.parallelRuns()
    on('wasm', 2, () => matmul(fromTypedArray(smooth(64 * 64, 1, 'float32'), [64, 64]), fromTypedArray(smooth(64 * 64, 2, 'float32'), [64, 64])).toTypedArray())
    expect(w.parallelRuns()).toBeGreaterThan(runs)
  })

  it('keeps every value through evictions: many outputs alive at once, far more than the memory holds', () => {
    // 48 outputs of 4 MiB live at once, three times the arena: most are evicted (copied out) while alive.
    const n = 1 << 20
    const base = fromTypedArray(smooth(n, 7, 'float32'))
    const outs = on('wasm', 1, () => Array.from({ length: 48 }, (_, i) => mul(base, i + 1)))
    const bytes = on('wasm', 1, () => (backend() as WasmBackend).memoryBytes())
    const b = base.toTypedArray()
    outs.forEach((o, i) => {
      const v = o.toTypedArray()
      for (let j = 0; j < n; j += 4099) expect(v[j]).toBe(Math.fround(b[j]! * (i + 1)))
    })
    // Reading back and computing more never grows the memory past what one kernel's working set asked for.
    const total = on('wasm', 1, () => sum(outs.reduce((acc, o) => add(acc, o))).item())
    expect(Number.isFinite(total)).toBe(true)
    expect(on('wasm', 1, () => (backend() as WasmBackend).memoryBytes())).toBe(bytes)
  })
})

describe.runIf(wasmAvailable)('the WebAssembly backend, where and reductions', () => {
  it('where gives the reference backend\'s bits for every broadcast of condition, then and else', () => {
    const shapes: readonly (readonly number[])[][] = [
      [[300], [300], [300]], [[33, 70], [33, 70], []], [[1, 70], [33, 70], [33, 70]], [[33, 70], [], [33, 70]], [[33, 1], [33, 70], [70]], [[], [33, 70], [33, 70]],
    ]
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [sc, sa, sb] of shapes) {
        const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1)
        const c = less(fromTypedArray(values(size(sc!), 5, dtype), sc), 0)
        const a = fromTypedArray(values(size(sa!), 6, dtype), sa)
        const b = fromTypedArray(values(size(sb!), 7, dtype), sb)
        const want = on('js', 1, () => where(c, a, b).toTypedArray())
        for (const t of [1, 2]) expect(sameBits(on('wasm', t, () => where(c, a, b).toTypedArray()), want), `where ${dtype} ${JSON.stringify([sc, sa, sb])} on ${t} threads`).toBe(true)
      }
    }
  })

  it('sum, max and min over leading, middle or last axes give the reference backend\'s bits', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [shape, axis] of [[[784, 1024], 0], [[3, 50, 7], 1], [[5, 6, 9], [0, 1]], [[129, 3], 0], [[784, 1024], 1], [[128, 10], 1], [[7, 9, 33], [1, 2]]] as const) {
        const x = fromTypedArray(values(shape.reduce((p: number, d: number) => p * d, 1), 8, dtype), shape)
        for (const [name, op] of [['sum', sum], ['max', max], ['min', min]] as const) {
          const want = on('js', 1, () => op(x, { axis }).toTypedArray())
          expect(sameBits(on('wasm', 1, () => op(x, { axis }).toTypedArray()), want), `${name} ${dtype} [${shape.join(',')}] axis ${String(axis)}`).toBe(true)
        }
      }
    }
  })
})
