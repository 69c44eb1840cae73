/**
 * conv, maxPool and avgPool against independent definitions written here: a
 * direct loop over output elements on the dilated, padded input (its own
 * SAME rule, from JAX's documented `padtype_to_pads`), the VJPs as the
 * adjoint of that loop (each term's cotangent scattered back), for every
 * padding mode, stride, dilation, group count, both layouts, 1-d and 2-d,
 * float32 and float64; analytic small cases; finite differences and second
 * derivatives (checkGrads at order 2); vmap over inputs, filters and both;
 * and the error messages word for word. The law tables (test/laws) hold the
 * general rows.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkGrads } from '../../laws/index.js'
import { TensorError, avgPool, conv, fromTypedArray, grad, maxPool, mul, ones, sum, tensor, vjp, vmap, type ConvOptions, type Tensor } from '../../src/index.js'

type Pads = readonly (readonly [number, number])[]
interface Cfg {
  readonly n: number
  readonly spatial: readonly number[]
  readonly window: readonly number[]
  readonly cg: number
  readonly groups: number
  readonly og: number
  readonly strides: readonly number[]
  readonly ld: readonly number[]
  readonly rd: readonly number[]
  readonly padding: 'SAME' | 'VALID' | Pads
  readonly layout: 'NHWC' | 'NCHW'
  readonly dtype: 'float32' | 'float64'
}

const dil = (d: number, k: number): number => (d === 0 ? 0 : (d - 1) * k + 1)
const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1)

/** JAX's padtype_to_pads on the dilated extents. */
const padsOf = (c: Cfg): Pads => c.spatial.map((d, a) => {
  const din = dil(d, c.ld[a]!)
  const k = dil(c.window[a]!, c.rd[a]!)
  if (c.padding === 'VALID') return [0, 0] as const
  if (c.padding !== 'SAME') return c.padding[a]!
  const out = Math.ceil(din / c.strides[a]!)
  const total = Math.max(0, (out - 1) * c.strides[a]! + k - din)
  return [Math.floor(total / 2), Math.ceil(total / 2)] as const
})
const outShape = (c: Cfg): number[] => {
  const pads = padsOf(c)
  return c.spatial.map((d, a) => Math.floor((pads[a]![0] + dil(d, c.ld[a]!) + pads[a]![1] - dil(c.window[a]!, c.rd[a]!)) / c.strides[a]!) + 1)
}

/** All multi-indices of `shape` in row-major order. */
const indices = (shape: readonly number[]): number[][] => shape.reduce<number[][]>((acc, d) => acc.flatMap((i) => Array.from({ length: d }, (_, k) => [...i, k])), [[]])
const flat = (idx: readonly number[], shape: readonly number[]): number => idx.reduce((f, v, a) => f * shape[a]! + v, 0)

/**
 * Visits every term x[xi]·w[wi] of every output element oi (NHWC, HWIO), in
 * the kernel's documented order: window offsets row-major, then channels.
 */
const terms = (c: Cfg, visit: (oi: number, xi: number, wi: number) => void): void => {
  const pads = padsOf(c)
  const out = outShape(c)
  const C = c.cg * c.groups
  const O = c.og * c.groups
  const xs = [c.n, ...c.spatial, C]
  const ws = [...c.window, c.cg, O]
  for (let b = 0; b < c.n; b++) for (const o of indices(out)) for (let f = 0; f < O; f++) {
    const g = Math.floor(f / c.og)
    const oi = flat([b, ...o, f], [c.n, ...out, O])
    for (const k of indices(c.window)) {
      // The position in the dilated, padded input, and the input element there (if any).
      const src = o.map((v, a) => v * c.strides[a]! + k[a]! * c.rd[a]! - pads[a]![0])
      if (src.some((p, a) => p < 0 || p % c.ld[a]! !== 0 || p / c.ld[a]! >= c.spatial[a]!)) continue
      for (let ci = 0; ci < c.cg; ci++) visit(oi, flat([b, ...src.map((p, a) => p / c.ld[a]!), g * c.cg + ci], xs), flat([...k, ci, f], ws))
    }
  }
}

