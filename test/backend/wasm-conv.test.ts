/**
 * The WebAssembly backend's float32 convolution (the direct kernel with each
 * of its register tiles, taps in one block or several, and the depthwise
 * kernel) against the JavaScript reference: within the float32 summation
 * bound, (K + 1)·2⁻²⁴·Σ|xᵢwᵢ| for K terms per output, with Σ|xᵢwᵢ| the
 * reference's convolution of |x| and |w| in float64; the same bits on 1, 2
 * and 3 threads; feature groups, depthwise, strides, dilations, padding
 * modes, NCHW and one to three spatial axes; the vector–Jacobian products,
 * which are convolutions of other shapes; a vmap, the loop bit for bit; and
 * non-finite filters and inputs.
 */
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { on, sameBits } from './switch.js'
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import { directTile } from '../../src/backend/wasm/conv.js'
import { type ConvOptions, type Tensor, abs, cast, conv, fromTypedArray, getBackend, setBackend, setThreads, vjp, vmap } from '../../src/index.js'

const before = getBackend()
const wasmAvailable = before.simd



const smooth = (n: number, seed: number): Float32Array => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed * 1.3) + Math.cos(i * 0.11 * seed)
  return out
}

const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1)

interface Case {
  readonly x: readonly number[]
  readonly w: readonly number[]
  readonly o: ConvOptions
}

/** Terms per output element: the window's taps times the channels of a group (the filter's shape but its output axis). */
const termsOf = ({ w, o }: Case): number => (o.dimensionNumbers === 'NCHW' ? size(w.slice(1)) : size(w.slice(0, -1)))

/** How many kernel calls on 2 threads ran split over both. */
const splits = (f: () => unknown): number => on('wasm', 2, () => {
  const b = backend() as WasmBackend
  const was = b.parallelRuns()
  f()
  return b.parallelRuns() - was
})

/**
 * Checks `f` (a convolution, or a function of convolutions, of X and W) on
 * wasm against the reference: within the bound for K terms (`absF` is `f` of
 * |X| and |W| in float64), the same bits on 1, 2 and 3 threads, and split
 * over two threads (so the WebAssembly kernel ran, not the reference).
 */
const agrees = (label: string, f: (x: Tensor, w: Tensor) => Tensor, X: Tensor, W: Tensor, K: number): void => {
  const want = on('js', 1, () => f(X, W).toTypedArray())
  const absF = on('js', 1, () => f(cast(abs(X), 'float64'), cast(abs(W), 'float64')).toTypedArray())
  const got = [1, 2, 3].map((t) => on('wasm', t, () => f(X, W).toTypedArray()))
  expect(got[0]!.length, label).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[0]![i]! - want[i]!)
    if (!(err <= (K + 1) * 2 ** -24 * absF[i]!)) expect.fail(`${label}: element ${i} is ${got[0]![i]}, the reference ${want[i]} (bound ${(K + 1) * 2 ** -24 * absF[i]!})`)
  }
  expect(sameBits(got[1]!, got[0]!) && sameBits(got[2]!, got[0]!), `${label}: 1, 2 and 3 threads give the same bits`).toBe(true)
  if (before.maxThreads > 1) expect(splits(() => f(X, W).toTypedArray()), `${label}: split over the threads`).toBeGreaterThan(0)
}

const tensors = ({ x, w }: Case, seed = 5): [Tensor, Tensor] => [fromTypedArray(smooth(size(x), seed), x), fromTypedArray(smooth(size(w), seed + 1), w)]

