/**
 * Layer norm, batch norm and maxout against independent float64 loops
 * written here; flax's documented defaults (ε = 1e-6 and 1e-5, momentum 0.99,
 * scale ones, bias zeros, running var ones) and flax's own batch-norm test
 * (momentum 0.9 from zero/one statistics: mean′ = 0.1·μ, var′ = 0.9 + 0.1·σ²);
 * the running-statistic update over many steps; gradients by the laws'
 * finite differences; vmap. Then dropout of whole channels of an NHWC map and
 * max-norm of HWIO filters per output channel.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkGrads, tensorArb, vmapProperty } from '../../laws/index.js'
import { TensorError, add, fromTypedArray, grad, mul, norm, ones, sum, tensor, type Tensor } from '../../src/index.js'
import * as nn from '../../src/nn/index.js'
import * as optim from '../../src/optim/index.js'
import * as random from '../../src/random/index.js'

const vals = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>)
const f64 = (vs: readonly number[], shape: readonly number[]) => fromTypedArray(Float64Array.from(vs), shape)
const close = (got: readonly number[], want: readonly number[], tol: number): void => {
  expect(got.length === want.length && got.every((g, i) => Math.abs(g - want[i]!) <= tol * (1 + Math.abs(want[i]!)))).toBe(true)
}

/** Rows of a [rows, c] array (row-major). */
const rowsOf = (data: readonly number[], c: number): number[][] => Array.from({ length: data.length / c }, (_, r) => data.slice(r * c, r * c + c))

/** Layer norm of each row by a direct loop: (x − μ)/√(σ² + ε)·γ + β. */
const layerNormLoop = (data: readonly number[], c: number, scale: readonly number[], bias: readonly number[], eps: number): number[] =>
  rowsOf(data, c).flatMap((row) => {
    const mu = row.reduce((a, b) => a + b, 0) / c
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / c
    return row.map((x, j) => ((x - mu) / Math.sqrt(v + eps)) * scale[j]! + bias[j]!)
  })

/** Per-feature mean and biased variance over the rows of a [rows, c] array. */
const columnMoments = (data: readonly number[], c: number): { mu: number[]; v: number[] } => {
  const rows = rowsOf(data, c)
  const mu = Array.from({ length: c }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length)
  const v = Array.from({ length: c }, (_, j) => rows.reduce((a, r) => a + (r[j]! - mu[j]!) ** 2, 0) / rows.length)
  return { mu, v }
}

const init = <A>(r: random.Random<A>): A => random.evaluate(random.key(0))(r)

describe('nn.layerNorm', () => {
  it('matches a float64 loop on random rows, scales and biases', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (rows, c, seed) => {
      const x = random.normal(random.key(seed), [rows, c], 'float64')
      const scale = random.normal(random.key(seed + 1), [c], 'float64')
      const bias = random.normal(random.key(seed + 2), [c], 'float64')
      close(vals(nn.layerNorm()({ scale, bias }, x)), layerNormLoop(vals(x), c, vals(scale), vals(bias), 1e-6), 1e-13)
      close(vals(nn.layerNorm({ epsilon: 0.5 })({ scale, bias }, x)), layerNormLoop(vals(x), c, vals(scale), vals(bias), 0.5), 1e-13)
    }), { numRuns: 50 })
  })

  it('has flax\'s defaults: ε = 1e-6, scale ones, bias zeros, the last axis', () => {
    const p = init(nn.initLayerNorm(2, 'float64'))
    expect([vals(p.scale), vals(p.bias), p.scale.dtype]).toEqual([[1, 1], [0, 0], 'float64'])
    expect(init(nn.initLayerNorm([2, 3])).scale.shape).toEqual([2, 3])
    // Variance 1e-6 equals ε, so the output is ±1e-3/√(2e-6) = ±1/√2: ε = 1e-6, not 1e-5 or 0.
    const y = vals(nn.layerNorm()(p, tensor([[0, 2e-3]], 'float64')))
    close(y, [-Math.SQRT1_2, Math.SQRT1_2], 1e-12)
  })

  it('normalises over several axes, with the scale along the feature axes', () => {
    const x = random.normal(random.key(3), [2, 3, 4], 'float64')
    const p = { scale: random.normal(random.key(4), [4], 'float64'), bias: random.normal(random.key(5), [4], 'float64') }
    const y = vals(nn.layerNorm({ axis: [1, 2] })(p, x))
    const data = vals(x)
    const want = [0, 1].flatMap((b) => {
      const block = data.slice(b * 12, b * 12 + 12)
      const mu = block.reduce((a, v) => a + v, 0) / 12
      const v = block.reduce((a, u) => a + (u - mu) ** 2, 0) / 12
      return block.map((u, i) => ((u - mu) / Math.sqrt(v + 1e-6)) * vals(p.scale)[i % 4]! + vals(p.bias)[i % 4]!)
    })
    close(y, want, 1e-13)
  })

  it('obeys the gradient laws (orders 1 and 2) and vmaps', () => {
    const x = f64([0.3, -1.2, 2.0, 0.7, 1.5, -0.4], [2, 3])
    const f = (p: { x: Tensor; scale: Tensor; bias: Tensor }) => nn.layerNorm()({ scale: p.scale, bias: p.bias }, p.x)
    const p = { x, scale: f64([1.5, -0.5, 2], [3]), bias: f64([0.1, 0.2, 0.3], [3]) }
    for (const c of checkGrads(f, p, { order: 2 })) expect(c.ok, `${c.law} at ${c.at}`).toBe(true)
    fc.assert(vmapProperty((v: Tensor) => nn.layerNorm()(init(nn.initLayerNorm(3, 'float64')), v), tensorArb([2, 3], { min: -3, max: 3, separation: 0.3 })), { numRuns: 30 })
  })
})