const refConv = (c: Cfg, x: Float64Array, w: Float64Array): { y: Float64Array; mag: Float64Array } => {
  const size = c.n * prod(outShape(c)) * c.og * c.groups
  const y = new Float64Array(size)
  const mag = new Float64Array(size)
  terms(c, (oi, xi, wi) => {
    y[oi]! += x[xi]! * w[wi]!
    mag[oi]! += Math.abs(x[xi]! * w[wi]!)
  })
  return { y, mag }
}
/** The VJPs as the adjoint of the loop: each term's cotangent g[oi] sent back to its two factors. */
const refVjp = (c: Cfg, x: Float64Array, w: Float64Array, g: Float64Array) => {
  const dx = new Float64Array(x.length)
  const dw = new Float64Array(w.length)
  const mx = new Float64Array(x.length)
  const mw = new Float64Array(w.length)
  terms(c, (oi, xi, wi) => {
    dx[xi]! += g[oi]! * w[wi]!
    dw[wi]! += g[oi]! * x[xi]!
    mx[xi]! += Math.abs(g[oi]! * w[wi]!)
    mw[wi]! += Math.abs(g[oi]! * x[xi]!)
  })
  return { dx, dw, mx, mw }
}

/** `data` of `shape` with its axes permuted (out axis i = in axis perm[i]). */
const permute = (data: Float64Array, shape: readonly number[], perm: readonly number[]): Float64Array => {
  const to = perm.map((p) => shape[p]!)
  const out = new Float64Array(data.length)
  for (const idx of indices(shape)) out[flat(perm.map((p) => idx[p]!), to)] = data[flat(idx, shape)]!
  return out
}
const seq = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from)

/** Deterministic values in [−2, 2), exact in float32. */
const values = (n: number, seed: number): Float64Array => {
  let s = seed >>> 0 || 1
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return Math.fround(((s >>> 8) / 2 ** 24) * 4 - 2)
  })
}

/** Runs conv for a config in its layout and dtype; returns everything in NHWC/HWIO order as float64. */
const run = (c: Cfg, x: Float64Array, w: Float64Array, g: Float64Array) => {
  const nsp = c.spatial.length
  const xs = [c.n, ...c.spatial, c.cg * c.groups]
  const ws = [...c.window, c.cg, c.og * c.groups]
  const ys = [c.n, ...outShape(c), c.og * c.groups]
  const first = c.layout === 'NCHW'
  const xPerm = [0, nsp + 1, ...seq(nsp, 1)] // NHWC → NCHW
  const wPerm = [nsp + 1, nsp, ...seq(nsp)] // HWIO → OIHW
  const make = (d: Float64Array, s: readonly number[], perm: readonly number[]) =>
    fromTypedArray(c.dtype === 'float32' ? Float32Array.from(first ? permute(d, s, perm) : d) : first ? permute(d, s, perm) : d, first ? perm.map((p) => s[p]!) : s)
  const back = (t: Tensor, s: readonly number[], perm: readonly number[]): Float64Array => {
    const d = Float64Array.from(t.toTypedArray())
    if (!first) return d
    const inv = seq(perm.length).map((i) => perm.indexOf(i))
    return permute(d, perm.map((p) => s[p]!), inv)
  }
  const options: ConvOptions = { strides: c.strides, padding: c.padding, lhsDilation: c.ld, rhsDilation: c.rd, featureGroupCount: c.groups, dimensionNumbers: c.layout }
  const [y, pull] = vjp((p: { x: Tensor; w: Tensor }) => conv(p.x, p.w, options), { x: make(x, xs, xPerm), w: make(w, ws, wPerm) })
  const cot = pull(make(g, ys, xPerm))
  return { y: back(y, ys, xPerm), dx: back(cot.x, xs, xPerm), dw: back(cot.w, ws, wPerm), dtype: y.dtype, shape: y.shape }
}

const cfgArb: fc.Arbitrary<Cfg> = fc.integer({ min: 1, max: 2 }).chain((nsp) => {
  const per = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nsp, maxLength: nsp })
  return fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    spatial: per(1, 5),
    window: per(1, 3),
    cg: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    og: fc.integer({ min: 1, max: 2 }),
    strides: per(1, 3),
    ld: per(1, 2),
    rd: per(1, 2),
    padding: fc.oneof(fc.constant('SAME' as const), fc.constant('VALID' as const), fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 3 })), { minLength: nsp, maxLength: nsp })),
    layout: fc.constantFrom('NHWC' as const, 'NCHW' as const),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
  })
}).filter((c) => {
  const pads = padsOf(c)
  return c.spatial.every((d, a) => pads[a]![0] + dil(d, c.ld[a]!) + pads[a]![1] >= dil(c.window[a]!, c.rd[a]!))
})

