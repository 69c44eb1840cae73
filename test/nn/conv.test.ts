/**
 * nn.initConv, nn.applyConv and nn.applyDense against independent float64
 * loops written here; the initialisers' spread against σ from the fans of
 * JAX's `variance_scaling` (`_compute_fans`: receptive field prod(window),
 * fan_in = field·in/groups, fan_out = field·out); gradients by the laws'
 * finite differences; every `nn.Activation` of an MLP against its formula;
 * per-channel and per-unit dropout on a layer's NHWC map; max-norm per output
 * channel of the layer's filters.
 */
import { describe, expect, it } from 'vitest'
import { checkGrads, maxNormRounding } from '../../laws/index.js'
import { type Tensor, add, fromTypedArray, matmul, mul, ones, tensor } from '../../src/index.js'
import * as nn from '../../src/nn/index.js'
import * as optim from '../../src/optim/index.js'
import * as random from '../../src/random/index.js'
import { errorOf } from '../errors.js'

const vals = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>)
const f64 = (vs: readonly number[], shape: readonly number[]) => fromTypedArray(Float64Array.from(vs), shape)
const init = <A>(r: random.Random<A>, seed = 0): A => random.evaluate(random.key(seed))(r)
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)
const strides = (s: readonly number[]) => s.map((_, i) => prod(s.slice(i + 1)))

/**
 * An NHWC/HWIO convolution plus bias by direct loops over any number of
 * spatial axes: out[n, o…, co] = b[co] + Σ_k Σ_ci x[n, o·s + k − lo, g·I + ci]·w[k, ci, co]
 * with g = co / (O/G), zero outside the input. `pads` are explicit [low, high].
 */
const convLoop = (
  x: readonly number[], xs: readonly number[], w: readonly number[], ws: readonly number[], b: readonly number[],
  st: readonly number[], pads: readonly (readonly [number, number])[], groups: number,
): { data: number[]; shape: number[] } => {
  const nsp = xs.length - 2
  const [n, c] = [xs[0]!, xs[nsp + 1]!]
  const win = ws.slice(0, nsp)
  const [inPer, out] = [ws[nsp]!, ws[nsp + 1]!]
  const sp = xs.slice(1, -1)
  const outSp = sp.map((d, a) => Math.floor((pads[a]![0] + d + pads[a]![1] - win[a]!) / st[a]!) + 1)
  const shape = [n, ...outSp, out]
  const [xst, wst] = [strides(xs), strides(ws)]
  const data = new Array<number>(prod(shape)).fill(0)
  const index = (flat: number, s: readonly number[]) => s.map((d, i) => Math.floor(flat / prod(s.slice(i + 1))) % d)
  for (let f = 0; f < data.length; f++) {
    const [bi, ...rest] = index(f, shape)
    const co = rest[nsp]!
    const pos = rest.slice(0, nsp)
    const g = Math.floor(co / (out / groups))
    let acc = b[co]!
    for (let kf = 0; kf < prod(win); kf++) {
      const k = index(kf, win)
      const at = pos.map((p, a) => p * st[a]! + k[a]! - pads[a]![0])
      if (at.some((q, a) => q < 0 || q >= sp[a]!)) continue
      for (let ci = 0; ci < inPer; ci++) {
        const xi = bi! * xst[0]! + at.reduce((s, q, a) => s + q * xst[a + 1]!, 0) + (g * inPer + ci)
        const wi = k.reduce((s, q, a) => s + q * wst[a]!, 0) + ci * wst[nsp]! + co
        acc += x[xi]! * w[wi]!
      }
    }
    data[f] = acc
  }
  expect(c).toBe(inPer * groups)
  return { data, shape }
}

const closeTo = (got: readonly number[], want: readonly number[], tol: number): void => {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => { expect(Math.abs(g - want[i]!), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!))); })
}