const CASES: readonly (Case & { readonly name: string })[] = [
  { name: 'SAME 3×3', x: [2, 9, 9, 5], w: [3, 3, 5, 16], o: {} },
  { name: 'strided VALID, odd output channels', x: [4, 24, 22, 3], w: [5, 4, 3, 13], o: { strides: [2, 3], padding: 'VALID' } },
  { name: 'rhs dilation, explicit padding', x: [3, 8, 8, 4], w: [3, 3, 4, 16], o: { rhsDilation: 2, padding: [[1, 2], [0, 3]] } },
  { name: 'lhs dilation (transposed)', x: [2, 7, 7, 6], w: [2, 2, 6, 8], o: { lhsDilation: 2, strides: 1, padding: [[1, 1], [1, 1]] } },
  { name: 'negative padding', x: [2, 12, 12, 4], w: [3, 3, 4, 12], o: { padding: [[-2, 1], [0, -1]] } },
  { name: '1-d, strided', x: [8, 40, 5], w: [7, 5, 16], o: { strides: 2 } },
  { name: '3-d', x: [2, 6, 7, 5, 3], w: [3, 2, 3, 3, 8], o: { strides: [1, 2, 1] } },
  { name: 'NCHW', x: [3, 5, 10, 9], w: [12, 5, 3, 3], o: { dimensionNumbers: 'NCHW', strides: [1, 2] } },
  { name: '2 groups', x: [2, 10, 10, 8], w: [3, 3, 4, 16], o: { featureGroupCount: 2 } },
  { name: '4 groups of 3 output channels', x: [4, 16, 12, 12], w: [3, 3, 3, 12], o: { featureGroupCount: 4, strides: [2, 1] } },
  { name: '3 groups of 5, dilated, VALID', x: [5, 12, 12, 6], w: [2, 3, 2, 15], o: { featureGroupCount: 3, rhsDilation: [2, 1], padding: 'VALID' } },
  { name: 'grouped NCHW', x: [4, 8, 9, 9], w: [8, 4, 3, 3], o: { featureGroupCount: 2, dimensionNumbers: 'NCHW' } },
  // Taps in blocks: a block holds 2¹⁵ filter floats of one tile of lanes (16 taps of 128 channels × 16 lanes; 32 of 128 × 8).
  { name: 'many channels, taps in blocks', x: [2, 10, 10, 128], w: [5, 5, 128, 16], o: {} },
  { name: '2 groups of 6, taps in blocks', x: [2, 9, 9, 256], w: [7, 7, 128, 12], o: { featureGroupCount: 2 } },
  { name: 'depthwise, 32 channels', x: [4, 14, 14, 32], w: [5, 5, 1, 32], o: { featureGroupCount: 32 } },
  { name: 'depthwise, 13 channels (8 + 4 + 1 lanes), strided', x: [10, 16, 15, 13], w: [3, 3, 1, 13], o: { featureGroupCount: 13, strides: 2 } },
  { name: 'depthwise, 3 channels, lhs and rhs dilation', x: [6, 12, 12, 3], w: [3, 3, 1, 3], o: { featureGroupCount: 3, lhsDilation: 2, rhsDilation: 2 } },
  { name: 'depthwise 1-d, VALID', x: [8, 60, 20], w: [9, 1, 20], o: { featureGroupCount: 20, padding: 'VALID' } },
  { name: 'depthwise NCHW', x: [6, 12, 11, 11], w: [12, 1, 3, 3], o: { featureGroupCount: 12, dimensionNumbers: 'NCHW' } },
  { name: 'depth multiplier 2', x: [8, 10, 10, 6], w: [3, 3, 1, 12], o: { featureGroupCount: 6 } },
]