const within = (got: Float64Array, want: Float64Array, mag: Float64Array, unit: number): void => {
  expect(got.length).toBe(want.length)
  got.forEach((v, i) => { expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(unit * (mag[i]! + 1e-300)); })
}

describe('conv against a direct loop written here', () => {
  it('forward (bit for bit: inputs exact in float32 make every product and these short sums exact in a double, so the output is that sum rounded once) and both VJPs, over every option', () => {
    const seen = new Set<string>()
    fc.assert(fc.property(cfgArb, fc.nat(), (c, seed) => {
      const x = values(c.n * prod(c.spatial) * c.cg * c.groups, seed)
      const w = values(prod(c.window) * c.cg * c.og * c.groups, seed + 1)
      const g = values(c.n * prod(outShape(c)) * c.og * c.groups, seed + 2)
      const got = run(c, x, w, g)
      const want = refConv(c, x, w)
      const adj = refVjp(c, x, w, g)
      expect(got.dtype).toBe(c.dtype)
      expect(Array.from(got.y)).toEqual(Array.from(want.y, (v) => (c.dtype === 'float32' ? Math.fround(v) : v)))
      const unit = c.dtype === 'float32' ? 2 ** -23 : 2 ** -50
      within(got.dx, adj.dx, adj.mx, unit)
      within(got.dw, adj.dw, adj.mw, unit)
      seen.add(`${typeof c.padding === 'string' ? c.padding : 'pairs'} ${c.layout} ${c.dtype} ${c.spatial.length}d${c.groups > 1 ? ' groups' : ''}${c.strides.some((s) => s > 1) ? ' strided' : ''}${c.ld.some((s) => s > 1) ? ' ld' : ''}${c.rd.some((s) => s > 1) ? ' rd' : ''}`)
    }), { numRuns: 300, seed: 12 })
    for (const want of ['SAME', 'VALID', 'pairs', 'NHWC', 'NCHW', 'float32', 'float64', '1d', '2d', 'groups', 'strided', 'ld', 'rd']) expect([...seen].some((s) => s.includes(want))).toBe(true)
  })

  it('a depthwise convolution (featureGroupCount = channels) is one filter per channel', () => {
    const x = fromTypedArray(values(2 * 4 * 3, 5), [2, 4, 3]) // 1-d: N=2, W=4, C=3
    const w = fromTypedArray(values(2 * 1 * 3, 6), [2, 1, 3])
    const y = conv(x, w, { padding: 'VALID', featureGroupCount: 3 })
    const xd = x.toTypedArray()
    const wd = w.toTypedArray()
    const want = [0, 1].flatMap((b) => [0, 1, 2].flatMap((o) => [0, 1, 2].map((ch) => xd[(b * 4 + o) * 3 + ch]! * wd[ch]! + xd[(b * 4 + o + 1) * 3 + ch]! * wd[3 + ch]!)))
    expect(Array.from(y.toTypedArray())).toEqual(want)
  })
})