describe('nn.batchNorm', () => {
  it('has flax\'s defaults: momentum 0.99, ε = 1e-5, running mean 0 and var 1', () => {
    const { params, stats } = init(nn.initBatchNorm(1, 'float64'))
    expect([vals(params.scale), vals(params.bias), vals(stats.mean), vals(stats.var)]).toEqual([[1], [0], [0], [1]])
    // A batch of variance 1e-5 = ε: outputs ±1/√2. And the update weighs the old statistics by 0.99.
    const [y, next] = nn.batchNorm()(params, stats, tensor([[0], [2 * Math.sqrt(1e-5)]], 'float64'), nn.Train)
    close(vals(y), [-Math.SQRT1_2, Math.SQRT1_2], 1e-10)
    close(vals(next.mean), [0.01 * Math.sqrt(1e-5)], 1e-14)
    close(vals(next.var), [0.99 + 0.01 * 1e-5], 1e-14)
  })

  it('flax\'s test: momentum 0.9 on a [4, 3, 2] batch — outputs mean 0 var 1, mean′ = 0.1·μ, var′ = 0.9 + 0.1·σ²', () => {
    const x = random.normal(random.key(1), [4, 3, 2], 'float64')
    const { params, stats } = init(nn.initBatchNorm(2, 'float64'))
    const [y, next] = nn.batchNorm({ momentum: 0.9 })(params, stats, x, nn.Train)
    const { mu, v } = columnMoments(vals(x), 2)
    const ym = columnMoments(vals(y), 2)
    close(ym.mu, [0, 0], 1e-12)
    close(ym.v, v.map((s) => s / (s + 1e-5)), 1e-12)
    close(vals(next.mean), mu.map((m) => 0.1 * m), 1e-13)
    close(vals(next.var), v.map((s) => 0.9 + 0.1 * s), 1e-13)
  })

  it('matches a float64 loop in Train, and threads the running statistics over many steps without mutating them', () => {
    const bn = nn.batchNorm({ momentum: 0.8 })
    const p = { scale: f64([2, -1, 0.5], [3]), bias: f64([0, 1, -2], [3]) }
    let stats: nn.BatchStats = { mean: f64([0.5, 0, -1], [3]), var: f64([1, 2, 0.5], [3]) }
    let ra = { mu: vals(stats.mean), v: vals(stats.var) }
    for (let step = 0; step < 6; step++) {
      const x = random.normal(random.key(10 + step), [5, 3], 'float64')
      const before = { mean: vals(stats.mean), var: vals(stats.var) }
      const [y, next] = bn(p, stats, x, nn.Train)
      const { mu, v } = columnMoments(vals(x), 3)
      const want = rowsOf(vals(x), 3).flatMap((r) => r.map((u, j) => ((u - mu[j]!) / Math.sqrt(v[j]! + 1e-5)) * vals(p.scale)[j]! + vals(p.bias)[j]!))
      close(vals(y), want, 1e-13)
      ra = { mu: ra.mu.map((m, j) => 0.8 * m + 0.2 * mu[j]!), v: ra.v.map((s, j) => 0.8 * s + 0.2 * v[j]!) }
      close(vals(next.mean), ra.mu, 1e-13)
      close(vals(next.var), ra.v, 1e-13)
      expect({ mean: vals(stats.mean), var: vals(stats.var) }).toEqual(before)
      stats = next
    }
    // Eval normalises by the running statistics and returns them as they are.
    const x = random.normal(random.key(99), [4, 3], 'float64')
    const [y, same] = bn(p, stats, x, nn.Eval)
    expect(same).toBe(stats)
    close(vals(y), rowsOf(vals(x), 3).flatMap((r) => r.map((u, j) => ((u - ra.mu[j]!) / Math.sqrt(ra.v[j]! + 1e-5)) * vals(p.scale)[j]! + vals(p.bias)[j]!)), 1e-13)
  })

  it('takes statistics over every axis but the feature axis (NHWC, and NCHW with axis: 1)', () => {
    const x = random.normal(random.key(2), [2, 3, 3, 4], 'float64')
    const { params, stats } = init(nn.initBatchNorm(4, 'float64'))
    const [y] = nn.batchNorm()(params, stats, x, nn.Train)
    const ym = columnMoments(vals(y), 4)
    close(ym.mu, [0, 0, 0, 0], 1e-12)
    const nchw = random.normal(random.key(2), [2, 4, 3, 3], 'float64')
    const [, next] = nn.batchNorm({ axis: 1, momentum: 0 })(params, stats, nchw, nn.Train)
    const d = vals(nchw)
    const mu = [0, 1, 2, 3].map((c) => [0, 1].flatMap((n) => d.slice(n * 36 + c * 9, n * 36 + c * 9 + 9)).reduce((a, b) => a + b, 0) / 18)
    close(vals(next.mean), mu, 1e-13)
  })

  it('the running statistics are not differentiated; the output is, by the laws (orders 1 and 2)', () => {
    const stats = { mean: f64([0, 0], [2]), var: f64([1, 1], [2]) }
    const x = f64([0.3, -1.2, 2.0, 0.7, 1.5, -0.4], [3, 2])
    const g = grad((v: Tensor) => { const [, s] = nn.batchNorm()({ scale: ones([2], 'float64'), bias: ones([2], 'float64') }, stats, v, nn.Train); return add(sum(s.mean), sum(s.var)) })(x)
    expect(vals(g)).toEqual([0, 0, 0, 0, 0, 0])
    const f = (p: { x: Tensor; scale: Tensor; bias: Tensor }) => nn.batchNorm()({ scale: p.scale, bias: p.bias }, stats, p.x, nn.Train)[0]
    for (const c of checkGrads(f, { x, scale: f64([1.5, -0.5], [2]), bias: f64([0.1, 0.2], [2]) }, { order: 2 })) expect(c.ok, `${c.law} at ${c.at}`).toBe(true)
    const e = (p: { x: Tensor; mean: Tensor; var: Tensor }) => nn.batchNorm()({ scale: f64([2, 3], [2]), bias: f64([0, 1], [2]) }, { mean: p.mean, var: p.var }, p.x, nn.Eval)[0]
    for (const c of checkGrads(e, { x, mean: f64([0.1, -0.2], [2]), var: f64([0.5, 2], [2]) }, { order: 2 })) expect(c.ok, `${c.law} at ${c.at}`).toBe(true)
  })

  it('vmaps: per-example statistics of a batch of batches', () => {
    const { params, stats } = init(nn.initBatchNorm(2, 'float64'))
    fc.assert(vmapProperty((v: Tensor) => nn.batchNorm()(params, stats, v, nn.Train), tensorArb([3, 2], { min: -3, max: 3, separation: 0.3 })), { numRuns: 30 })
  })
})