describe('nn.applyConv', () => {
  const cases = [
    { name: '2-d SAME, stride 1', xs: [2, 5, 4, 3], window: [3, 3], out: 4, groups: 1, options: {}, st: [1, 1], pads: [[1, 1], [1, 1]] },
    { name: '2-d VALID, stride 2', xs: [1, 7, 6, 2], window: [3, 2], out: 3, groups: 1, options: { padding: 'VALID' as const, strides: 2 }, st: [2, 2], pads: [[0, 0], [0, 0]] },
    // SAME with stride 2 on 6: out 3, total padding (3−1)·2 + 4 − 6 = 2 → [1, 1]; on 5 with window 4: out 3, total 3 → [1, 2].
    { name: '2-d SAME, stride 2, even window', xs: [1, 6, 5, 2], window: [4, 4], out: 2, groups: 1, options: { strides: 2 }, st: [2, 2], pads: [[1, 1], [1, 2]] },
    { name: '2-d grouped (2 groups)', xs: [2, 4, 4, 4], window: [2, 2], out: 6, groups: 2, options: { featureGroupCount: 2, padding: 'VALID' as const }, st: [1, 1], pads: [[0, 0], [0, 0]] },
    { name: '1-d explicit padding', xs: [3, 9, 2], window: [3], out: 5, groups: 1, options: { padding: [[2, 0]] as const }, st: [1], pads: [[2, 0]] },
    { name: '3-d depthwise', xs: [1, 3, 4, 3, 3], window: [2, 2, 2], out: 3, groups: 3, options: { featureGroupCount: 3 }, st: [1, 1, 1], pads: [[0, 1], [0, 1], [0, 1]] },
  ] as const
  for (const k of cases) {
    it(`is conv + bias, by a loop: ${k.name}`, () => {
      const inCh = k.xs[k.xs.length - 1]!
      const layer0 = init(nn.initConv({ window: k.window, inChannels: inCh, outChannels: k.out, featureGroupCount: k.groups, dtype: 'float64' }), 3)
      // A bias that is not zero, so that adding it is checked too.
      const layer = { w: layer0.w, b: f64(Array.from({ length: k.out }, (_, i) => 0.25 * i - 0.5), [k.out]) }
      const x = random.normal(random.key(4), k.xs, 'float64')
      const got = nn.applyConv(layer, x, k.options)
      const want = convLoop(vals(x), k.xs, vals(layer.w), layer.w.shape, vals(layer.b), k.st, k.pads, k.groups)
      expect(got.shape).toEqual(want.shape)
      closeTo(vals(got), want.data, 1e-13)
    })
  }

  it('differentiates in x, w and b to second order (the laws\' finite differences and adjoint identity)', () => {
    const layer = init(nn.initConv({ window: [2, 2], inChannels: 2, outChannels: 2, dtype: 'float64' }), 1)
    const p = { x: random.normal(random.key(2), [1, 3, 3, 2], 'float64'), w: layer.w, b: f64([0.3, -0.2], [2]) }
    const f = (q: typeof p) => nn.applyConv({ w: q.w, b: q.b }, q.x, { strides: 2 })
    const checks = checkGrads(f, p, { order: 2 })
    expect(checks.length).toBe(9)
    for (const c of checks) expect(c.ok, `${c.law} at ${c.at}`).toBe(true)
  })

  it('names applyConv, the argument and the shapes when the layer or layout is wrong', () => {
    const layer = init(nn.initConv({ window: [3, 3], inChannels: 2, outChannels: 4 }))
    expect(errorOf(() => nn.applyConv(layer, ones([1, 5, 5, 2]), { dimensionNumbers: 'NCHW' }))).toBe("applyConv: dimensionNumbers must be 'NHWC' (the layer's filters are HWIO), got \"NCHW\"")
    expect(errorOf(() => nn.applyConv({ w: layer.w, b: ones([3]) }, ones([1, 5, 5, 2])))).toBe("applyConv: layer.b[3] must have the shape [4] of layer.w[3,3,2,4]'s output channels")
    expect(errorOf(() => nn.applyConv({ w: ones([2, 4]), b: ones([4]) }, ones([1, 5, 2])))).toBe('applyConv: layer.w must be HWIO filters [...window, in, out] of rank ≥ 3, got [2,4]')
    expect(errorOf(() => nn.applyConv({ w: layer.w } as unknown as nn.Conv, ones([1, 5, 5, 2])))).toBe('applyConv: layer.b must be a tensor, got undefined')
    // The convolution's own checks still name the shapes.
    expect(errorOf(() => nn.applyConv(layer, ones([1, 5, 5, 3])))).toContain('lhs has 3 input channels but rhs takes 2 per group')
  })
})