describe('conv: analytic cases on a 1×3×3×1 input', () => {
  const x = tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]], 'float64')
  const w = tensor([[[[1]], [[0]]], [[[0]], [[-1]]]], 'float64') // [[1, 0], [0, −1]]: y = x[i, j] − x[i+1, j+1]
  const arr = (t: Tensor) => Array.from(t.toTypedArray())

  it('VALID, SAME (padding after), strides, and the NCHW layout', () => {
    expect(arr(conv(x, w, { padding: 'VALID' }))).toEqual([-4, -4, -4, -4])
    expect(arr(conv(x, w))).toEqual([-4, -4, 3, -4, -4, 6, 7, 8, 9])
    expect(arr(conv(x, w, { strides: 2 }))).toEqual([-4, 3, 7, 9])
    expect(arr(conv(x, w, { padding: [[1, 0], [1, 0]] }))).toEqual([-1, -2, -3, -4, -4, -4, -7, -4, -4])
    // NCHW: the same numbers, as [1, 1, 3, 3] and OIHW [1, 1, 2, 2].
    const xc = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], 'float64')
    const wc = tensor([[[[1, 0], [0, -1]]]], 'float64')
    expect(arr(conv(xc, wc, { dimensionNumbers: 'NCHW' }))).toEqual([-4, -4, 3, -4, -4, 6, 7, 8, 9])
  })

  it('dilations: rhs dilation 2 spans the whole input; lhs dilation 2 is a transposed convolution', () => {
    expect(arr(conv(x, w, { padding: 'VALID', rhsDilation: 2 }))).toEqual([1 - 9])
    // lhs dilation 2: 5×5 with holes; the window [[1,0],[0,−1]] meets one input element per position.
    expect(arr(conv(x, w, { padding: 'VALID', lhsDilation: 2 }))).toEqual([1, 0, 2, 0, 0, -5, 0, -6, 4, 0, 5, 0, 0, -8, 0, -9])
  })

  it('gradients: each input counts the windows it is in, each weight sums its window positions', () => {
    const valid = { padding: 'VALID' } as const
    expect(arr(grad((v: Tensor) => sum(conv(v, w, valid)))(x))).toEqual([1, 1, 0, 1, 0, -1, 0, -1, -1])
    expect(arr(grad((v: Tensor) => sum(conv(x, v, valid)))(w))).toEqual([12, 16, 24, 28])
    expect(arr(grad((v: Tensor) => sum(conv(v, ones([2, 2, 1, 1], 'float64'), { strides: 2 })))(x))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1])
  })

  it('second derivatives: d²/dw² of Σ conv(x, w)² is 2·Σ windowᵀ·window', () => {
    const h = grad((v: Tensor) => sum(mul(grad((u: Tensor) => sum(mul(conv(x, u, { padding: 'VALID' }), conv(x, u, { padding: 'VALID' }))))(v), tensor([[[[1]], [[0]]], [[[0]], [[0]]]], 'float64'))))(w)
    // ∂/∂w of (∂/∂w₀₀ Σ y²) = 2 Σ_windows x₀₀·window: windows' top-left elements 1, 2, 4, 5.
    const tl = [1, 2, 4, 5]
    const win = (di: number, dj: number) => [[0, 0], [0, 1], [1, 0], [1, 1]].map(([i, j]) => (i! + di) * 3 + (j! + dj) + 1)
    const want = [[0, 0], [0, 1], [1, 0], [1, 1]].map(([di, dj]) => 2 * win(di!, dj!).reduce((s, v, k) => s + v * tl[k]!, 0))
    expect(arr(h)).toEqual(want)
  })
})

describe('conv: finite differences and second order (check_grads, float64)', () => {
  const cases: readonly [string, readonly number[], readonly number[], ConvOptions][] = [
    ['SAME, strides 2', [2, 5, 4, 2], [3, 2, 2, 3], { strides: 2 }],
    ['explicit pads with a negative one, lhs dilation', [1, 3, 3, 2], [2, 2, 2, 2], { padding: [[2, -1], [0, 1]], lhsDilation: [2, 1] }],
    ['rhs dilation, groups', [1, 5, 4], [2, 2, 4], { rhsDilation: 2, featureGroupCount: 2, padding: 'VALID' }],
    ['NCHW, depthwise, size-1 spatial axis', [2, 2, 1, 3], [2, 1, 1, 2], { dimensionNumbers: 'NCHW', featureGroupCount: 2 }],
  ]
  it.each(cases)('%s', (_, xs, ws, o) => {
    const x = fromTypedArray(values(prod(xs), 7), xs)
    const w = fromTypedArray(values(prod(ws), 8), ws)
    const checks = checkGrads((p: { x: Tensor; w: Tensor }) => conv(p.x, p.w, o), { x, w }, { order: 2 })
    expect(checks.filter((k) => !k.ok)).toEqual([])
  })
})

