/**
 * The WebAssembly reductions (sum, max, min over any axes) against a
 * sequential definition written out here and against the reference backend,
 * bit for bit: float32 and float64, NaN, ±0, ±∞ and subnormals, empty and
 * size-1 axes, odd sizes around every vector and block width, on 1, 2 and 3
 * threads with every kernel split however small.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { on, sameBits } from './switch.js'
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import { type Tensor, fromTypedArray, getBackend, max, min, setBackend, setThreads, sum } from '../../src/index.js'

const before = getBackend()
type DT = 'float32' | 'float64'
type Op = 'sum' | 'max' | 'min'
const OPS = { sum, max, min } as const



const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1e-40, 2 ** -149, 3e38, -3e38, 1, -1]

/** Values of a dtype, about one in `every` a special (none when `every` is 0). */
const values = (n: number, seed: number, dtype: DT, every: number): Float32Array | Float64Array => {
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  let s = (seed * 2654435761) >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = every > 0 && s % every === 0 ? SPECIALS[(s >>> 8) % SPECIALS.length]! : (s / 2 ** 32 - 0.5) * 2 ** ((s >>> 4) % 24 - 8)
  }
  return out
}

/**
 * The definition: each output takes its elements in row-major order of the
 * reduced axes; a sum is `((0 + x₀) + x₁) + …` in doubles, rounded once to the
 * dtype; a maximum starts at −∞ and takes `x` when `x > m`, and the first NaN.
 */
const definition = (op: Op, x: ArrayLike<number>, shape: readonly number[], axes: readonly number[], dtype: DT): Float32Array | Float64Array => {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i))
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1))
  const size = (ax: readonly number[]): number => ax.reduce((p, a) => p * shape[a]!, 1)
  const n = size(keep)
  const R = size(axes)
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  /** The flat offset of the `k`-th index, row-major, over the axes `ax`. */
  const offset = (ax: readonly number[], k: number): number => {
    let off = 0
    for (let j = ax.length - 1; j >= 0; j--) {
      const d = shape[ax[j]!]!
      off += (k % d) * strides[ax[j]!]!
      k = Math.floor(k / d)
    }
    return off
  }
  for (let o = 0; o < n; o++) {
    const base = offset(keep, o)
    let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity
    for (let r = 0; r < R; r++) {
      const v = x[base + offset(axes, r)]!
      if (op === 'sum') acc += v
      else if (v !== v) {
        acc = v
        break
      } else if (op === 'max' ? v > acc : v < acc) acc = v
    }
    out[o] = acc
  }
  return out
}

const reduce = (op: Op, x: Tensor, axes: readonly number[]): Float32Array | Float64Array => OPS[op](x, { axis: [...axes] }).toTypedArray() as Float32Array | Float64Array

interface Case { readonly op: Op; readonly shape: readonly number[]; readonly axes: readonly number[]; readonly dtype: DT; readonly seed: number; readonly every: number }

const SETTINGS = [['js', 1], ['wasm', 1], ['wasm', 2], ['wasm', 3]] as const

/** The cases whose result differs from the definition's bits, on each backend and thread count in turn (so the pool starts once per count). */
const failures = (cases: readonly Case[]): string[] => {
  const data = cases.map((c) => values(c.shape.reduce((p, d) => p * d, 1), c.seed, c.dtype, c.every))
  const wants = cases.map((c, i) => definition(c.op, data[i]!, c.shape, c.axes, c.dtype))
  const out: string[] = []
  for (const [name, threads] of SETTINGS) {
    on(name, threads, () => {
      cases.forEach((c, i) => {
        const got = reduce(c.op, fromTypedArray(data[i]!, c.shape), c.axes)
        if (!sameBits(got, wants[i]!)) out.push(`${c.op} ${c.dtype} [${c.shape.join(',')}] axes [${c.axes.join(',')}] seed ${c.seed} on ${name} with ${threads} threads`)
      })
    })
  }
  return out
}

/** Every non-empty set of axes of a rank, sorted. */
const axisSets = (rank: number): number[][] =>
  Array.from({ length: (1 << rank) - 1 }, (_, m) => Array.from({ length: rank }, (_, i) => i).filter((i) => ((m + 1) >> i) & 1))