describe('nn.initConv', () => {
  it('makes HWIO filters [...window, in/groups, out] and zero biases, for any number of spatial axes', () => {
    const shapes = ([
      [{ window: [5, 5], inChannels: 3, outChannels: 16 }, [5, 5, 3, 16]],
      [{ window: [3], inChannels: 4, outChannels: 2 }, [3, 4, 2]],
      [{ window: [2, 3, 4], inChannels: 6, outChannels: 9, featureGroupCount: 3 }, [2, 3, 4, 2, 9]],
      [{ window: [3, 3], inChannels: 8, outChannels: 8, featureGroupCount: 8 }, [3, 3, 1, 8]],
    ] as const)
    for (const [o, shape] of shapes) {
      const l = init(nn.initConv(o))
      expect(l.w.shape).toEqual(shape)
      expect(l.w.dtype).toBe('float32')
      expect(l.b.shape).toEqual([o.outChannels])
      expect(vals(l.b).every((v) => v === 0)).toBe(true)
    }
    expect(init(nn.initConv({ window: [2], inChannels: 1, outChannels: 1, dtype: 'float64' })).b.dtype).toBe('float64')
    // A Random value: the same key, the same filters; another key, others.
    const o = { window: [3, 3], inChannels: 2, outChannels: 3 } as const
    expect(vals(init(nn.initConv(o), 5).w)).toEqual(vals(init(nn.initConv(o), 5).w))
    expect(vals(init(nn.initConv(o), 5).w)).not.toEqual(vals(init(nn.initConv(o), 6).w))
  })

  it('draws N(0, σ²) with σ from fan_in = prod(window)·in/groups and fan_out = prod(window)·out', () => {
    // [5, 5], 16 → 32: field 25, fans 400 and 800. [5, 5], 32 → 64 in 4 groups: fans 25·8 = 200 and 25·64 = 1600.
    const layers = [
      { o: { window: [5, 5], inChannels: 16, outChannels: 32 }, fanIn: 400, fanOut: 800 },
      { o: { window: [5, 5], inChannels: 32, outChannels: 64, featureGroupCount: 4 }, fanIn: 200, fanOut: 1600 },
      { o: { window: [7], inChannels: 60, outChannels: 50 }, fanIn: 420, fanOut: 350 },
    ] as const
    for (const { o, fanIn, fanOut } of layers) {
      const want = { normal: Math.sqrt(1 / fanIn), glorot: Math.sqrt(2 / (fanIn + fanOut)), he: Math.sqrt(2 / fanIn) }
      for (const kind of ['normal', 'glorot', 'he'] as const) {
        const w = vals(init(nn.initConv({ ...o, init: kind, dtype: 'float64' }), 11).w)
        const sd = want[kind]
        const m = w.reduce((a, b) => a + b, 0) / w.length
        const s = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1))
        // n = 10,000 to 12,800 normal draws: the sample sd is within 6·σ/√(2n) of σ (about 4 % of σ), the mean within 6·σ/√n of 0.
        expect(Math.abs(s - sd), `${kind} ${JSON.stringify(o)}: sd ${s} vs ${sd}`).toBeLessThan((6 * sd) / Math.sqrt(2 * w.length))
        expect(Math.abs(m)).toBeLessThan((6 * sd) / Math.sqrt(w.length))
      }
    }
  })

  it('checks its options when the layer is made, naming initConv, the argument and the value', () => {
    const ok = { window: [3, 3], inChannels: 4, outChannels: 6 }
    const bad = (o: object) => errorOf(() => nn.initConv({ ...ok, ...o }))
    expect(bad({ window: [] })).toBe('initConv: window must be a non-empty array of positive integers (one per spatial axis), got []')
    expect(bad({ window: [3, 0] })).toBe('initConv: window must be a non-empty array of positive integers (one per spatial axis), got [3,0]')
    expect(bad({ window: 3 })).toBe('initConv: window must be a non-empty array of positive integers (one per spatial axis), got 3')
    expect(bad({ inChannels: 0 })).toBe('initConv: inChannels must be a positive integer, got 0')
    expect(bad({ outChannels: 2.5 })).toBe('initConv: outChannels must be a positive integer, got 2.5')
    expect(bad({ featureGroupCount: 3 })).toBe('initConv: featureGroupCount 3 does not divide inChannels 4')
    expect(bad({ featureGroupCount: 4 })).toBe('initConv: featureGroupCount 4 does not divide outChannels 6')
    expect(bad({ featureGroupCount: -2 })).toBe('initConv: featureGroupCount must be a positive integer, got -2')
    expect(bad({ init: 'xavier' })).toBe("initConv: init must be 'normal', 'glorot' or 'he', got \"xavier\"")
    expect(bad({ dtype: 'int32' })).toBe("initConv: dtype must be 'float32' or 'float64', got \"int32\"")
    expect(errorOf(() => nn.initConv(null as unknown as nn.InitConvOptions))).toBe('initConv: options must be an object such as { axis }, got null')
  })
})