describe('conv under vmap: the batch folds into N or into feature groups', () => {
  const x = fromTypedArray(values(3 * 1 * 4 * 4, 9), [3, 1, 4, 4]) // a batch of 3 inputs [1, 4, 4] (1-d, C = 4)
  const w = fromTypedArray(values(3 * 2 * 2 * 6, 10), [3, 2, 2, 6]) // a batch of 3 filters [2, 2, 6], groups 2
  const o = { featureGroupCount: 2, strides: 2 } as const
  const loop = (f: (i: number) => Tensor) => [0, 1, 2].flatMap((i) => Array.from(f(i).toTypedArray()))
  const at = (t: Tensor, i: number) => fromTypedArray(t.toTypedArray().slice(i * (t.size / 3), (i + 1) * (t.size / 3)), t.shape.slice(1))
  it.each([
    ['inputs', () => vmap((v: Tensor) => conv(v, at(w, 0), o))(x), (i: number) => conv(at(x, i), at(w, 0), o)],
    ['filters', () => vmap((v: Tensor) => conv(at(x, 0), v, o))(w), (i: number) => conv(at(x, 0), at(w, i), o)],
    ['both', () => vmap((v: Tensor, u: Tensor) => conv(v, u, o))(x, w), (i: number) => conv(at(x, i), at(w, i), o)],
  ] as const)('%s, bit for bit', (_, batched, one) => {
    expect(Array.from(batched().toTypedArray())).toEqual(loop(one))
  })
})

describe('conv: errors name conv, the argument and the shapes', () => {
  const x = ones([1, 3, 3, 2])
  const msg = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(TensorError)
      return (e as Error).message
    }
    throw new Error('no error')
  }
  it.each([
    [() => conv(x, ones([5, 1, 2, 1]), { padding: 'VALID' }), 'conv: the window 5 is larger than the padded input 3 on spatial axis 0 (lhs [1,3,3,2] (NHWC), rhs [5,1,2,1] (HWIO), padding [[0,0],[0,0]])'],
    [() => conv(x, ones([2, 2, 2, 1]), { rhsDilation: 3, padding: [[0, 0], [1, 0]] }), 'conv: the window 4 is larger than the padded input 3 on spatial axis 0 (lhs [1,3,3,2] (NHWC), rhs [2,2,2,1] (HWIO), padding [[0,0],[1,0]])'],
    [() => conv(x, ones([2, 2, 2, 1]), { strides: [1, 0] }), 'conv: strides must be a positive integer or 2 of them (one per spatial axis), got [1,0]'],
    [() => conv(x, ones([2, 2, 2, 1]), { strides: -1 }), 'conv: strides must be a positive integer or 2 of them (one per spatial axis), got [-1]'.replace('[-1]', '-1')],
    [() => conv(x, ones([2, 2, 2, 1]), { lhsDilation: [2] }), 'conv: lhsDilation must be a positive integer or 2 of them (one per spatial axis), got [2]'],
    [() => conv(x, ones([2, 2, 3, 4])), 'conv: lhs has 2 input channels but rhs takes 3 per group × 1 group = 3 (lhs [1,3,3,2] (NHWC), rhs [2,2,3,4] (HWIO))'],
    [() => conv(ones([1, 4, 3, 3]), ones([4, 1, 2, 2]), { dimensionNumbers: 'NCHW', featureGroupCount: 3 }), 'conv: featureGroupCount 3 does not divide the 4 input channels of lhs [1,4,3,3] (NCHW), rhs [4,1,2,2] (OIHW)'],
    [() => conv(x, ones([2, 2, 1, 3]), { featureGroupCount: 2 }), 'conv: featureGroupCount 2 does not divide the 3 output channels of lhs [1,3,3,2] (NHWC), rhs [2,2,1,3] (HWIO)'],
    [() => conv(x, ones([2, 2, 2, 2]), { featureGroupCount: 0 }), 'conv: featureGroupCount must be a positive integer, got 0'],
    [() => conv(x, ones([2, 2, 2])), 'conv: needs lhs and rhs of one rank ≥ 3 (batch, spatial axes, channels), got lhs [1,3,3,2] (NHWC), rhs [2,2,2] (HWIO)'],
    [() => conv(x, ones([2, 2, 2, 1]), { padding: 'FULL' as 'SAME' }), 'conv: padding must be \'SAME\', \'VALID\' or 2 pairs [low, high] of integers (one per spatial axis), got "FULL"'],
    [() => conv(x, ones([2, 2, 2, 1]), { dimensionNumbers: 'NWC' as 'NHWC' }), 'conv: dimensionNumbers must be \'NHWC\' or \'NCHW\', got "NWC"'],
    [() => conv(x, 3 as unknown as Tensor), 'conv: rhs must be a tensor, got 3'],
    [() => maxPool(x, [4, 1]), 'maxPool: the window 4 is larger than the padded input 3 on spatial axis 0 (x [1,3,3,2], windowShape [4,1], padding [[0,0],[0,0]])'],
    [() => avgPool(x, [2, 2], { strides: [0, 1] }), 'avgPool: strides must be a positive integer or 2 of them (one per spatial axis), got [0,1]'],
    [() => maxPool(x, [2, 2, 2, 2]), 'maxPool: x [1,3,3,2] needs 4 spatial axes and a feature axis for windowShape [2,2,2,2]'],
    [() => maxPool(x, [2, 2], { padding: [[-1, 0], [0, 0]] }), 'maxPool: padding must not be negative, got [[-1,0],[0,0]]'],
    [() => avgPool(x, [2, 2], { countIncludePad: 1 as unknown as boolean }), 'avgPool: countIncludePad must be a boolean, got 1'],
  ] as const)('%#', (f, want) => {
    expect(msg(f)).toBe(want)
  })
})

