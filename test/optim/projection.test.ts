import { test as fcTest } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { add, clip, div, grad, mul, norm, sum, tensor, type Tensor, tree } from 'grad-ts'
import * as optim from '../../src/optim/index.js'
import type { MaxNormOptions as MaxNormOptionsLike } from '../../src/optim/index.js'
import {
  maxNormBoundLaw,
  maxNormBoundProperty,
  maxNormDirectionProperty,
  maxNormFixedPointLaw,
  maxNormFixedPointProperty,
  maxNormIdempotentLaw,
  maxNormIdempotentProperty,
  maxNormNonExpansiveLaw,
  maxNormNonExpansiveProperty,
  maxNormOptionsArb,
  maxNormPairArb,
  maxNormRounding,
  maxNormUnitsIndependentProperty,
  maxNormWeightsArb,
} from '../../laws/projection.js'
import { tensorErrorOf as errorOf } from '../errors.js'

const bits = (t: Tensor): number[] => Array.from(t.toTypedArray())

describe('maxNorm: known answers', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: column norms 5 and 1 with c = 2 — the first scaled to norm 2, the second untouched bit for bit`, () => {
      const w = tensor([[3, 0.6], [4, 0.8]], dtype)
      const p = optim.maxNorm({ c: 2 })(w)
      expect(p.dtype).toBe(dtype)
      const [a, b, c, d] = bits(p)
      const [, w1, , w3] = bits(w)
      expect(Object.is(b, w1) && Object.is(d, w3)).toBe(true)
      const n0 = Math.hypot(a!, c!)
      const { bound } = maxNormRounding(dtype, 2)
      expect(Math.abs(n0 - 2)).toBeLessThanOrEqual(2 * bound)
      const round = dtype === 'float32' ? Math.fround : (x: number) => x
      // Elementwise: w·fl(c/‖w‖) = 3·fl(0.4), 4·fl(0.4), each rounded once.
      expect([a, c]).toEqual([round(3 * round(0.4)), round(4 * round(0.4))])
    })
  }

  it('a column [0, 5] with c = 2 becomes exactly [0, 2]; a zero column stays zero', () => {
    const p = optim.maxNorm({ c: 2 })(tensor([[0, 0], [5, 0]]))
    expect(bits(p)).toEqual([0, 0, 2, 0])
  })

  it('axis 1 constrains rows (W stored as [out, in]); axis [0, 1] the whole matrix', () => {
    const w = tensor([[3, 4], [0.3, 0.4]], 'float64')
    expect(bits(optim.maxNorm({ c: 1, axis: 1 })(w))).toEqual([3 * (1 / 5), 4 * (1 / 5), 0.3, 0.4])
    const whole = optim.maxNorm({ c: 1, axis: [0, 1] })(tensor([[3, 0], [0, 4]], 'float64'))
    expect(bits(whole)).toEqual([3 * (1 / 5), 0, 0, 4 * (1 / 5)])
    expect(bits(optim.maxNorm({ c: 1, axis: -1 })(w))).toEqual(bits(optim.maxNorm({ c: 1, axis: 1 })(w)))
  })

  it('rejects bad radii and axes with a TensorError naming optim.maxNorm', () => {
    expect(errorOf(() => optim.maxNorm({ c: 0 })).message).toBe('optim.maxNorm: the radius c must be a positive finite number, got 0')
    expect(errorOf(() => optim.maxNorm({ c: -1 })).message).toBe('optim.maxNorm: the radius c must be a positive finite number, got -1')
    expect(errorOf(() => optim.maxNorm({ c: Infinity })).message).toBe('optim.maxNorm: the radius c must be a positive finite number, got Infinity')
    expect(errorOf(() => optim.maxNorm({ c: NaN })).message).toBe('optim.maxNorm: the radius c must be a positive finite number, got NaN')
    expect(errorOf(() => optim.maxNorm({ c: 1, axis: 0.5 })).message).toBe('optim.maxNorm: axis must be integers, got [0.5]')
    expect(errorOf(() => optim.maxNorm({ c: 1, axis: [] })).message).toBe('optim.maxNorm: axis must name at least one axis')
    expect(errorOf(() => optim.maxNorm({ c: 1, axis: 2 })(tensor([[1]]))).message).toBe('optim.maxNorm: axis 2 is out of range for rank 2')
    // Rejected when the projection is made, before any tensor is seen.
    expect(errorOf(() => optim.maxNorm({ c: 1, axis: [0, 0] })).message).toBe('optim.maxNorm: axis [0,0] repeats an axis')
    expect(errorOf(() => optim.maxNorm({ c: 1, axis: [0, -2] })(tensor([[1]]))).message).toBe('optim.maxNorm: axis 0 is repeated')
    expect(errorOf(() => optim.maxNorm({ c: 1 })(tensor([1, 2], 'int32'))).message).toBe('optim.maxNorm: needs a float tensor, got int32')
    expect(errorOf(() => optim.maxNorm({ c: 1 })(tensor(3))).message).toBe('optim.maxNorm: axis 0 is out of range for rank 0')
  })
})

describe('maxNorm: gradient', () => {
  it('matches central finite differences (float64), with units inside and outside the ball', () => {
    // Column norms ≈ 0.54 (inside) and ≈ 6.1 (outside) for c = 2: far from the sphere.
    const w = tensor([[0.3, 3.5], [-0.4, -5], [0.2, 0.7]], 'float64')
    const r = tensor([[1.5, -0.7], [0.2, 1.1], [-1.3, 0.4]], 'float64')
    const f = (x: Tensor): Tensor => sum(mul(optim.maxNorm({ c: 2 })(x), r))
    const g = bits(grad(f)(w))
    const xs = bits(w)
    const h = 1e-6
    xs.forEach((_, i) => {
      const at = (d: number) => f(tensor([0, 1, 2].map((row) => [0, 1].map((col) => xs[row * 2 + col]! + (row * 2 + col === i ? d : 0))), 'float64')).item()
      const fd = (at(h) - at(-h)) / (2 * h)
      expect(Math.abs(g[i]! - fd)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(fd)))
    })
    // Inside: the gradient is r itself (identity); outside: c/‖w‖·(I − ŵŵᵀ)r — not r.
    expect(g[0]).toBe(1.5)
    expect(Math.abs(g[1]! - -0.7)).toBeGreaterThan(0.1)
  })
})

describe('projections as a monoid, on selected leaves', () => {
  const M = optim.getProjectionMonoid<Tensor>()
  const p1 = optim.maxNorm({ c: 1 })
  const p2 = optim.maxNorm({ c: 0.5, axis: 1 })
  const p3 = (t: Tensor): Tensor => mul(t, 2)
  fcTest.prop([maxNormWeightsArb({ dtype: 'float64' })])('associative and unital, bit for bit', (w) => {
    expect(bits(M.concat(M.concat(p1, p2), p3)(w))).toEqual(bits(M.concat(p1, M.concat(p2, p3))(w)))
    expect(bits(M.concat(M.empty, p1)(w))).toEqual(bits(p1(w)))
    expect(bits(M.concat(p1, M.empty)(w))).toEqual(bits(p1(w)))
    expect(bits(M.concat(p1, p3)(w))).toEqual(bits(p3(p1(w))))
  })

  it('onLeaves projects the selected leaves and passes the others through as the same tensors', () => {
    const params = { layers: [{ w: tensor([[3], [4]]), b: tensor([30]) }, { w: tensor([[0.1], [0.1]]), b: tensor([40]) }] }
    const project = optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 1 }))
    const q = project(params)
    expect(q.layers[0]!.b).toBe(params.layers[0]!.b)
    expect(q.layers[1]!.b).toBe(params.layers[1]!.b)
    expect(bits(q.layers[1]!.w)).toEqual(bits(params.layers[1]!.w))
    expect(norm(q.layers[0]!.w).item()).toBeCloseTo(1, 6)
    const byPredicate = optim.onLeaves((path, leaf) => leaf.rank === 2 && path.startsWith('layers.1'), (t) => mul(t, 0))(params)
    expect(tree.flatten(byPredicate).map((l) => l.value.toTypedArray()[0])).toEqual([3, 30, 0, 40])
  })
})

describe('maxNorm laws', () => {
  const numRuns = 300
  for (const dtype of ['float32', 'float64'] as const) {
    const weights = maxNormWeightsArb({ dtype })
    const pairs = maxNormPairArb({ dtype })
    const options = maxNormOptionsArb()
    it(`${dtype}: every unit norm ≤ c`, () => {
      fc.assert(maxNormBoundProperty(weights, options), { numRuns })
    })
    it(`${dtype}: identity inside the ball, bit for bit`, () => {
      fc.assert(maxNormFixedPointProperty(weights, options), { numRuns })
    })
    it(`${dtype}: idempotent`, () => {
      fc.assert(maxNormIdempotentProperty(weights, options), { numRuns })
    })
    it(`${dtype}: direction preserved`, () => {
      fc.assert(maxNormDirectionProperty(weights, options), { numRuns })
    })
    it(`${dtype}: non-expansive`, () => {
      fc.assert(maxNormNonExpansiveProperty(pairs, options), { numRuns })
    })
    it(`${dtype}: units independent, bit for bit`, () => {
      fc.assert(maxNormUnitsIndependentProperty(pairs, options), { numRuns })
    })
  }

  it('hold for large weights, tiny radii and long units (float32)', () => {
    const long = maxNormWeightsArb({ dtype: 'float32', maxRows: 300, maxCols: 3, magnitude: 1e6 })
    const tinyC = fc.record({ c: fc.double({ min: 1e-6, max: 1e-3, noNaN: true }) })
    fc.assert(maxNormBoundProperty(long, tinyC), { numRuns: 100 })
    fc.assert(maxNormIdempotentProperty(long, tinyC), { numRuns: 100 })
    fc.assert(maxNormDirectionProperty(long, tinyC), { numRuns: 100 })
  })

  it('rounding slack is a few ulps: bound ≤ 6u for float32 units of 1000', () => {
    const r = maxNormRounding('float32', 1000)
    expect(r.bound / r.u).toBeLessThan(6)
    expect(r.bound / r.u).toBeGreaterThan(4)
    expect(maxNormRounding('float64', 2).bound / 2 ** -53).toBeLessThan(8)
  })

  it('reject inputs outside the domain of the rounding model', () => {
    expect(() => maxNormBoundLaw(tensor([[1]]), { c: 1e-30 })).toThrow('maxNormBoundLaw: c = 1e-30 is outside the domain')
    expect(() => maxNormBoundLaw(tensor([[1e30]]), { c: 1 })).toThrow('maxNormBoundLaw: weights of norm up to')
    expect(() => maxNormNonExpansiveLaw(tensor([[1]]), tensor([1]), { c: 1 })).toThrow('maxNormNonExpansiveLaw: a and b must have the same shape and dtype')
  })
})

describe('the laws can fail', () => {
  // Keras / TF.js MaxNorm: w · clip(‖w‖, 0, c) / (ε + ‖w‖), ε = 1e-7.
  const keras = ({ c, axis = 0 }: MaxNormOptionsLike) => (w: Tensor): Tensor => {
    const n = norm(w, { axis, keepdims: true })
    return mul(w, div(clip(n, 0, c), add(n, 1e-7)))
  }

  it("Keras's epsilon formula violates identity inside the ball (it shrinks every column)", () => {
    const w = tensor([[0.3, 3], [0.4, 4]], 'float64')
    expect(maxNormFixedPointLaw(w, { c: 2 }, keras({ c: 2 }))).toBe(false)
    expect(maxNormFixedPointLaw(w, { c: 2 })).toBe(true)
    const out = fc.check(maxNormFixedPointProperty(maxNormWeightsArb({ dtype: 'float64' }), maxNormOptionsArb(), { project: keras }), { numRuns: 200 })
    expect(out.failed).toBe(true)
    expect(fc.check(maxNormIdempotentProperty(maxNormWeightsArb({ dtype: 'float64' }), maxNormOptionsArb(), { project: keras }), { numRuns: 200 }).failed).toBe(true)
  })

  it('a projection that overshoots the radius by 1e-6 violates the bound', () => {
    const sloppy = (o: MaxNormOptionsLike) => optim.maxNorm({ ...o, c: o.c * (1 + 1e-6) })
    expect(maxNormBoundLaw(tensor([[30], [40]]), { c: 2 }, sloppy({ c: 2 }))).toBe(false)
  })

  it('a projection that mixes units violates independence, and a doubling map non-expansiveness', () => {
    const mixing = (w: Tensor): Tensor => optim.maxNorm({ c: 1, axis: [0, 1] })(w)
    const out = fc.check(maxNormUnitsIndependentProperty(maxNormPairArb({ maxCols: 4 }), fc.constant({ c: 1 }), { project: () => mixing }), { numRuns: 200 })
    expect(out.failed).toBe(true)
    expect(maxNormNonExpansiveLaw(tensor([[0.1]]), tensor([[0.2]]), { c: 1 }, (w) => mul(w, 2))).toBe(false)
  })
})

describe('maxNorm keeps float32 values float32', () => {
  it('returns a float32 tensor of the same shape', () => {
    const p = optim.maxNorm({ c: 1 })(tensor([[1, 2, 3]], 'float32'))
    expect([p.dtype, p.shape.join()]).toEqual(['float32', '1,3'])
    expect(maxNormIdempotentLaw(tensor([[1, 2, 3]]), { c: 1 })).toBe(true)
  })
})