describe('nn.maxout', () => {
  it('is the max of consecutive groups of k pieces, by a loop', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (rows, units, k, seed) => {
      const z = random.normal(random.key(seed), [rows, units * k], 'float64')
      const d = vals(z)
      const want = Array.from({ length: rows * units }, (_, i) => {
        const [r, u] = [Math.floor(i / units), i % units]
        return Math.max(...Array.from({ length: k }, (_, j) => d[r * units * k + u * k + j]!))
      })
      const h = nn.maxout(z, k)
      expect(h.shape).toEqual([rows, units])
      expect(vals(h)).toEqual(want)
    }), { numRuns: 50 })
  })

  it('sends the gradient to the winning piece; another axis; size 0', () => {
    const z = f64([1, 5, -2, 0, 3, 4], [1, 6])
    expect(vals(grad((v: Tensor) => sum(mul(nn.maxout(v, 2), f64([1, 10, 100], [3]))))(z))).toEqual([0, 1, 0, 10, 0, 100])
    expect(nn.maxout(f64([1, 2, 3, 4], [4, 1]), 2, { axis: 0 }).toArray()).toEqual([[2], [4]])
    expect(nn.maxout(fromTypedArray(new Float64Array(0), [0, 4]), 2).shape).toEqual([0, 2])
    for (const c of checkGrads((v: Tensor) => nn.maxout(v, 3), f64([0.5, -1, 2, 1.5, 0.1, -0.7], [6]), { order: 2 })) expect(c.ok).toBe(true)
  })
})