// ---------------------------------------------------------------- pooling

/** Max or mean over each window, written as a loop over NHWC (2-d) with its own padding. */
const refPool = (kind: 'max' | 'avg', x: Float64Array, [n, h, w, c]: readonly [number, number, number, number], win: readonly [number, number], s: readonly [number, number], pads: Pads, includePad: boolean) => {
  const oh = Math.floor((pads[0]![0] + h + pads[0]![1] - win[0]) / s[0]) + 1
  const ow = Math.floor((pads[1]![0] + w + pads[1]![1] - win[1]) / s[1]) + 1
  const out: number[] = []
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let ch = 0; ch < c; ch++) {
    let acc = kind === 'max' ? -Infinity : 0
    let count = 0
    for (let di = 0; di < win[0]; di++) for (let dj = 0; dj < win[1]; dj++) {
      const r = i * s[0] + di - pads[0]![0]
      const q = j * s[1] + dj - pads[1]![0]
      if (r < 0 || r >= h || q < 0 || q >= w) continue
      const v = x[((b * h + r) * w + q) * c + ch]!
      acc = kind === 'max' ? Math.max(acc, v) : acc + v
      count++
    }
    out.push(kind === 'max' ? acc : acc / (includePad ? win[0] * win[1] : count))
  }
  return out
}