describe.runIf(wasmAvailable)('the WebAssembly convolution', () => {
  afterAll(() => {
    setBackend(before.name)
    setThreads(before.threads)
  })

  it('agrees with the reference within the float32 summation bound, the same bits on 1, 2 and 3 threads', () => {
    for (const c of CASES) {
      const [X, W] = tensors(c)
      agrees(c.name, (x, w) => conv(x, w, c.o), X, W, termsOf(c))
    }
    // The cases run every register tile of the direct kernel (group widths of at most 4, 8 and more lanes).
    const groups = CASES.map(({ w, o }) => {
      const [cg, out] = o.dimensionNumbers === 'NCHW' ? [w[1]!, w[0]!] : [w[w.length - 2]!, w[w.length - 1]!]
      return { cg, og: out / (o.featureGroupCount ?? 1) }
    })
    const direct = groups.filter(({ cg, og }) => cg > 1 || og > 1)
    expect(new Set(direct.map(({ og }) => directTile(og).join('×'))).size).toBe(3)
    expect(direct.length).toBeLessThan(groups.length) // and the depthwise kernel
  })

  it('agrees with the reference on random shapes, strides, dilations, paddings and groups', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 6, max: 14 }),
      wd: fc.integer({ min: 6, max: 14 }),
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 4 }),
      groups: fc.integer({ min: 1, max: 4 }),
      cg: fc.integer({ min: 1, max: 9 }),
      og: fc.integer({ min: 1, max: 13 }),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      lhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      rhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.oneof(fc.constant('SAME' as const), fc.constant('VALID' as const), fc.tuple(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })))),
    })
    fc.assert(fc.property(arb, ({ n, h, wd, kh, kw, groups, cg, og, strides, lhsDilation, rhsDilation, padding }) => {
      const c: Case = { x: [n, h, wd, groups * cg], w: [kh, kw, cg, groups * og], o: { strides, lhsDilation, rhsDilation, padding, featureGroupCount: groups } }
      const [X, W] = tensors(c, n + h)
      const f = (x: Tensor, w: Tensor) => conv(x, w, c.o)
      let outSize = 0
      try {
        outSize = on('js', 1, () => f(X, W).size)
      } catch {
        fc.pre(false) // a window larger than the padded input
      }
      // Products below 2¹⁶ multiply-adds, or empty ones, stay on the reference.
      fc.pre(outSize * termsOf(c) >= 1 << 16)
      agrees(JSON.stringify(c), f, X, W, termsOf(c))
    }), { numRuns: 40 })
  })

  it('computes both vector–Jacobian products within the bound of their sums', () => {
    // The input VJP sums window·O/G terms per element, the filter VJP N·out terms.
    const vjpCases: readonly (Case & { readonly name: string })[] = [
      { name: 'SAME 5×5', x: [4, 12, 12, 8], w: [5, 5, 8, 16], o: {} },
      { name: 'strided, dilated', x: [6, 25, 21, 4], w: [3, 3, 4, 8], o: { strides: 2, rhsDilation: [2, 1], padding: 'VALID' } },
      { name: 'grouped', x: [4, 10, 10, 8], w: [3, 3, 2, 12], o: { featureGroupCount: 4 } },
      { name: 'depthwise', x: [4, 12, 12, 16], w: [3, 3, 1, 16], o: { featureGroupCount: 16 } },
    ]
    for (const c of vjpCases) {
      const [X, W] = tensors(c, 3)
      const dyShape = on('js', 1, () => conv(X, W, c.o).shape)
      const dy = fromTypedArray(smooth(size(dyShape), 9), dyShape)
      const absDy = cast(abs(dy), 'float64')
      const dyLike = (t: Tensor): Tensor => (t.dtype === 'float64' ? absDy : dy)
      const spatial = size(dyShape.slice(1, -1))
      const og = c.w[3]! / (c.o.featureGroupCount ?? 1)
      agrees(`${c.name}: input VJP`, (x, w) => vjp((xi: Tensor) => conv(xi, w, c.o), x)[1](dyLike(x)), X, W, size(c.w.slice(0, 2)) * og)
      agrees(`${c.name}: filter VJP`, (x, w) => vjp((wi: Tensor) => conv(x, wi, c.o), w)[1](dyLike(x)), X, W, c.x[0]! * spatial)
    }
  })

  it('gives a vmap over inputs, filters or both the bits of the loop: batching adds rows, output channels or groups, none of which changes a sum', () => {
    const B = 3
    const xs = [4, 12, 12, 6], ws = [3, 3, 3, 16], o: ConvOptions = { featureGroupCount: 2, strides: [1, 2] }
    const Xs = fromTypedArray(smooth(B * size(xs), 1), [B, ...xs])
    const Ws = fromTypedArray(smooth(B * size(ws), 2), [B, ...ws])
    const X = fromTypedArray(smooth(size(xs), 1), xs)
    const W = fromTypedArray(smooth(size(ws), 2), ws)
    const part = (t: Tensor, b: number): Tensor => fromTypedArray(t.toTypedArray().slice(b * (t.size / B), (b + 1) * (t.size / B)), t.shape.slice(1))
    for (const t of [1, 2]) {
      on('wasm', t, () => {
        const f = (x: Tensor, w: Tensor) => conv(x, w, o)
        for (const [inAxes, pick] of [[[0, 0], (b: number) => f(part(Xs, b), part(Ws, b))], [[0, null], (b: number) => f(part(Xs, b), W)], [[null, 0], (b: number) => f(X, part(Ws, b))]] as const) {
          const got = vmap(f, { inAxes: [...inAxes] })(inAxes[0] === 0 ? Xs : X, inAxes[1] === 0 ? Ws : W).toTypedArray()
          const loop = Array.from({ length: B }, (_, b) => Array.from(pick(b).toTypedArray())).flat()
          expect(sameBits(got, loop), `inAxes ${JSON.stringify(inAxes)} on ${t} threads`).toBe(true)
        }
        // Each convolution of the loop is large enough for the WebAssembly kernel, so both sides ran it.
        expect(f(X, W).size * size(ws.slice(0, 3))).toBeGreaterThanOrEqual(1 << 16)
      })
    }
  })

  it('runs filters with a non-finite value on the reference, which skips padding: 0·∞ stays out of the sum', () => {
    for (const c of [CASES[0]!, CASES[8]!, CASES[12]!]) {
      const [X] = tensors(c)
      const w = smooth(size(c.w), 2)
      w[0] = Infinity
      w[7] = NaN
      const W = fromTypedArray(w, c.w)
      expect(sameBits(on('wasm', 2, () => conv(X, W, c.o).toTypedArray()), on('js', 1, () => conv(X, W, c.o).toTypedArray())), c.name).toBe(true)
    }
  })

  it('carries non-finite inputs as the reference does', () => {
    for (const c of [CASES[0]!, CASES[9]!, CASES[13]!]) {
      const x = smooth(size(c.x), 4)
      x[17] = Infinity
      x[40] = -Infinity
      x[101] = NaN
      const X = fromTypedArray(x, c.x)
      const W = fromTypedArray(smooth(size(c.w), 8), c.w)
      const want = on('js', 1, () => conv(X, W, c.o).toTypedArray())
      const got = on('wasm', 2, () => conv(X, W, c.o).toTypedArray())
      let nonFinite = 0
      for (let i = 0; i < want.length; i++) {
        if (Number.isFinite(want[i]!)) continue
        nonFinite++
        expect(Object.is(got[i], want[i]), `${c.name}: element ${i}`).toBe(true)
      }
      expect(nonFinite).toBeGreaterThan(0)
    }
  })
})