describe('bad arguments are TensorErrors naming the layer', () => {
  it('at construction and application', () => {
    expect(() => nn.layerNorm({ epsilon: -1 })).toThrow('layerNorm: epsilon must be a finite number ≥ 0, got -1')
    expect(() => nn.layerNorm({ axis: [1, 1] })).toThrow('layerNorm: axis [1,1] repeats an axis')
    expect(() => nn.batchNorm({ momentum: 1.5 })).toThrow('batchNorm: momentum must be a number in [0, 1], got 1.5')
    expect(() => nn.initBatchNorm(0)).toThrow('initBatchNorm: features must be a positive integer or a shape of them, got 0')
    const p = init(nn.initLayerNorm(3))
    expect(() => nn.layerNorm()(p, ones([2, 4]))).toThrow('layerNorm: scale[3] must have the shape [4] of x[2,4] on axes [1]')
    expect(() => nn.layerNorm()(p, ones([2, 3], 'int32'))).toThrow('layerNorm: x must be float32 or float64, got int32[2,3]')
    const { params, stats } = init(nn.initBatchNorm(3))
    expect(() => nn.batchNorm()(params, stats, ones([2, 3]), { _tag: 'Test' } as unknown as nn.Mode)).toThrow('batchNorm: mode must be nn.Train or nn.Eval, got "Test"')
    expect(() => nn.batchNorm()(params, { mean: ones([2]), var: ones([3]) }, ones([2, 3]), nn.Train)).toThrow('batchNorm: stats.mean[2] must have the shape [3] of x[2,3] on axes [1]')
    expect(() => nn.maxout(ones([2, 5]), 2)).toThrow('maxout: k must be a positive integer dividing the size 5 of axis 1 of z[2,5], got 2')
    expect(() => nn.maxout(ones([]), 1)).toThrow(TensorError)
  })
})

describe('dropout of whole channels and max-norm of conv filters', () => {
  it('broadcastAxes [1, 2] on an NHWC map drops whole channels, as flax\'s Dropout(broadcast_dims=(1, 2))', () => {
    const x = add(random.normal(random.key(0), [2, 4, 5, 6], 'float64'), 10)
    const drop = nn.dropout({ rate: 0.5 }, { broadcastAxes: [1, 2] })
    const [y, mask] = random.evaluate(random.key(7))(nn.dropoutWithMask(nn.Train, { rate: 0.5 }, { broadcastAxes: [1, 2] })(x))
    expect(mask!.shape).toEqual([2, 1, 1, 6])
    expect(vals(random.evaluate(random.key(7))(drop(x)))).toEqual(vals(y))
    // The mask is the one Bernoulli draw of the mask shape [2, 1, 1, 6] from the same key.
    expect(vals(mask!)).toEqual(vals(random.evaluate(random.key(7))(random.bernoulliR(0.5, [2, 1, 1, 6]))))
    const yd = vals(y)
    const xd = vals(x)
    const m = vals(mask!)
    for (let n = 0; n < 2; n++) for (let c = 0; c < 6; c++) {
      const kept = m[n * 6 + c] === 1
      for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) {
        const i = ((n * 4 + h) * 5 + w) * 6 + c
        expect(yd[i]).toBe(kept ? xd[i]! / 0.5 : 0)
      }
    }
    expect(new Set(m).size).toBe(2)
    // Negative axes name the same channels-last spatial axes.
    expect(nn.maskShape([2, 4, 5, 6], [-3, -2])).toEqual([2, 1, 1, 6])
  })

  it('optim.maxNorm({ c, axis: [0, 1, 2] }) bounds each output channel of an HWIO filter bank', () => {
    const w = random.normal(random.key(3), [3, 3, 2, 4], 'float64')
    const scaled = mul(w, f64([0.1, 1, 0.05, 3], [4]))                 // channels 0 and 2 inside the ball, 1 and 3 outside
    const p = optim.maxNorm({ c: 1, axis: [0, 1, 2] })(scaled)
    const before = vals(norm(scaled, { axis: [0, 1, 2] }))
    const after = vals(norm(p, { axis: [0, 1, 2] }))
    before.forEach((b, o) => {
      if (b <= 1) expect(after[o]).toBe(b)
      else expect(Math.abs(after[o]! - 1)).toBeLessThan(1e-14)
    })
    expect(before.filter((b) => b > 1).length).toBe(2)
    const s = vals(scaled)
    const q = vals(p)
    s.forEach((v, i) => { const o = i % 4; if (before[o]! <= 1) expect(q[i]).toBe(v); else expect(Math.abs(q[i]! - v / before[o]!)).toBeLessThan(1e-15) })
  })
})