describe('maxPool and avgPool against loops written here', () => {
  const poolArb = fc.record({
    shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 })),
    win: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.oneof(fc.constant('SAME' as const), fc.constant('VALID' as const), fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2)))),
    includePad: fc.boolean(),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    seed: fc.nat(),
  }).map((p) => {
    const sp = [p.shape[1], p.shape[2]]
    const pads: Pads = p.padding === 'VALID' ? [[0, 0], [0, 0]] : p.padding === 'SAME'
      ? sp.map((d, a) => {
        const total = Math.max(0, (Math.ceil(d / p.s[a]!) - 1) * p.s[a]! + p.win[a]! - d)
        return [Math.floor(total / 2), Math.ceil(total / 2)] as const
      })
      : p.padding
    return { ...p, pads }
  }).filter((p) => [1, 2].every((a) => p.pads[a - 1]![0] + p.shape[a]! + p.pads[a - 1]![1] >= p.win[a - 1]!))
    // A window entirely in padding has no maximum and no count: keep every window overlapping the input.
    .filter((p) => [0, 1].every((a) => p.pads[a]![0] < p.win[a]! && p.pads[a]![1] < p.win[a]!))

  it('forward, and the gradient (max: to the unique maximum of each window; avg: 1/count to each element)', () => {
    fc.assert(fc.property(poolArb, (p) => {
      const data = values(prod(p.shape), p.seed) // distinct values: no ties
      const x = fromTypedArray(p.dtype === 'float32' ? Float32Array.from(data) : data, p.shape)
      const o = { strides: p.s, padding: p.padding }
      const round = (v: number) => (p.dtype === 'float32' ? Math.fround(v) : v)
      expect(Array.from(maxPool(x, p.win, o).toTypedArray())).toEqual(refPool('max', data, p.shape, p.win, p.s, p.pads, true))
      const avg = avgPool(x, p.win, { ...o, countIncludePad: p.includePad })
      const want = refPool('avg', data, p.shape, p.win, p.s, p.pads, p.includePad)
      Array.from(avg.toTypedArray()).forEach((v, i) => { expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual((p.dtype === 'float32' ? 2 ** -21 : 2 ** -50) * 4); })
      // Gradients of Σ pool(x)·g by perturbing each input by one unit of a linear functional: the reference is the loop's adjoint.
      const g = values(avg.size, p.seed + 3)
      const gt = fromTypedArray(p.dtype === 'float32' ? Float32Array.from(g) : g, avg.shape)
      const dmax = grad((v: Tensor) => sum(mul(maxPool(v, p.win, o), gt)))(x).toTypedArray()
      const davg = grad((v: Tensor) => sum(mul(avgPool(v, p.win, { ...o, countIncludePad: p.includePad }), gt)))(x).toTypedArray()
      const wantMax = new Float64Array(data.length)
      const wantAvg = new Float64Array(data.length)
      const [, h, w, c] = p.shape
      const outs = [avg.shape[1]!, avg.shape[2]!]
      let k = 0
      for (let b = 0; b < p.shape[0]; b++) for (let i = 0; i < outs[0]!; i++) for (let j = 0; j < outs[1]!; j++) for (let ch = 0; ch < c; ch++, k++) {
        const cells: number[] = []
        for (let di = 0; di < p.win[0]; di++) for (let dj = 0; dj < p.win[1]; dj++) {
          const r = i * p.s[0] + di - p.pads[0]![0]
          const q = j * p.s[1] + dj - p.pads[1]![0]
          if (r >= 0 && r < h && q >= 0 && q < w) cells.push(((b * h + r) * w + q) * c + ch)
        }
        const arg = cells.reduce((m, e) => (data[e]! > data[m]! ? e : m), cells[0]!)
        wantMax[arg]! += g[k]!
        for (const e of cells) wantAvg[e]! += g[k]! / (p.includePad ? p.win[0] * p.win[1] : cells.length)
      }
      Array.from(dmax).forEach((v, i) => { expect(Math.abs(v - round(wantMax[i]!))).toBeLessThanOrEqual((p.dtype === 'float32' ? 2 ** -21 : 2 ** -50) * 16); })
      Array.from(davg).forEach((v, i) => { expect(Math.abs(v - wantAvg[i]!)).toBeLessThanOrEqual((p.dtype === 'float32' ? 2 ** -21 : 2 ** -50) * 16); })
    }), { numRuns: 150, seed: 13 })
  })

  it('analytic: a 1×4×4×1 input pooled 2×2, stride 2; 1-d pooling over [batch, W, C]; int32 maxPool', () => {
    const x = fromTypedArray(Float64Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1])
    expect(Array.from(maxPool(x, [2, 2], { strides: 2 }).toTypedArray())).toEqual([5, 7, 13, 15])
    expect(Array.from(avgPool(x, [2, 2], { strides: 2 }).toTypedArray())).toEqual([2.5, 4.5, 10.5, 12.5])
    expect(Array.from(grad((v: Tensor) => sum(maxPool(v, [2, 2], { strides: 2 })))(x).toTypedArray())).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1])
    expect(Array.from(maxPool(tensor([[[1], [3], [2]]]), [2]).toTypedArray())).toEqual([3, 3])
    const ints = maxPool(tensor([[[-5], [-7]]], 'int32'), [2], { padding: 'SAME' })
    expect([ints.dtype, ...ints.toTypedArray()]).toEqual(['int32', -5, -7])
  })

  it('second order: avgPool is linear (its Hessian is zero); maxPool has zero curvature away from ties', () => {
    const x = fromTypedArray(values(18, 4), [2, 3, 3, 1])
    for (const f of [(v: Tensor) => avgPool(v, [2, 2], { padding: 'SAME' }), (v: Tensor) => maxPool(v, [2, 1], { strides: [1, 2] })]) {
      expect(checkGrads(f, x, { order: 2 }).filter((k) => !k.ok)).toEqual([])
    }
  })
})
