/**
 * The erf kernel against erf in 256-bit fixed point (its Taylor series, with π
 * from Machin's formula) and against the tabulated values of Abramowitz &
 * Stegun, Table 7.1 (to 15 decimals there; the 19-digit values here are the
 * same numbers as DLMF and any arbitrary-precision library give, and the
 * fixed-point reference checks them below). Bound: 2 ulp in float64 over
 * [−6, 6] — the kernel sums in double-double, so only `Math.exp` and the
 * final rounding err (the worst case seen is ≈ 1.4 ulp).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { erf as erf64 } from '../../src/core/erf.js'
import { erf, grad, sum, tensor, type Tensor } from '../../src/index.js'
import { erfFixed, fixed, toNumber } from '../random/erf-reference.js'

/** The spacing of doubles at |v| (normal numbers). */
const ulp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 52)
/** |got − erf(x)| in ulps of erf(x), against the fixed-point reference. */
const ulpError = (x: number, got: number): number => {
  const ref = erfFixed(fixed(x))
  return Math.abs(toNumber(fixed(got) - ref)) / ulp(toNumber(ref))
}

const TABLE: readonly (readonly [number, string])[] = [
  [0.1, '0.1124629160182848922'],
  [0.5, '0.5204998778130465377'],
  [1, '0.8427007929497148693'],
  [1.5, '0.9661051464753107271'],
  [2, '0.9953222650189527342'],
  [2.5, '0.9995930479825550411'],
  [3, '0.9999779095030014146'],
]

describe('erf, the float64 kernel', () => {
  it('agrees with the tabulated values, which agree with the fixed-point reference', () => {
    for (const [x, v] of TABLE) {
      expect(Math.abs(toNumber(erfFixed(fixed(x))) - Number(v))).toBeLessThan(1e-18 + ulp(Number(v)) / 2)
      expect(Math.abs(erf64(x) - Number(v)) / ulp(Number(v))).toBeLessThanOrEqual(2)
      expect(erf64(-x)).toBe(-erf64(x))
    }
  })

  // The fixed-point reference holds 256 bits, so the draws stay above 2⁻⁶⁰ (below 2⁻²⁸ erf x is (2/√π)·x, tested with the special values).
  it('is within 2 ulp on [−6, 6], at small magnitudes and near the switch at 2', () => {
    const grid = [...Array.from({ length: 1201 }, (_, i) => -6 + i / 100), ...Array.from({ length: 200 }, (_, i) => 2 + (i - 100) * 2 ** -40)]
    const worst = Math.max(...grid.filter((x) => x !== 0).map((x) => ulpError(x, erf64(x))))
    expect(worst).toBeLessThanOrEqual(2)
    fc.assert(fc.property(fc.double({ min: -6, max: 6, noNaN: true }).filter((x) => Math.abs(x) >= 2 ** -60), (x) => ulpError(x, erf64(x)) <= 2), { numRuns: 2000 })
    fc.assert(fc.property(fc.integer({ min: -60, max: 0 }), fc.double({ min: 1, max: 2, noNaN: true }), (e, m) => ulpError(m * 2 ** e, erf64(m * 2 ** e)) <= 2), { numRuns: 500 })
  })

  it('keeps the special values: ±0, ±1 from 6 on and at ±∞, NaN', () => {
    expect(Object.is(erf64(0), 0) && Object.is(erf64(-0), -0)).toBe(true)
    expect([6, 27, Infinity, -6, -Infinity].map(erf64)).toEqual([1, 1, 1, -1, -1])
    expect(erf64(NaN)).toBeNaN()
    expect(erf64(5.95)).toBe(1) // erfc(5.95) ≈ 2.6e-17 is under half an ulp below 1 (5.6e-17)
    expect([1e-310, -3e-20, 5e-324].map(erf64)).toEqual([1e-310, -3e-20, 5e-324].map((x) => (2 / Math.sqrt(Math.PI)) * x))
  })
})

describe('erf, the op', () => {
  it('rounds the float64 value once in float32, and lifts integers to float32', () => {
    const xs = [-3.5, -1, -0.25, 0, 0.3, 1, 2.2, 4]
    expect(Array.from(erf(tensor(xs, 'float32')).toTypedArray())).toEqual(xs.map((x) => Math.fround(erf64(Math.fround(x)))))
    const e = erf(tensor([1, 2], 'int32'))
    expect(e.dtype).toBe('float32')
    expect(Array.from(e.toTypedArray())).toEqual([Math.fround(erf64(1)), Math.fround(erf64(2))])
  })

  it('has the derivatives (2/√π)e^(−x²) and −2x(2/√π)e^(−x²)', () => {
    const xs = tensor([-2, -0.5, 0, 0.7, 3], 'float64')
    const c = 2 / Math.sqrt(Math.PI)
    const d = grad((x: Tensor) => sum(erf(x)))
    const first = Array.from(d(xs).toTypedArray())
    const second = Array.from(grad((x: Tensor) => sum(d(x)))(xs).toTypedArray())
    Array.from(xs.toTypedArray()).forEach((x, i) => {
      expect(first[i]).toBeCloseTo(c * Math.exp(-x * x), 15)
      expect(second[i]).toBeCloseTo(-2 * x * c * Math.exp(-x * x), 15)
    })
  })
})