describe('nn.applyDense', () => {
  it('is x·w + b, by a loop, and mlp applies its layers with it', () => {
    const w = f64([0.5, -1, 2, 0.25, 3, -0.75], [3, 2])
    const b = f64([0.1, -0.2], [2])
    const x = f64([1, 2, 3, -1, 0.5, 4], [2, 3])
    const want = [0, 1].flatMap((r) => [0, 1].map((j) => b.toTypedArray()[j]! + [0, 1, 2].reduce((s, i) => s + vals(x)[r * 3 + i]! * vals(w)[i * 2 + j]!, 0)))
    closeTo(vals(nn.applyDense({ w, b }, x)), want, 1e-15)
    expect(vals(nn.applyDense({ w, b }, x))).toEqual(vals(add(matmul(x, w), b)))
    // A batch of batches: [..., in] → [..., out].
    expect(nn.applyDense({ w, b }, ones([4, 2, 3], 'float64')).shape).toEqual([4, 2, 2])
    expect(vals(nn.mlp({ sizes: [3, 2] }, { layers: [{ w, b }] }, x, nn.Eval))).toEqual(vals(nn.applyDense({ w, b }, x)))
  })
  it('names applyDense and the shapes of a mismatch', () => {
    const layer = { w: ones([3, 2]), b: ones([2]) }
    expect(errorOf(() => nn.applyDense(layer, ones([4, 5])))).toBe('applyDense: x[4,5] must end in the 3 inputs of layer.w[3,2]')
    expect(errorOf(() => nn.applyDense({ w: layer.w, b: ones([3]) }, ones([4, 3])))).toBe("applyDense: layer.b[3] must have the shape [2] of layer.w[3,2]'s outputs")
    expect(errorOf(() => nn.applyDense({ w: ones([3]), b: ones([3]) }, ones([3])))).toBe('applyDense: layer.w must be a matrix [in, out], got [3]')
  })
})

describe('nn.Activation in an MLP', () => {
  // jax.nn's definitions (their defaults), written here on numbers.
  const sig = (z: number) => 1 / (1 + Math.exp(-z))
  const formulas: { readonly [A in nn.Activation]: (z: number) => number } = {
    relu: (z) => Math.max(z, 0),
    sigmoid: sig,
    tanh: Math.tanh,
    gelu: (z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))),
    silu: (z) => z * sig(z),
    elu: (z) => (z > 0 ? z : Math.expm1(z)),
    leakyRelu: (z) => (z >= 0 ? z : 0.01 * z),
    softplus: (z) => Math.log1p(Math.exp(z)),
  }
  it('each name is the jax.nn function with its defaults (gelu: the tanh approximation)', () => {
    const w1 = [1.2, -0.7, 0.4, -1.5, 0.9, 2.1, -0.3, 0.8]                // [2, 4]
    const b1 = [0.1, -0.2, 0.05, 0.3]
    const w2 = [0.5, -1, 1.5, 0.25]                                      // [4, 1]
    const x = [[0.8, -1.1], [-2, 0.6], [1.5, 1.5]]
    const params = { layers: [{ w: f64(w1, [2, 4]), b: f64(b1, [4]) }, { w: f64(w2, [4, 1]), b: f64([0.2], [1]) }] }
    for (const [name, fn] of Object.entries(formulas) as [nn.Activation, (z: number) => number][]) {
      const want = x.map(([u, v]) => 0.2 + [0, 1, 2, 3].reduce((s, j) => s + fn(u! * w1[j]! + v! * w1[4 + j]! + b1[j]!) * w2[j]!, 0))
      const got = vals(nn.mlp({ sizes: [2, 4, 1], activation: name }, params, tensor(x, 'float64'), nn.Eval))
      closeTo(got, want, 1e-14)
    }
    // Different names give different networks (no name falls back to another).
    const outs = Object.keys(formulas).map((a) => vals(nn.mlp({ sizes: [2, 4, 1], activation: a as nn.Activation }, params, tensor(x, 'float64'), nn.Eval)).join())
    expect(new Set(outs).size).toBe(8)
    expect(errorOf(() => nn.initMlp({ sizes: [2, 1], activation: 'swish' as nn.Activation }))).toBe(
      "mlp: activation must be one of 'relu', 'sigmoid', 'tanh', 'gelu', 'silu', 'elu', 'leakyRelu', 'softplus', got \"swish\"",
    )
  })
})