describe.runIf(before.simd)('WebAssembly reductions', () => {
  afterAll(() => {
    setBackend(before.name)
    setThreads(before.threads)
  })

  it('sum, max and min over every set of axes give the definition\'s bits on both backends and 1, 2 and 3 threads', () => {
    // Sizes around the vector widths (2, 4) and the row blocks (2, 4, 8, 16), each at least the 1024 elements
    // from which a last-axis reduction leaves the reference; outer sizes 2, 3, 4 and 5 for the threads' shares.
    const shapes: readonly (readonly number[])[] = [
      [37, 29], [29, 37], [16, 65], [35, 70], [1, 1100], [1100, 1], [3, 5, 70], [2, 17, 33], [9, 1, 4, 35], [387, 3], [4, 64, 5], [70, 2, 9], [5, 2, 3, 70],
    ]
    const cases = (['float32', 'float64'] as const).flatMap((dtype) => shapes.flatMap((shape) => axisSets(shape.length).flatMap((axes) =>
      (['sum', 'max', 'min'] as const).map((op) => ({ op, shape, axes, dtype, seed: shape.length * 31 + axes.length, every: 7 })))))
    expect(failures(cases)).toEqual([])
  })

  it('holds for random shapes, axes and special values', () => {
    const dim = fc.constantFrom<number>(1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65)
    const problem = fc.array(dim, { minLength: 1, maxLength: 4 })
      .filter((s) => { const n = s.reduce((p, d) => p * d, 1); return n >= 1024 && n <= 40000 })
      .chain((shape) => fc.record({
        shape: fc.constant(shape),
        axes: fc.subarray(shape.map((_, i) => i), { minLength: 1 }),
        op: fc.constantFrom<Op>('sum', 'max', 'min'),
        dtype: fc.constantFrom<DT>('float32', 'float64'),
        seed: fc.nat(1000),
        every: fc.constantFrom(0, 3, 50, 1000),
      }))
    fc.assert(fc.property(fc.array(problem, { minLength: 1, maxLength: 20 }), (cases) => {
      expect(failures(cases.map((c) => ({ ...c, axes: [...c.axes].sort((a, b) => a - b) })))).toEqual([])
    }), { numRuns: 8 })
  })

  it('keeps the reference\'s rules on rows of zeros, infinities and NaN, whatever lane or block a row falls in', () => {
    const rows: readonly (readonly number[])[] = [
      [-0, 0, -0], [0, -0, 0], [-0, -0], [-Infinity, -Infinity], [Infinity, Infinity], [Infinity, -Infinity], [NaN, 1, 2], [1, NaN, Infinity],
      [-Infinity, NaN], [-0, -Infinity, 0], [5, -0, 5], [2 ** -149, -(2 ** -149)], [3e38, 3e38, -3e38], [1, 2 ** -24, 2 ** -24], [-1, -0, 0], [0], [-0], [NaN], [7, 7, -7],
    ]
    // Each row twice, at the start of 31 elements (in the vectors) and at the end (the tail), padded with elements
    // that change nothing: −0 for sums (x + −0 = x), the row's first element for max/min. 38 rows cross a block of 16 and its leftovers.
    const width = 31
    for (const dtype of ['float32', 'float64'] as const) {
      for (const op of ['sum', 'max', 'min'] as const) {
        const pad = (row: readonly number[]): number[] => new Array<number>(width - row.length).fill(op === 'sum' ? -0 : row[0]!)
        const data = [...rows.flatMap((row) => [...row, ...pad(row)]), ...rows.flatMap((row) => [...pad(row), ...row])]
        const x = dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data)
        const shape = [2 * rows.length, width]
        const want = definition(op, x, shape, [1], dtype)
        // Spot-check the definition itself on the rows whose answer the rules fix.
        expect(Array.from(want.subarray(rows.length))).toEqual(Array.from(want.subarray(0, rows.length)))
        if (op === 'max') expect([want[0], want[1], want[5], want[9]]).toEqual([-0, 0, Infinity, -0])
        if (op === 'min') expect([want[0], want[1], want[5], want[14]]).toEqual([-0, 0, -Infinity, -1])
        // A sum starts at +0, so −0 + −0 sums to +0; and 1 + 2⁻²⁴ + 2⁻²⁴ is 1 in float32 steps but 1 + 2⁻²³ in doubles.
        if (op === 'sum') expect([want[2], want[5], want[6], want[13]]).toEqual([0, NaN, NaN, 1 + 2 ** -23])
        for (const [name, threads] of SETTINGS) {
          const got = on(name, threads, () => reduce(op, fromTypedArray(x, shape), [1]))
          expect(sameBits(got, want), `${op} ${dtype} on ${name} with ${threads} threads: ${Array.from(got).join(', ')}`).toBe(true)
        }
      }
    }
  })

  it('an empty axis sums to zeros and is an error for max and min, on both backends', () => {
    for (const name of ['js', 'wasm'] as const) {
      const x = on(name, 1, () => fromTypedArray(new Float32Array(0), [70, 0, 3]))
      expect(on(name, 2, () => sameBits(sum(x, { axis: 1 }).toTypedArray(), new Float32Array(210)))).toBe(true)
      expect(() => on(name, 2, () => max(x, { axis: 1 }))).toThrow(/max: cannot reduce an empty axis of \[70,0,3\]/)
      expect(() => on(name, 2, () => min(x, { axis: [0, 1] }))).toThrow(/min: cannot reduce an empty axis of \[70,0,3\]/)
    }
  })

  it('splits reductions over the worker threads when it has them: by blocks of outer axes, or by rows', () => {
    const w = on('wasm', 1, () => backend() as WasmBackend)
    if (w.maxThreads < 2) return
    for (const [shape, axis] of [[[2, 64, 30], 1], [[3, 50, 30], [1]], [[64, 300], 1], [[40, 5, 6], [1, 2]]] as const) {
      const x = fromTypedArray(values(shape.reduce((p: number, d: number) => p * d, 1), 3, 'float32', 0), shape)
      const runs = w.parallelRuns()
      on('wasm', 2, () => sum(x, { axis }).toTypedArray())
      expect(w.parallelRuns(), `sum of [${shape.join(',')}] over axes ${JSON.stringify(axis)}`).toBeGreaterThan(runs)
    }
  })
})
