/** The arbitraries keep their promises: shapes within bounds, broadcastable lists, values in range, away from kinks and apart. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { broadcastShapesArb, matmulCaseArb, normalLike, shapeArb, tensorArb, tensorsArb } from '../../laws/arbitraries.js'
import { broadcastShapes, sizeOf } from '../../src/core/shape.js'
import { zeros } from '../../src/core/tensor.js'
import { matmul } from '../../src/ad/index.js'

const RUNS = { numRuns: 200 }
const values = (t: { toTypedArray(): ArrayLike<number> }): number[] => Array.from(t.toTypedArray())

describe('shape arbitraries', () => {
  it('shapeArb respects rank, dimension and size bounds', () => {
    const o = { minRank: 1, maxRank: 4, minDim: 0, maxDim: 5, maxSize: 30 }
    fc.assert(fc.property(shapeArb(o), (s) => s.length >= 1 && s.length <= 4 && s.every((d) => Number.isInteger(d) && d >= 0 && d <= 5) && sizeOf(s) <= 30), RUNS)
    fc.assert(fc.property(shapeArb({ minDim: 2, maxDim: 3, maxRank: 3 }), (s) => s.every((d) => d >= 2 && d <= 3)), RUNS)
  })

  it('broadcastShapesArb draws shapes that broadcast together', () => {
    fc.assert(fc.property(broadcastShapesArb(3), ([a, b, c]) => broadcastShapes(broadcastShapes(a!, b!), c!).length <= 4), RUNS)
  })

  it('maxSize bounds every operand, also one that drops a 0 of the common shape ([0, 4, 4, 4] once gave a [4, 4, 4] operand under maxSize 24)', () => {
    const nonZero = (s: readonly number[]): number => s.reduce((a, d) => a * Math.max(d, 1), 1)
    fc.assert(fc.property(shapeArb({ maxSize: 24 }), (s) => nonZero(s) <= 24), { numRuns: 2000 })
    fc.assert(fc.property(broadcastShapesArb(3, { maxRank: 4, maxDim: 4, maxSize: 24 }), (ss) => ss.every((s) => sizeOf(s) <= 24)), { numRuns: 2000 })
  })

  it('matmulCaseArb draws operands matmul accepts, with the flags asked for', () => {
    fc.assert(fc.property(matmulCaseArb(), (c) => matmul(zeros(c.a), zeros(c.b), c).rank >= 0), RUNS)
    fc.assert(fc.property(matmulCaseArb({ transposeA: true, transposeB: false, vectors: false }), (c) => c.transposeA && !c.transposeB && c.a.length >= 2), RUNS)
  })
})

describe('tensor arbitraries', () => {
  it('draw the dtype and range asked for', () => {
    fc.assert(fc.property(tensorArb([2, 3]), (t) => t.dtype === 'float64' && t.shape.join() === '2,3' && values(t).every((v) => v >= -2 && v <= 2)), RUNS)
    fc.assert(fc.property(tensorArb([5], { dtype: 'float32', min: 0.5, max: 1 }), (t) => t.dtype === 'float32' && values(t).every((v) => v >= 0.5 && v <= 1)), RUNS)
    fc.assert(fc.property(tensorArb([5], { dtype: 'int32', min: 0, max: 3 }), (t) => t.dtype === 'int32' && values(t).every((v) => Number.isInteger(v) && v >= 0 && v <= 3)), RUNS)
    fc.assert(fc.property(tensorArb([5], { dtype: 'bool' }), (t) => t.dtype === 'bool' && values(t).every((v) => v === 0 || v === 1)), RUNS)
  })

  it('keep away from kinks and from each other', () => {
    const o = { min: -1, max: 1, avoid: [0, 0.5], margin: 0.1 }
    fc.assert(fc.property(tensorArb([20], o), (t) => values(t).every((v) => v >= -1 && v <= 1 && Math.abs(v) >= 0.1 && Math.abs(v - 0.5) >= 0.1)), RUNS)
    const apart = tensorsArb([[4, 2], [3]], { separation: 0.2, avoid: [0], margin: 0.05 })
    fc.assert(fc.property(apart, ([a, b]) => {
      const vs = [...values(a!), ...values(b!)].sort((x, y) => x - y)
      return vs.every((v, i) => Math.abs(v) >= 0.05 && (i === 0 || v - vs[i - 1]! >= 0.2 - 1e-12))
    }), RUNS)
  })

  it('refuse a separation that cannot fit the range', () => {
    expect(() => fc.sample(tensorArb([100], { separation: 0.1 }), 1)).toThrow(/cannot place 100 values/)
  })

  it('normalLike is reproducible, keeps the structure, and looks standard normal', () => {
    const like = { w: zeros([4000]), b: [zeros([2, 3])] }
    const a = normalLike(like, 5)
    expect(values(a.w)).toEqual(values(normalLike(like, 5).w))
    expect(values(a.w)).not.toEqual(values(normalLike(like, 5, 1).w))
    expect(a.b[0]!.shape).toEqual([2, 3])
    const xs = values(a.w)
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length
    // 6 standard errors: sd(mean) = 1/√n ≈ 0.016, sd(variance) ≈ √(2/n) ≈ 0.022.
    expect(Math.abs(mean)).toBeLessThan(6 / Math.sqrt(xs.length))
    expect(Math.abs(variance - 1)).toBeLessThan(6 * Math.sqrt(2 / xs.length))
  })
})