describe('dropout on a conv layer\'s feature maps', () => {
  const layer = init(nn.initConv({ window: [3, 3], inChannels: 1, outChannels: 8, dtype: 'float64' }))
  // The layer's NHWC map [4, 6, 6, 8] of a random image batch (no element is exactly 0 before dropout).
  const maps = nn.applyConv(layer, random.uniform(random.key(1), [4, 6, 6, 1], { dtype: 'float64' }))
  const slices = (y: Tensor) => {
    const v = vals(y)
    return Array.from({ length: 4 * 8 }, (_, nc) => Array.from({ length: 36 }, (_, hw) => v[(Math.floor(nc / 8) * 36 + hw) * 8 + (nc % 8)]!))
  }
  it('per channel (broadcastAxes [1, 2], spatial dropout): each (example, channel) map kept whole or dropped whole', () => {
    const [y, mask] = random.evaluate(random.key(9))(nn.dropoutWithMask(nn.Train, { keep: 0.5 }, { broadcastAxes: [1, 2] })(maps))
    expect(mask!.shape).toEqual([4, 1, 1, 8])
    const x = slices(maps)
    const s = slices(y)
    s.forEach((ch, i) => {
      const kept = vals(mask!)[i] === 1
      ch.forEach((v, j) => { expect(v).toBe(kept ? x[i]![j]! / 0.5 : 0); })
    })
    const keptCount = vals(mask!).filter((m) => m === 1).length
    // 32 Bernoulli(0.5) draws: some kept and some dropped (P(all one way) = 2⁻³¹).
    expect(keptCount > 0 && keptCount < 32).toBe(true)
  })
  it('per unit (no broadcastAxes): a mask of the map\'s shape, channels partly dropped', () => {
    const [y, mask] = random.evaluate(random.key(9))(nn.dropoutWithMask(nn.Train, { keep: 0.5 }, {})(maps))
    expect(mask!.shape).toEqual([4, 6, 6, 8])
    const s = slices(y)
    // A channel map of 36 units is all kept or all dropped with probability 2·2⁻³⁶; here most are mixed.
    const mixed = s.filter((ch) => ch.some((v) => v === 0) && ch.some((v) => v !== 0)).length
    expect(mixed).toBe(32)
    const kept = vals(mask!).filter((m) => m === 1).length / mask!.size
    // 1152 draws of Bernoulli(0.5): within 6 standard errors (0.088) of 0.5.
    expect(Math.abs(kept - 0.5)).toBeLessThan(6 * Math.sqrt(0.25 / 1152))
  })
})

describe('max-norm on a conv layer\'s filters, per output channel', () => {
  it('bounds every output channel\'s filter norm by c and leaves the filters inside bit for bit', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const { w } = init(nn.initConv({ window: [3, 3], inChannels: 4, outChannels: 6, init: 'he', dtype }), 21)
      // Channel norms ≈ √(36·2/36) ≈ 1.4, scaled so that channels 1, 3 and 4 leave the ball of radius 1.
      const big = mul(w, fromTypedArray(dtype === 'float32' ? Float32Array.from([0.3, 4, 0.2, 10, 3, 0.1]) : Float64Array.from([0.3, 4, 0.2, 10, 3, 0.1])))
      const c = 1
      const projected = optim.maxNorm({ c, axis: [0, 1, 2] })(big)
      const before = vals(big)
      const after = vals(projected)
      // The test's own norms of each output channel (the last HWIO axis), in double.
      const normOf = (v: readonly number[], o: number) => Math.sqrt(v.filter((_, i) => i % 6 === o).reduce((a, b) => a + b * b, 0))
      const r = maxNormRounding(dtype, 36)
      let outside = 0
      for (let o = 0; o < 6; o++) {
        const nb = normOf(before, o)
        expect(normOf(after, o)).toBeLessThanOrEqual(c * (1 + r.bound) * (1 + r.reference))
        const channel = (v: readonly number[]) => v.filter((_, i) => i % 6 === o)
        if (nb <= c * r.inside) {
          // Untouched: the same bits (toBe is Object.is on each element).
          channel(after).forEach((v, i) => { expect(v).toBe(channel(before)[i]); })
        } else {
          outside++
          expect(Math.abs(normOf(after, o) - c)).toBeLessThanOrEqual(c * (r.bound + r.reference))
        }
      }
      expect(outside).toBe(3)
    }
  })
})
